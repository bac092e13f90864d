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
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
)

// waitMax bounds every wait for the runtime's goroutines: reaching it
// fails the test (it is never a timing assertion).
const waitMax = 30 * time.Second

// nowhere is an address no session has: replies to it are dropped.
const nowhere = sessionSpace | indexMask

func smallSegments() Options {
	return Options{Streams: []catalog.StreamSpec{catalog.KV("r"), catalog.KV("s")}, Logger: quiet,
		CheckpointEvery: 32, SegmentBytesMax: 2 << 10}
}

// fill commits ad-hoc puts on stream until its janitor finished rounds
// more rounds than it had, so that checkpoints were written and removal
// was tried.
func fill(t *testing.T, db *DB, stream string, rounds int64) {
	t.Helper()
	ctx := context.Background()
	index := db.byName(stream).index
	target := db.janitor.rounds[index].Load() + rounds
	deadline := time.Now().Add(waitMax)
	for i := 0; db.janitor.rounds[index].Load() < target; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: %d janitor rounds within %v, want %d", stream, db.janitor.rounds[index].Load(), waitMax, target)
		}
		must(t, kv.New(db.AdHoc(), stream).PutInt(ctx, fmt.Sprintf("k%d", i%50), int64(i)))
	}
}

// appendRaw appends an entry to a stream as a coordinator that never
// listens would (replies are dropped).
func appendRaw(db *DB, stream string, sequence uint64, entry wire.Entry) {
	entry.Request = wire.RequestID{Origin: 1<<62 + 1, Sequence: sequence}
	entry.ReplyTo = nowhere
	db.router.send(nowhere, logAddress, wire.MsgAppend{Request: entry.Request, ReplyTo: nowhere, Stream: stream,
		Payload: entry.Encode(), Unacknowledged: true})
}

// TestRemovalKeepsWhatATerminationNeeds: a transaction prepared on r
// records s's start position 5, and s never heard of it (its coordinator
// died): r's termination would read s from 5 after the deadline. While it
// is prepared, s's log is never removed below 5, however many checkpoints
// and rounds s runs. (r gets no traffic meanwhile: its later commits
// would wait behind the prepared transaction, as commits apply in
// timestamp order.) Once it is aborted, removal on s passes 5, while r
// keeps its log from the transaction's start: r remembers it until its
// deadline, and a peer may still read r for it. The store reopens with
// every value.
func TestRemovalKeepsWhatATerminationNeeds(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	db := openDB(t, dir, smallSegments())
	for i := range 10 {
		must(t, kv.New(db.AdHoc(), "s").PutInt(ctx, "warm", int64(i)))
	}
	txn := clock.Timestamp{WallNanos: time.Now().UnixNano(), Node: 77}
	deadline := txn.WallNanos + int64(10*time.Minute)
	put := kv.Operation{Kind: kv.OperationPut, Key: "x", Value: value.Int(1)}
	appendRaw(db, "r", 1, wire.Entry{Kind: wire.EntryOperation, Txn: txn, Sequence: 1, DeadlineNanos: deadline,
		Operation: put.Encode()})
	appendRaw(db, "r", 2, wire.Entry{Kind: wire.EntryPrepare, Txn: txn, DeadlineNanos: deadline,
		Participants: []wire.Participant{{Stream: "r", StartPosition: 1}, {Stream: "s", StartPosition: 5}}})
	fill(t, db, "s", 3)
	if first := db.janitor.removed[db.byName("s").index].Load(); first > 5 {
		t.Fatalf("s was removed below %d while r's prepared transaction needs it from 5", first)
	}
	if first := db.janitor.forgotten[db.byName("s").index].Load(); first > 5 {
		t.Fatalf("s was dropped from memory below %d while r's prepared transaction needs it from 5", first)
	}
	appendRaw(db, "r", 3, wire.Entry{Kind: wire.EntryAbort, Txn: txn, DeadlineNanos: deadline})
	fill(t, db, "s", 2)
	fill(t, db, "r", 2)
	if first := db.janitor.removed[db.byName("s").index].Load(); first <= 5 {
		t.Fatalf("s: nothing removed once the transaction was aborted (first retained %d)", first)
	}
	// Memory keeps no more than the disk (usually less: the entries s
	// applied since its older checkpoint are gone from memory, unless an
	// in-flight or aborted ad-hoc transaction pins them).
	if forgotten, removed := db.janitor.forgotten[db.byName("s").index].Load(),
		db.janitor.removed[db.byName("s").index].Load(); forgotten < removed {
		t.Fatalf("s: memory kept from %d, below the disk's first position %d", forgotten, removed)
	}
	// The transaction's start on r is its operation's position: 1, or
	// later when log ticks came first. Removal keeps every entry from it
	// (in memory, exactly from it; on disk, from its segment).
	var start uint64
	db.byName("r").processor.query(func(p *processor.Processor) { start = p.LogPins().Own })
	if first := db.janitor.removed[db.byName("r").index].Load(); start == 0 || first > start {
		t.Fatalf("r was removed below %d while it still remembers the aborted transaction that starts at %d", first, start)
	}
	if first := db.janitor.forgotten[db.byName("r").index].Load(); first > start {
		t.Fatalf("r was dropped from memory below %d while it still remembers the aborted transaction that starts at %d",
			first, start)
	}
	closeDB(t, db)
	db = openDB(t, dir, smallSegments())
	defer closeDB(t, db)
	if v, found, err := kv.New(db.BeginReadOnly(ctx), "s").GetInt(ctx, "warm"); err != nil || !found || v != 9 {
		t.Fatalf("after removal and reopen, warm = %d %t %v", v, found, err)
	}
}
