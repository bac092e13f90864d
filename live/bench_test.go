package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

// runConcurrently runs b.N calls of op over goroutines and reports
// commits/s and the latency percentiles. op returns false for a
// transaction that did not commit (not counted as a commit).
func runConcurrently(b *testing.B, goroutines int, op func(ctx context.Context, worker, i int) bool) {
	runConcurrentlyAs(b, goroutines, "commits/s", op)
}

// runConcurrentlyAs is runConcurrently with the throughput's unit.
func runConcurrentlyAs(b *testing.B, goroutines int, unit string, op func(ctx context.Context, worker, i int) bool) {
	ctx := context.Background()
	var next, commits atomic.Int64
	latencies := make([][]time.Duration, goroutines)
	var group sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for worker := range goroutines {
		group.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				began := time.Now()
				if op(ctx, worker, int(i)) {
					commits.Add(1)
				}
				latencies[worker] = append(latencies[worker], time.Since(began))
			}
		})
	}
	group.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(commits.Load())/elapsed.Seconds(), unit)
	b.ReportMetric(float64(percentile(all, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(all, 99).Microseconds()), "p99-µs")
}

// reportGroupCommit reports the log records per fsync, over every
// stream of db, since it opened.
func reportGroupCommit(b *testing.B, db *DB) {
	var records, syncs uint64
	for _, s := range db.streams {
		stats := s.log.Stats()
		records, syncs = records+stats.Records, syncs+stats.Syncs
	}
	if syncs > 0 {
		b.ReportMetric(float64(records)/float64(syncs), "records/fsync")
	}
	b.ReportMetric(float64(db.router.dropped.Load()), "dropped")
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

const benchKeys = 100_000

// BenchmarkKVCommit: durable single-key read-write transactions (Begin,
// Put, Commit: an operation append and a one-phase commit append, each
// fsynced) at 1, 16 and 64 goroutines, on keys drawn from 100k. The
// baseline writes a 100-byte record and fsyncs it, one at a time, in the
// same process: what one durable write costs on this disk.
func BenchmarkKVCommit(b *testing.B) {
	b.Run("baseline=write-fsync-each", func(b *testing.B) {
		file, err := os.Create(filepath.Join(b.TempDir(), "baseline"))
		if err != nil {
			b.Fatal(err)
		}
		defer file.Close()
		record := make([]byte, 100)
		runConcurrently(b, 1, func(ctx context.Context, worker, i int) bool {
			_, err := file.Write(record)
			return err == nil && file.Sync() == nil
		})
	})
	for _, goroutines := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			db := openDB(b, filepath.Join(b.TempDir(), "store"), Options{
				Streams: []catalog.StreamSpec{catalog.KV("kv")}, Logger: quiet})
			defer closeDB(b, db)
			runConcurrently(b, goroutines, func(ctx context.Context, worker, i int) bool {
				tx := db.Begin(ctx, 5*time.Second)
				key := fmt.Sprintf("key:%d", (i*7919)%benchKeys)
				if err := kv.New(tx, "kv").PutInt(ctx, key, int64(i)); err != nil {
					tx.Rollback(ctx)
					return false
				}
				return tx.Commit(ctx) == nil
			})
			reportGroupCommit(b, db)
		})
	}
}

// BenchmarkThreeStreamCommit: durable transactions over KV, Queue and
// Resource (a put, an enqueue to the client's own queue and a transfer of
// one credit from a funded account, whose debits take escrow reservations
// and so do not wait for one another: three operation appends, then
// prepare and commit on each stream) at 1, 16 and 64 goroutines.
func BenchmarkThreeStreamCommit(b *testing.B) {
	for _, goroutines := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			ctx := context.Background()
			db := openDB(b, filepath.Join(b.TempDir(), "store"), threeStreams())
			defer closeDB(b, db)
			credits := resource.New(db.AdHoc(), "credits")
			if err := credits.Create(ctx, "CR", "CR", 0); err != nil {
				b.Fatal(err)
			}
			if err := credits.Mint(ctx, "CR", "treasury", "1000000000000"); err != nil {
				b.Fatal(err)
			}
			runConcurrently(b, goroutines, func(ctx context.Context, worker, i int) bool {
				tx := db.Begin(ctx, 5*time.Second)
				user := fmt.Sprintf("user:%d", (i*7919)%benchKeys)
				err := kv.New(tx, "users").PutInt(ctx, user, int64(i))
				if err == nil {
					err = queue.New(tx, "notifications").Enqueue(ctx, fmt.Sprintf("q%d", worker), value.Int(int64(i)))
				}
				if err == nil {
					err = resource.New(tx, "credits").Transfer(ctx, "CR", "treasury", user, "1")
				}
				if err != nil {
					tx.Rollback(ctx)
					return false
				}
				return tx.Commit(ctx) == nil
			})
			reportGroupCommit(b, db)
		})
	}
}

// BenchmarkSnapshotRead: point reads through the runtime, each a new
// read-only transaction (BeginReadOnly, then one Get: a message to the
// stream's processor and its answer), at 1 and 16 goroutines, on 100k
// keys; the baseline is the same Get on a KV engine called directly, in
// this process.
func BenchmarkSnapshotRead(b *testing.B) {
	key := func(i int) string { return fmt.Sprintf("key:%08d", (i*7919)%reopenKeys) }
	b.Run("baseline=engine", func(b *testing.B) {
		engine := kv.NewEngine()
		hlc := clock.NewHLC(clock.Real{}, 1)
		put := kv.Operation{Kind: kv.OperationPut, Value: value.Bytes(make([]byte, reopenValueBytes))}
		for i := range reopenKeys {
			txn := hlc.Now()
			put.Key = key(i)
			if outcome := engine.Apply(txn, put.Encode(), txn); outcome.Status != engines.StatusDone {
				b.Fatal(outcome.Err)
			}
			if err := engine.Commit(txn, hlc.Now()); err != nil {
				b.Fatal(err)
			}
		}
		snapshot := hlc.Now()
		runConcurrentlyAs(b, 1, "reads/s", func(ctx context.Context, worker, i int) bool {
			get := kv.Operation{Kind: kv.OperationGet, Key: key(i)}
			return engine.Read(get.Encode(), snapshot).Status == engines.StatusDone
		})
	})
	for _, goroutines := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "store")
			appendCommits(b, dir, 0, reopenKeys)
			db := reopenAndRead(b, dir, reopenKeys-1)
			defer closeDB(b, db)
			runConcurrentlyAs(b, goroutines, "reads/s", func(ctx context.Context, worker, i int) bool {
				_, found, err := kv.New(db.BeginReadOnly(ctx), "kv").Get(ctx, key(i))
				return err == nil && found
			})
		})
	}
}
