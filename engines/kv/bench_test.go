package kv

import (
	"fmt"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

const benchmarkKeyCount = 1 << 14

// benchmarkOperations pre-encodes one operation per key, so the
// benchmarks measure the engine, not the encoder.
func benchmarkOperations(build func(key string) Operation) [][]byte {
	operations := make([][]byte, benchmarkKeyCount)
	for index := range operations {
		operations[index] = build(fmt.Sprintf("key-%06d", index)).Encode()
	}
	return operations
}

// BenchmarkAutocommitPut: Apply(put) then Commit, one transaction each,
// over a set of keys that keeps growing versions.
func BenchmarkAutocommitPut(b *testing.B) {
	e := NewEngine()
	operations := benchmarkOperations(func(key string) Operation {
		return Operation{Kind: OperationPut, Key: key, Value: value.Int(42)}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for index := range b.N {
		timestamp := clock.Timestamp{WallNanos: int64(index + 1)}
		if outcome := e.Apply(timestamp, operations[index%benchmarkKeyCount], timestamp); outcome.Status != engines.StatusDone {
			b.Fatalf("put: %v", outcome.Status)
		}
		if err := e.Commit(timestamp, timestamp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshotGet: Read(get) at a snapshot over committed keys.
func BenchmarkSnapshotGet(b *testing.B) {
	e := NewEngine()
	puts := benchmarkOperations(func(key string) Operation {
		return Operation{Kind: OperationPut, Key: key, Value: value.String("value")}
	})
	for index, put := range puts {
		timestamp := clock.Timestamp{WallNanos: int64(index + 1)}
		e.Apply(timestamp, put, timestamp)
		if err := e.Commit(timestamp, timestamp); err != nil {
			b.Fatal(err)
		}
	}
	gets := benchmarkOperations(func(key string) Operation { return Operation{Kind: OperationGet, Key: key} })
	snapshot := clock.Timestamp{WallNanos: benchmarkKeyCount + 1}
	b.ReportAllocs()
	b.ResetTimer()
	for index := range b.N {
		if outcome := e.Read(gets[index%benchmarkKeyCount], snapshot); outcome.Status != engines.StatusDone {
			b.Fatalf("get: %v", outcome.Status)
		}
	}
}
