package streamlog

import (
	"testing"

	"github.com/proven2pc/proven/engines/wire"
)

// countingClock advances one nanosecond per reading, like a busy node.
type countingClock struct{ nowNanos int64 }

func (c *countingClock) Now() int64 {
	c.nowNanos++
	return c.nowNanos
}

func benchmarkAppend(b *testing.B, subscribers int) {
	service := New(Config{}, &countingClock{}, 1)
	for subscriber := range subscribers {
		service.Step(0, wire.MsgSubscribe{Stream: "bench", From: 1, Subscriber: wire.Address(subscriber + 1)})
	}
	payload := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ready := service.Step(100, wire.MsgAppend{Request: wire.RequestID{Origin: 1, Sequence: uint64(i)},
			ReplyTo: 100, Stream: "bench", Payload: payload})
		if len(ready.Persist) != 1 {
			b.Fatalf("append persisted %d records", len(ready.Persist))
		}
	}
}

func BenchmarkAppend(b *testing.B)                 { benchmarkAppend(b, 0) }
func BenchmarkAppendThreeSubscribers(b *testing.B) { benchmarkAppend(b, 3) }

func BenchmarkRetriedAppend(b *testing.B) {
	service := New(Config{}, &countingClock{}, 1)
	message := wire.MsgAppend{Request: wire.RequestID{Origin: 1, Sequence: 1}, ReplyTo: 100, Stream: "bench"}
	service.Step(100, message)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if ready := service.Step(100, message); len(ready.Persist) != 0 {
			b.Fatal("a retry persisted")
		}
	}
}

// BenchmarkRecover reports the cost per recovered record.
func BenchmarkRecover(b *testing.B) {
	const recordCount = 10_000
	service := New(Config{}, &countingClock{}, 1)
	var records [][]byte
	payload := make([]byte, 64)
	for i := range recordCount {
		stream := []string{"a", "b", "c", "d"}[i%4]
		ready := service.Step(100, wire.MsgAppend{Request: wire.RequestID{Origin: uint64(i % 8),
			Sequence: uint64(i)}, ReplyTo: 100, Stream: stream, Payload: payload})
		records = append(records, ready.Persist...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Recover(Config{}, &countingClock{}, 1, records); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*recordCount), "ns/record")
}
