package processor

import (
	"testing"
	"unsafe"
)

// TestTxnStateSize pins the size of a transaction record: the processor
// remembers every transaction until its deadline, so at thousands of
// commits a second each byte here is thousands of bytes of heap.
func TestTxnStateSize(t *testing.T) {
	if size := unsafe.Sizeof(txnState{}); size != 192 {
		t.Fatalf("txnState is %d bytes, want 192", size)
	}
}
