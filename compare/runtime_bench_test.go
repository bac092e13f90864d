package compare

import (
	"context"
	stdsql "database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

// The real runtime (proven.Open) beside embedded stores that make the
// same promise, in the same process, on the same disk: a transaction is
// durable (fsynced) before it is acknowledged.
//
//	go test ./compare -run XXX -bench 'DurableKV|ThreeStream|PointRead' -benchtime=3s -count=3
//
// Each sub-benchmark reports its throughput (commits/s or reads/s) and
// the p50 and p99 latency of one transaction. The peers run first at each
// client count, and the runtime's sub-benchmark then reports its
// throughput as a ratio to each (x-sqlite, x-badger, x-pebble), measured
// in the same process a moment apart.

const (
	runtimeKeys       = 100_000
	runtimeValueBytes = 100
)

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// peerThroughput holds the throughput of each peer's last run, by
// benchmark name with "peer" for the peer's own sub-name, so the
// runtime's run that follows can report its ratio. Sub-benchmarks run one
// at a time, on the benchmark's goroutine.
var peerThroughput = map[string]float64{}

// reportRatio reports the last throughput measured by the sub-benchmark
// of the same parent named peer, as throughput/peer's, in the unit
// "x-<peer>"; when -bench left the peer out, it says so instead.
func reportRatio(b *testing.B, throughput float64, peer, unit string) {
	b.Helper()
	name := path.Join(path.Dir(b.Name()), peer)
	base, ok := peerThroughput[name]
	if !ok || base == 0 {
		b.Logf("no ratio to %s: it did not run before %s", name, b.Name())
		return
	}
	b.ReportMetric(throughput/base, unit)
}

// runClients runs b.N calls of op over clients goroutines, reports the
// throughput in unit and the latency percentiles, and returns the
// throughput (also recorded under the benchmark's name for reportRatio).
// op returns false for a call that did not succeed (a transaction that
// did not commit): it is not counted.
func runClients(b *testing.B, clients int, unit string, op func(ctx context.Context, client, i int) bool) float64 {
	ctx := context.Background()
	var next, succeeded atomic.Int64
	latencies := make([][]time.Duration, clients)
	var group sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for client := range clients {
		group.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				began := time.Now()
				if op(ctx, client, int(i)) {
					succeeded.Add(1)
				}
				latencies[client] = append(latencies[client], time.Since(began))
			}
		})
	}
	group.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	throughput := float64(succeeded.Load()) / elapsed.Seconds()
	b.ReportMetric(throughput, unit)
	b.ReportMetric(float64(percentileOf(all, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentileOf(all, 99).Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op") // the throughput is the measure; ns/op divides wall time by b.N across clients
	peerThroughput[b.Name()] = throughput
	return throughput
}

func percentileOf(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func runtimeKey(i int) string { return fmt.Sprintf("key:%08d", (i*7919)%runtimeKeys) }

func openRuntime(b *testing.B, streams ...proven.StreamSpec) *proven.DB {
	b.Helper()
	db, err := proven.Open(filepath.Join(b.TempDir(), "store"), proven.Options{Streams: streams, Logger: quietLogger})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	return db
}

// BenchmarkDurableKV: durable single-key transactions, each writing an
// 8-byte integer under one of 100k keys, at 1, 16 and 64 clients:
//   - proven/txn: Begin, Put, Commit (the Put and the one-phase commit
//     are each appended to the stream's log);
//   - proven/adhoc: the store's ad-hoc executor, one Put as its own
//     transaction (one entry: operation and commit);
//   - sqlite: modernc SQLite in WAL mode with synchronous=FULL, one
//     auto-committed INSERT OR REPLACE per transaction, the clients
//     sharing one connection (SQLite runs one writer at a time; a
//     connection per client is slower, its writers colliding and
//     retrying in the busy handler's sleeps: 150-850 commits/s at 16 and
//     64 clients, p99 2-3 s, on the machine of BENCHMARKS.md);
//   - badger: Badger with SyncWrites, one Update (Set) per transaction.
func BenchmarkDurableKV(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d/sqlite-wal-full", clients), func(b *testing.B) {
			db := openSQLiteWAL(b)
			runClients(b, clients, "commits/s", func(ctx context.Context, client, i int) bool {
				_, err := db.ExecContext(ctx, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", runtimeKey(i), int64(i))
				return err == nil
			})
		})
		b.Run(fmt.Sprintf("clients=%d/badger-sync", clients), func(b *testing.B) {
			db := openBadger(b)
			runClients(b, clients, "commits/s", func(ctx context.Context, client, i int) bool {
				return db.Update(func(txn *badger.Txn) error {
					return txn.Set([]byte(runtimeKey(i)), binary.BigEndian.AppendUint64(nil, uint64(i)))
				}) == nil
			})
		})
		b.Run(fmt.Sprintf("clients=%d/proven-txn", clients), func(b *testing.B) {
			db := openRuntime(b, proven.KV("kv"))
			throughput := runClients(b, clients, "commits/s", func(ctx context.Context, client, i int) bool {
				tx := db.Begin(ctx, 5*time.Second)
				if err := kv.New(tx, "kv").PutInt(ctx, runtimeKey(i), int64(i)); err != nil {
					tx.Rollback(ctx)
					return false
				}
				return tx.Commit(ctx) == nil
			})
			reportRatio(b, throughput, "sqlite-wal-full", "x-sqlite")
			reportRatio(b, throughput, "badger-sync", "x-badger")
		})
		b.Run(fmt.Sprintf("clients=%d/proven-adhoc", clients), func(b *testing.B) {
			db := openRuntime(b, proven.KV("kv"))
			store := kv.New(db.AdHoc(), "kv")
			throughput := runClients(b, clients, "commits/s", func(ctx context.Context, client, i int) bool {
				return store.PutInt(ctx, runtimeKey(i), int64(i)) == nil
			})
			reportRatio(b, throughput, "sqlite-wal-full", "x-sqlite")
			reportRatio(b, throughput, "badger-sync", "x-badger")
		})
	}
}

func openSQLiteWAL(b *testing.B) *stdsql.DB {
	b.Helper()
	file := filepath.Join(b.TempDir(), "kv.sqlite")
	db, err := stdsql.Open("sqlite", "file:"+file+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(60000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)"); err != nil {
		b.Fatal(err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		b.Fatalf("journal mode %q, %v; want wal", mode, err)
	}
	var synchronous int
	if err := db.QueryRow("PRAGMA synchronous").Scan(&synchronous); err != nil || synchronous != 2 {
		b.Fatalf("synchronous %d, %v; want 2 (FULL)", synchronous, err)
	}
	return db
}

func openBadger(b *testing.B) *badger.DB {
	b.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(b.TempDir(), "badger")).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkThreeStream: durable transactions over KV, Queue and Resource
// (a put, an enqueue to the client's own queue, a transfer of one credit
// from a funded account), at 1, 16 and 64 clients: three operation
// appends, then prepare and commit on each of the three streams.
func BenchmarkThreeStream(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ctx := context.Background()
			db := openRuntime(b, proven.KV("users"), proven.Queue("notifications"), proven.Resource("credits"))
			credits := resource.New(db.AdHoc(), "credits")
			if err := credits.Create(ctx, "CR", "CR", 0); err != nil {
				b.Fatal(err)
			}
			if err := credits.Mint(ctx, "CR", "treasury", "1000000000000"); err != nil {
				b.Fatal(err)
			}
			runClients(b, clients, "commits/s", func(ctx context.Context, client, i int) bool {
				tx := db.Begin(ctx, 5*time.Second)
				user := runtimeKey(i)
				err := kv.New(tx, "users").PutInt(ctx, user, int64(i))
				if err == nil {
					err = queue.New(tx, "notifications").Enqueue(ctx, fmt.Sprintf("q%d", client), value.Int(int64(i)))
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
		})
	}
}

// BenchmarkPointRead: a point read of a 100-byte value among 100k keys,
// at 1 and 16 clients: through the runtime, a new read-only transaction
// (a snapshot at or after every acknowledged commit) and one Get; in
// Pebble, a Get of the same keys (flushed to a table, the block cache
// warm), copying the value as the runtime's answer is a copy.
func BenchmarkPointRead(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d/pebble", clients), func(b *testing.B) {
			db := filledPebble(b)
			runClients(b, clients, "reads/s", func(ctx context.Context, client, i int) bool {
				v, closer, err := db.Get([]byte(runtimeKey(i)))
				if err != nil {
					return false
				}
				_ = append([]byte(nil), v...)
				return closer.Close() == nil
			})
		})
		b.Run(fmt.Sprintf("clients=%d/proven", clients), func(b *testing.B) {
			db := filledRuntime(b)
			throughput := runClients(b, clients, "reads/s", func(ctx context.Context, client, i int) bool {
				_, found, err := kv.New(db.BeginReadOnly(ctx), "kv").GetBytes(ctx, runtimeKey(i))
				return err == nil && found
			})
			reportRatio(b, throughput, "pebble", "x-pebble")
		})
	}
}

// filledRuntime is a store holding the 100k keys, filled once per process
// by 64 clients of ad-hoc puts and kept open for every run.
var filled struct {
	once   sync.Once
	db     *proven.DB
	pebble *pebble.DB
	dir    string
	err    error
}

func filledRuntime(b *testing.B) *proven.DB {
	filled.once.Do(fill)
	if filled.err != nil {
		b.Fatal(filled.err)
	}
	return filled.db
}

func filledPebble(b *testing.B) *pebble.DB {
	filledRuntime(b)
	return filled.pebble
}

func fill() {
	dir, err := tempDir()
	if err != nil {
		filled.err = err
		return
	}
	filled.db, filled.err = proven.Open(filepath.Join(dir, "store"), proven.Options{Streams: []proven.StreamSpec{proven.KV("kv")},
		Logger: quietLogger})
	if filled.err != nil {
		return
	}
	payload := make([]byte, runtimeValueBytes)
	store := kv.New(filled.db.AdHoc(), "kv")
	var group sync.WaitGroup
	var failure atomic.Pointer[error]
	for client := range 64 {
		group.Go(func() {
			for i := client; i < runtimeKeys; i += 64 {
				if err := store.PutBytes(context.Background(), runtimeKey(i), payload); err != nil {
					failure.Store(&err)
					return
				}
			}
		})
	}
	group.Wait()
	if failure.Load() != nil {
		filled.err = *failure.Load()
		return
	}
	filled.pebble, filled.err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quietPebbleLogger{}})
	if filled.err != nil {
		return
	}
	batch := filled.pebble.NewBatch()
	for i := range runtimeKeys {
		if filled.err = batch.Set([]byte(runtimeKey(i)), payload, nil); filled.err != nil {
			return
		}
	}
	if filled.err = batch.Commit(pebble.Sync); filled.err != nil {
		return
	}
	if filled.err = filled.pebble.Flush(); filled.err != nil {
		return
	}
	for i := range runtimeKeys { // warm the block cache
		if _, closer, err := filled.pebble.Get([]byte(runtimeKey(i))); err == nil {
			closer.Close()
		}
	}
}

// tempDir makes the folder of the stores filled once per process;
// TestMain removes it.
func tempDir() (string, error) {
	dir, err := os.MkdirTemp("", "proven-compare-")
	filled.dir = dir
	return dir, err
}

// TestMain closes the stores filled once per process and removes them.
func TestMain(m *testing.M) {
	code := m.Run()
	if filled.db != nil {
		filled.db.Close()
	}
	if filled.pebble != nil {
		filled.pebble.Close()
	}
	if filled.dir != "" {
		os.RemoveAll(filled.dir)
	}
	os.Exit(code)
}

// quietPebbleLogger drops Pebble's informational lines ("Found 0 WALs")
// from the benchmark output; errors still fail the benchmark through the
// calls' results.
type quietPebbleLogger struct{}

func (quietPebbleLogger) Infof(string, ...any)  {}
func (quietPebbleLogger) Errorf(string, ...any) {}
func (quietPebbleLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
