package live

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/store"
)

const (
	reopenEntries    = 1_000_000
	reopenKeys       = 100_000
	reopenValueBytes = 100
)

func reopenOptions() Options {
	return Options{Streams: []catalog.StreamSpec{catalog.KV("kv")}, Logger: quiet, ReadTimeout: time.Minute}
}

// commitsPerSecond is the rate appendCommits stamps its entries at.
const commitsPerSecond = 10_000

// steppingClock advances by stepNanos at every reading.
type steppingClock struct{ nowNanos, stepNanos int64 }

func (c *steppingClock) Now() int64 {
	c.nowNanos += c.stepNanos / 2 // two readings per entry: the transaction id, the log's stamp
	return c.nowNanos
}

// appendCommits appends count committed ad-hoc puts (one-phase entries
// over reopenKeys keys, 100-byte values) to the store's "kv" log, as the
// runtime would have at 10k commits/s up to now, a thousand per fsync;
// first numbers the first.
func appendCommits(b *testing.B, dir string, first, count int) {
	b.Helper()
	s, err := store.Open(dir, store.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	stream, err := s.Stream("kv", catalog.KindKV)
	if err != nil {
		b.Fatal(err)
	}
	log, records, err := stream.OpenLog()
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	// The entries are stamped as if committed at commitsPerSecond, ending
	// now: the log's time, which drives deadlines and garbage collection
	// on replay, is that of a real run, not of this fast fill.
	physical := &steppingClock{nowNanos: time.Now().UnixNano() - int64(count)*int64(time.Second)/commitsPerSecond,
		stepNanos: int64(time.Second) / commitsPerSecond}
	service, err := streamlog.RecoverSuffix(streamlog.Config{}, physical, stream.ID(), records)
	if err != nil {
		b.Fatal(err)
	}
	driver := streamlog.NewDriver(service, log)
	hlc := clock.NewHLC(physical, coordinatorNode)
	value := value.Bytes(make([]byte, reopenValueBytes))
	for i := first; i < first+count; i++ {
		txn := hlc.Now()
		operation := kv.Operation{Kind: kv.OperationPut, Key: fmt.Sprintf("key:%08d", i%reopenKeys), Value: value}
		request := wire.RequestID{Origin: 1 << 40, Sequence: uint64(i + 1)}
		entry := wire.Entry{Kind: wire.EntryOnePhase, Txn: txn, Request: request, ReplyTo: nowhere,
			DeadlineNanos: txn.WallNanos + int64(time.Second), Sequence: 1, Operation: operation.Encode()}
		if err := driver.Step(nowhere, wire.MsgAppend{Request: request, ReplyTo: nowhere, Stream: "kv",
			Payload: entry.Encode(), Unacknowledged: true}); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			if _, err := driver.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := driver.Flush(); err != nil {
		b.Fatal(err)
	}
}

// reopenAndRead opens the store and waits for a snapshot read of the
// last key written: the processor has then replayed its whole log.
func reopenAndRead(b *testing.B, dir string, lastKey int) *DB {
	b.Helper()
	ctx := context.Background()
	db := openDB(b, dir, reopenOptions())
	if _, found, err := kv.New(db.BeginReadOnly(ctx), "kv").Get(ctx, fmt.Sprintf("key:%08d", lastKey%reopenKeys)); err != nil || !found {
		b.Fatalf("read after reopen: found %t, %v", found, err)
	}
	return db
}

// BenchmarkReopen: a store whose one KV stream holds one million
// committed entries (one-phase puts of 100-byte values over 100k keys).
// whole-log: no checkpoint, every entry replayed (the first open). after-
// checkpoint: the runtime's checkpoints exist and the newest one lies
// CheckpointEvery entries behind the log's head (a crash just before the
// next checkpoint: the most a reopen replays). Each time is Open plus a
// snapshot read of the last key written, so the replay is included.
//
//	go test ./live -run XXX -bench Reopen -benchtime=3x
func BenchmarkReopen(b *testing.B) {
	b.Run("whole-log", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "store")
			appendCommits(b, dir, 0, reopenEntries)
			b.StartTimer()
			db := reopenAndRead(b, dir, reopenEntries-1)
			b.StopTimer()
			closeDB(b, db)
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/reopen")
	})
	b.Run("after-checkpoint", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "store")
		appendCommits(b, dir, 0, reopenEntries)
		closeDB(b, reopenAndRead(b, dir, reopenEntries-1)) // checkpoints written, log trimmed
		written := reopenEntries
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			appendCommits(b, dir, written, checkpointEveryDefault)
			written += checkpointEveryDefault
			b.StartTimer()
			db := reopenAndRead(b, dir, written-1)
			b.StopTimer()
			closeDB(b, db)
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/reopen")
	})
}
