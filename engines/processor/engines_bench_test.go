package processor_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/mvcc"
)

// Benchmarks of the engines through a processor, outside the simulator:
// log entries are built here with increasing timestamps and fed with
// Step(MsgEntries), one entry per step (the least favourable batching).
// Each family runs a raw mvcc baseline beside it, so a ratio comes from
// one run. Record results in BENCHMARKS.md.

const (
	benchKeyCount = 1 << 14
	// benchEntryGapNanos spaces entries 1µs apart: a stream at 1M entries/s.
	benchEntryGapNanos = 1000
	// benchDeadlineNanos is each transaction's deadline after its entry, so
	// the processor keeps about a thousand finished transactions around.
	benchDeadlineNanos = 1_000_000
	// benchChunk entries are encoded at a time, timer stopped.
	benchChunk = 4096
)

func benchKey(index int) string { return fmt.Sprintf("key-%06d", index) }

// benchStream feeds one processor with one-phase operations.
type benchStream struct {
	processor *processor.Processor
	position  uint64
	chunk     []wire.LogEntry
	next      int
}

func newBenchStream(engine engines.Engine) *benchStream {
	config := memConfig()
	config.CheckpointEvery = 1 << 30 // checkpoints are measured separately
	p := processor.New(config, engine)
	p.Start()
	return &benchStream{processor: p}
}

func (s *benchStream) timestamp() clock.Timestamp {
	return clock.Timestamp{WallNanos: int64(s.position) * benchEntryGapNanos, Node: 1}
}

// prepare encodes the next chunk of count one-phase entries, operations
// drawn by position from operation.
func (s *benchStream) prepare(operation func(index int) []byte, count int) {
	s.chunk = s.chunk[:0]
	s.next = 0
	for range count {
		s.position++
		stamp := s.timestamp()
		entry := wire.Entry{Kind: wire.EntryOnePhase, Txn: engines.TxnID{WallNanos: stamp.WallNanos, Node: 9},
			DeadlineNanos: stamp.WallNanos + benchDeadlineNanos, Request: wire.RequestID{Origin: 3, Sequence: s.position},
			ReplyTo: memCoordinatorAddress, Sequence: 1, Operation: operation(int(s.position))}
		s.chunk = append(s.chunk, wire.LogEntry{Position: s.position, Timestamp: stamp, Payload: entry.Encode()})
	}
}

// step applies the next prepared entry and checks its reply.
func (s *benchStream) step(tb testing.TB, operation func(index int) []byte) {
	if s.next == len(s.chunk) {
		b, timed := tb.(*testing.B)
		if timed {
			b.StopTimer()
		}
		s.prepare(operation, benchChunk)
		if timed {
			b.StartTimer()
		}
	}
	ready := s.processor.Step(memLogAddress, wire.MsgEntries{Stream: memStream, Entries: s.chunk[s.next : s.next+1]})
	s.next++
	if len(ready.Messages) != 1 {
		tb.Fatalf("entry %d: %d messages", s.position, len(ready.Messages))
	}
	if reply, ok := ready.Messages[0].Message.(wire.MsgOperationReply); !ok || reply.Status != engines.StatusDone {
		tb.Fatalf("entry %d: %+v", s.position, ready.Messages[0].Message)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func encodedOperations(count int, build func(index int) []byte) func(int) []byte {
	operations := make([][]byte, count)
	for index := range operations {
		operations[index] = build(index)
	}
	return func(index int) []byte { return operations[index%count] }
}

// BenchmarkAutocommitPut: an ad-hoc KV put per log entry (EntryOnePhase
// with the operation), against mvcc Put + Commit of the same key.
func BenchmarkAutocommitPut(b *testing.B) {
	v := value.Append(nil, value.Int(42))
	b.Run("mvcc", func(b *testing.B) {
		store := mvcc.New(mvcc.Options{})
		keys := make([][]byte, benchKeyCount)
		for index := range keys {
			keys[index] = []byte(benchKey(index))
		}
		b.ReportAllocs()
		for index := range b.N {
			stamp := clock.Timestamp{WallNanos: int64(index+1) * benchEntryGapNanos, Node: 1}
			if err := store.Put(stamp, keys[index%benchKeyCount], v); err != nil {
				b.Fatal(err)
			}
			if err := store.Commit(stamp, stamp); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("processor", func(b *testing.B) {
		operations := encodedOperations(benchKeyCount, func(index int) []byte {
			return kv.Operation{Kind: kv.OperationPut, Key: benchKey(index), Value: value.Int(42)}.Encode()
		})
		stream := newBenchStream(kv.NewEngine())
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			stream.step(b, operations)
		}
		reportRate(b)
	})
}

// BenchmarkSnapshotGet: a KV get at a snapshot through Processor.ReadNow,
// against mvcc Get at the same snapshot.
func BenchmarkSnapshotGet(b *testing.B) {
	stream := newBenchStream(kv.NewEngine())
	puts := encodedOperations(benchKeyCount, func(index int) []byte {
		return kv.Operation{Kind: kv.OperationPut, Key: benchKey(index), Value: value.String("value")}.Encode()
	})
	for range benchKeyCount {
		stream.step(b, puts)
	}
	store := mvcc.New(mvcc.Options{})
	for index := range benchKeyCount {
		stamp := clock.Timestamp{WallNanos: int64(index + 1), Node: 1}
		_ = store.Put(stamp, []byte(benchKey(index)), value.Append(nil, value.String("value")))
		_ = store.Commit(stamp, stamp)
	}
	snapshot := stream.processor.AppliedTimestamp()
	b.Run("mvcc", func(b *testing.B) {
		keys := make([][]byte, benchKeyCount)
		for index := range keys {
			keys[index] = []byte(benchKey(index))
		}
		b.ReportAllocs()
		for index := range b.N {
			if _, found, err := store.Get(keys[index%benchKeyCount], mvcc.ReadOptions{At: snapshot}); !found || err != nil {
				b.Fatal("missing key", err)
			}
		}
		reportRate(b)
	})
	b.Run("processor", func(b *testing.B) {
		gets := encodedOperations(benchKeyCount, func(index int) []byte {
			return kv.Operation{Kind: kv.OperationGet, Key: benchKey(index)}.Encode()
		})
		b.ReportAllocs()
		for index := range b.N {
			if outcome := stream.processor.ReadNow(gets(index), snapshot); outcome.Status != engines.StatusDone {
				b.Fatalf("get: %v", outcome.Status)
			}
		}
		reportRate(b)
	})
}

// operationOf encodes an operation through a typed client.
func operationOf(call func(engines.Executor)) []byte {
	executor := &recordExecutor{err: errNotExecuted}
	call(executor)
	return executor.operation
}

// BenchmarkTransfer: a one-phase resource transaction of one transfer
// between two of 1024 accounts, against mvcc reading both balances and
// writing both (Put, Put, Commit).
func BenchmarkTransfer(b *testing.B) {
	const accountCount = 1024
	b.Run("mvcc", func(b *testing.B) {
		store := mvcc.New(mvcc.Options{})
		keys := make([][]byte, accountCount)
		for index := range keys {
			keys[index] = []byte(benchKey(index))
			_ = store.Put(clock.Timestamp{WallNanos: 1}, keys[index], binary.BigEndian.AppendUint64(nil, 1<<40))
		}
		_ = store.Commit(clock.Timestamp{WallNanos: 1}, clock.Timestamp{WallNanos: 1})
		b.ReportAllocs()
		for index := range b.N {
			stamp := clock.Timestamp{WallNanos: int64(index+2) * benchEntryGapNanos, Node: 1}
			from, to := keys[index%accountCount], keys[(index+1)%accountCount]
			for _, key := range [][]byte{from, to} {
				raw, _, _ := store.Get(key, mvcc.ReadOptions{At: mvcc.MaxTimestamp, Txn: stamp})
				_ = store.Put(stamp, key, binary.BigEndian.AppendUint64(nil, binary.BigEndian.Uint64(raw)+1))
			}
			if err := store.Commit(stamp, stamp); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("processor", func(b *testing.B) {
		stream := newBenchStream(resource.NewEngine())
		client := func(executor engines.Executor) *resource.Client { return resource.New(executor, memStream) }
		setup := [][]byte{operationOf(func(e engines.Executor) { _ = client(e).Create(context.Background(), "tok", "TOK", 2) })}
		for account := range accountCount {
			setup = append(setup, operationOf(func(e engines.Executor) {
				_ = client(e).Mint(context.Background(), "tok", benchKey(account), "1000000")
			}))
		}
		stream.prepare(func(index int) []byte { return setup[index-1] }, len(setup))
		for range setup {
			stream.step(b, nil)
		}
		transfers := encodedOperations(accountCount, func(index int) []byte {
			return operationOf(func(e engines.Executor) {
				_ = client(e).Transfer(context.Background(), "tok", benchKey(index), benchKey((index+1)%accountCount), "0.01")
			})
		})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			stream.step(b, transfers)
		}
		reportRate(b)
	})
}

// BenchmarkEnqueue: a one-phase enqueue to one of 16 queues, against mvcc
// Put + Commit of an item key.
func BenchmarkEnqueue(b *testing.B) {
	const queueCount = 16
	item := value.Append(nil, value.Int(42))
	b.Run("mvcc", func(b *testing.B) {
		store := mvcc.New(mvcc.Options{})
		b.ReportAllocs()
		for index := range b.N {
			stamp := clock.Timestamp{WallNanos: int64(index+1) * benchEntryGapNanos, Node: 1}
			key := binary.BigEndian.AppendUint64([]byte(fmt.Sprintf("q%02d/", index%queueCount)), uint64(index))
			if err := store.Put(stamp, key, item); err != nil {
				b.Fatal(err)
			}
			if err := store.Commit(stamp, stamp); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("processor", func(b *testing.B) {
		stream := newBenchStream(queue.NewEngine())
		enqueues := encodedOperations(queueCount, func(index int) []byte {
			return operationOf(func(e engines.Executor) {
				_ = queue.New(e, memStream).Enqueue(context.Background(), fmt.Sprintf("q%02d", index), value.Int(42))
			})
		})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			stream.step(b, enqueues)
		}
		reportRate(b)
	})
}
