package queue

import (
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// BenchmarkEnqueueTransaction: one transaction per iteration, Apply of
// one Enqueue then a one-phase Commit, on the engine alone.
func BenchmarkEnqueueTransaction(b *testing.B) {
	e := NewEngine()
	operation := encodeEnqueue("jobs", value.Int(42))
	b.ReportAllocs()
	for i := range int64(b.N) {
		txn := txnID(i + 1)
		if outcome := e.Apply(txn, operation, timestamp(i+1)); outcome.Status != engines.StatusDone {
			b.Fatal(formatOutcome(outcome))
		}
		if err := e.Commit(txn, timestamp(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueDequeueTransactions: alternating enqueue and dequeue
// transactions, so the queue stays short.
func BenchmarkEnqueueDequeueTransactions(b *testing.B) {
	e := NewEngine()
	enqueue := encodeEnqueue("jobs", value.Int(42))
	dequeue := encodeOperation(operationDequeue, "jobs")
	b.ReportAllocs()
	for i := range int64(b.N) {
		txn := txnID(i + 1)
		operation := enqueue
		if i%2 == 1 {
			operation = dequeue
		}
		if outcome := e.Apply(txn, operation, timestamp(i+1)); outcome.Status != engines.StatusDone {
			b.Fatal(formatOutcome(outcome))
		}
		if err := e.Commit(txn, timestamp(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}
