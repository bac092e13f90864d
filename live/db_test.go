package live

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if runCrashChild() {
		return
	}
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// threeStreams are the streams most tests run: KV, Queue and Resource.
func threeStreams() Options {
	return Options{Streams: []catalog.StreamSpec{catalog.KV("users"), catalog.Queue("notifications"),
		catalog.Resource("credits")}, Logger: quiet}
}

func openDB(t testing.TB, dir string, options Options) *DB {
	t.Helper()
	db, err := Open(dir, options)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func closeDB(t testing.TB, db *DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCommitsAcrossStreamsSurviveReopen: a transaction over three
// streams commits; a rolled-back one leaves nothing; after Close and
// Open, a read-only snapshot sees exactly the committed one.
func TestCommitsAcrossStreamsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	db := openDB(t, dir, threeStreams())
	if err := resource.New(db.AdHoc(), "credits").Create(ctx, "CR", "CR", 2); err != nil {
		t.Fatal(err)
	}
	tx := db.Begin(ctx, 5*time.Second)
	must(t, kv.New(tx, "users").PutString(ctx, "user:1", "Alice"))
	must(t, queue.New(tx, "notifications").Enqueue(ctx, "welcome", value.String("user:1")))
	must(t, resource.New(tx, "credits").Mint(ctx, "CR", "user:1", "12.50"))
	must(t, tx.Commit(ctx))
	rolledBack := db.Begin(ctx, 5*time.Second)
	must(t, kv.New(rolledBack, "users").PutString(ctx, "user:2", "Bob"))
	must(t, resource.New(rolledBack, "credits").Mint(ctx, "CR", "user:2", "1"))
	must(t, rolledBack.Rollback(ctx))
	closeDB(t, db)

	db = openDB(t, dir, threeStreams())
	defer closeDB(t, db)
	read := db.BeginReadOnly(ctx)
	name, found, err := kv.New(read, "users").GetString(ctx, "user:1")
	if err != nil || !found || name != "Alice" {
		t.Fatalf("user:1 = %q %t %v, want Alice", name, found, err)
	}
	if _, found, err := kv.New(read, "users").GetString(ctx, "user:2"); err != nil || found {
		t.Fatalf("rolled-back user:2 found=%t %v", found, err)
	}
	size, err := queue.New(read, "notifications").Size(ctx, "welcome")
	if err != nil || size != 1 {
		t.Fatalf("queue size %d %v, want 1", size, err)
	}
	supply, err := resource.New(read, "credits").Supply(ctx, "CR")
	if err != nil || supply != "12.5" {
		t.Fatalf("supply %q %v, want 12.5", supply, err)
	}
}

// TestUnknownStreamAndClosedHandle: an operation on a stream the Options
// do not name is refused at once, naming it; after Close every call
// returns ErrClosed, and so does a second Close.
func TestUnknownStreamAndClosedHandle(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "store"), threeStreams())
	tx := db.Begin(ctx, time.Second)
	if err := kv.New(tx, "nope").PutString(ctx, "a", "b"); !errors.Is(err, ErrUnknownStream) {
		t.Fatalf("put on an unknown stream: %v, want ErrUnknownStream", err)
	}
	if _, _, err := kv.New(db.BeginReadOnly(ctx), "nope").Get(ctx, "a"); !errors.Is(err, ErrUnknownStream) {
		t.Fatalf("read of an unknown stream: %v", err)
	}
	must(t, kv.New(tx, "users").PutString(ctx, "a", "b")) // still usable
	closeDB(t, db)
	if err := tx.Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("commit after Close: %v, want ErrClosed", err)
	}
	if err := kv.New(db.AdHoc(), "users").PutString(ctx, "a", "b"); !errors.Is(err, ErrClosed) {
		t.Fatalf("ad hoc after Close: %v", err)
	}
	if err := db.Begin(ctx, time.Second).Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
	if err := db.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadAheadOfTheLogWaits: a read-only transaction at a snapshot the
// logs have not reached yet is answered once the stream's log passes it,
// with every commit at or before it; a transaction committed later is not
// seen by it, and is seen by the next BeginReadOnly.
func TestReadAheadOfTheLogWaits(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "store"), threeStreams())
	defer closeDB(t, db)
	must(t, kv.New(db.AdHoc(), "users").PutString(ctx, "user:1", "Alice"))
	ahead := db.clock.Now()
	ahead.WallNanos += int64(30 * time.Millisecond)
	early := db.BeginReadOnlyAt(ctx, ahead)
	name, found, err := kv.New(early, "users").GetString(ctx, "user:1")
	if err != nil || !found || name != "Alice" {
		t.Fatalf("read ahead of the log: %q %t %v", name, found, err)
	}
	must(t, kv.New(db.AdHoc(), "users").PutString(ctx, "user:1", "Alicia"))
	if name, _, err := kv.New(early, "users").GetString(ctx, "user:1"); err != nil || name != "Alice" {
		t.Fatalf("the early snapshot reads %q, %v after a later commit", name, err)
	}
	read := db.BeginReadOnly(ctx)
	if name, _, err := kv.New(read, "users").GetString(ctx, "user:1"); err != nil || name != "Alicia" {
		t.Fatalf("a snapshot after the second commit reads %q, %v", name, err)
	}
	if !ahead.Less(read.Snapshot()) {
		t.Fatalf("the snapshot %v after the second commit is not after %v", read.Snapshot(), ahead)
	}
}

// TestTransactionsMaxBoundsSessions: with TransactionsMax 1, a second
// Begin waits for the first transaction to end, and gives up with its
// context's error; once the first commits, the next Begin runs.
func TestTransactionsMaxBoundsSessions(t *testing.T) {
	ctx := context.Background()
	options := threeStreams()
	options.TransactionsMax = 1
	db := openDB(t, filepath.Join(t.TempDir(), "store"), options)
	defer closeDB(t, db)
	first := db.Begin(ctx, 5*time.Second)
	must(t, kv.New(first, "users").PutString(ctx, "a", "1"))
	waiting, cancel := context.WithCancel(ctx)
	cancel()
	if err := kv.New(db.Begin(waiting, time.Second), "users").PutString(ctx, "b", "2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Begin beyond TransactionsMax: %v, want the context's error", err)
	}
	must(t, first.Commit(ctx))
	second := db.Begin(ctx, 5*time.Second)
	must(t, kv.New(second, "users").PutString(ctx, "b", "2"))
	must(t, second.Commit(ctx))
}
