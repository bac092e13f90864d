package processor_test

import (
	"bytes"
	"testing"

	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
)

// benchCheckpointKeys is the number of keys in BenchmarkCheckpoint's
// engine, each holding benchCheckpointValueLen bytes.
const (
	benchCheckpointKeys     = 100_000
	benchCheckpointValueLen = 100
)

// BenchmarkCheckpoint: a full checkpoint of a processor over a kv engine
// holding 100k keys of 100-byte values. Bytes allocated per operation is
// the transient memory of one checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	payload := value.Bytes(bytes.Repeat([]byte{'v'}, benchCheckpointValueLen))
	operations := encodedOperations(benchCheckpointKeys, func(index int) []byte {
		return kv.Operation{Kind: kv.OperationPut, Key: benchKey(index), Value: payload}.Encode()
	})
	stream := newBenchStream(kv.NewEngine())
	for range benchCheckpointKeys {
		stream.step(b, operations)
	}
	checkCheckpointInPlace(b, stream.processor, kv.Restore)
	size := len(stream.processor.Checkpoint())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if got := len(stream.processor.Checkpoint()); got != size {
			b.Fatalf("checkpoint is %d bytes, then %d", size, got)
		}
	}
	b.ReportMetric(float64(size), "checkpoint-bytes")
}
