package processor_test

import (
	"bytes"
	"io"
	"math"
	"runtime"
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
	stream := checkpointBenchStream(b, benchCheckpointKeys, benchCheckpointValueLen)
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

// checkpointBenchStream is a processor over a kv engine holding keys keys
// of valueLen-byte values.
func checkpointBenchStream(b testing.TB, keys, valueLen int) *benchStream {
	payload := value.Bytes(bytes.Repeat([]byte{'v'}, valueLen))
	operations := encodedOperations(keys, func(index int) []byte {
		return kv.Operation{Kind: kv.OperationPut, Key: benchKey(index), Value: payload}.Encode()
	})
	stream := newBenchStream(kv.NewEngine())
	for range keys {
		stream.step(b, operations)
	}
	return stream
}

// BenchmarkFrozenCheckpoint: BenchmarkCheckpoint's checkpoint frozen and
// written (to io.Discard, as a host writes it to a file): bytes allocated
// per operation is the transient memory of one checkpoint written that
// way.
func BenchmarkFrozenCheckpoint(b *testing.B) {
	stream := checkpointBenchStream(b, benchCheckpointKeys, benchCheckpointValueLen)
	size := int64(len(stream.processor.Checkpoint()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if n, err := stream.processor.FreezeCheckpoint().WriteTo(io.Discard); err != nil || n != size {
			b.Fatalf("frozen checkpoint wrote %d bytes (%v), Checkpoint %d", n, err, size)
		}
	}
	b.ReportMetric(float64(size), "checkpoint-bytes")
}

// TestFrozenCheckpointHoldsNoCopy: writing a frozen checkpoint of a kv
// engine allocates a small fraction of the checkpoint's size (a chunk, the
// frame's small parts, the processor's transactions: here one per key),
// not a copy of the state as Checkpoint does.
func TestFrozenCheckpointHoldsNoCopy(t *testing.T) {
	stream := checkpointBenchStream(t, 4000, 4000)
	size := len(stream.processor.Checkpoint())
	// allocated is the fewest bytes the process allocated over three runs
	// of run: another goroutine allocating meanwhile counts too.
	allocated := func(run func()) uint64 {
		fewest := uint64(math.MaxUint64)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			run()
			runtime.ReadMemStats(&after)
			fewest = min(fewest, after.TotalAlloc-before.TotalAlloc)
		}
		return fewest
	}
	copying := allocated(func() { _ = stream.processor.Checkpoint() })
	frozen := allocated(func() {
		if _, err := stream.processor.FreezeCheckpoint().WriteTo(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	if copying < uint64(size) || frozen > uint64(size)/8 {
		t.Fatalf("a %d-byte checkpoint allocated %d bytes through Checkpoint and %d frozen, want at most %d frozen",
			size, copying, frozen, size/8)
	}
	t.Logf("a %d-byte checkpoint: %d bytes allocated through Checkpoint, %d frozen and written", size, copying, frozen)
}
