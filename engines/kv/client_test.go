package kv

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// autocommitExecutor drives an engine directly: each operation runs in a
// new transaction that commits at once, at increasing timestamps; a
// refused operation aborts its transaction and returns the refusal.
type autocommitExecutor struct {
	engine    *Engine
	clockWall int64
	streams   []string // the streams asked for, in order
}

func (x *autocommitExecutor) Execute(_ context.Context, stream string, operation []byte) ([]byte, error) {
	x.streams = append(x.streams, stream)
	x.clockWall++
	txn := engines.TxnID{WallNanos: x.clockWall, Node: 9}
	outcome := x.engine.Apply(txn, operation, clock.Timestamp{WallNanos: x.clockWall})
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, x.engine.Commit(txn, clock.Timestamp{WallNanos: x.clockWall})
	case engines.StatusFailed:
		x.engine.Abort(txn)
		return nil, outcome.Err
	}
	x.engine.Abort(txn)
	return nil, engines.ErrAborted
}

// resultExecutor answers every operation with fixed bytes.
type resultExecutor []byte

func (r resultExecutor) Execute(context.Context, string, []byte) ([]byte, error) { return r, nil }

func TestClientRoundTrips(t *testing.T) {
	ctx := context.Background()
	executor := &autocommitExecutor{engine: NewEngine()}
	client := New(executor, "kv-1")
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(client.PutString(ctx, "s", "text"))
	check(client.PutInt(ctx, "i", -7))
	check(client.PutBytes(ctx, "b", []byte{0, 1}))
	check(client.PutMap(ctx, "m", map[string]value.Value{"x": value.Bool(true)}))
	check(client.Put(ctx, "p/1", value.Float(1.5)))
	check(client.Put(ctx, "p/2", value.Null()))

	if text, found, err := client.GetString(ctx, "s"); err != nil || !found || text != "text" {
		t.Fatalf("GetString = %q, %v, %v", text, found, err)
	}
	if number, found, err := client.GetInt(ctx, "i"); err != nil || !found || number != -7 {
		t.Fatalf("GetInt = %d, %v, %v", number, found, err)
	}
	if raw, found, err := client.GetBytes(ctx, "b"); err != nil || !found || string(raw) != "\x00\x01" {
		t.Fatalf("GetBytes = %q, %v, %v", raw, found, err)
	}
	m, found, err := client.GetMap(ctx, "m")
	if err != nil || !found || !m["x"].Equal(value.Bool(true)) || len(m) != 1 {
		t.Fatalf("GetMap = %v, %v, %v", m, found, err)
	}
	if _, found, err := client.GetInt(ctx, "missing"); err != nil || found {
		t.Fatalf("GetInt of a missing key = %v, %v", found, err)
	}

	pairs, err := client.Scan(ctx, ScanOptions{Prefix: "p/", Reverse: true})
	check(err)
	want := []KeyValue{{"p/2", value.Null()}, {"p/1", value.Float(1.5)}}
	if diff := cmp.Diff(want, pairs, cmp.Comparer(value.Value.Equal)); diff != "" {
		t.Fatalf("prefix scan (-want +got):\n%s", diff)
	}
	pairs, err = client.Scan(ctx, ScanOptions{Start: "b", End: "p", Limit: 2})
	check(err)
	if got := keysOf(pairs); !cmp.Equal(got, []string{"b", "i"}) {
		t.Fatalf("range scan keys %v", got)
	}

	existed, err := client.Delete(ctx, "s")
	check(err)
	again, err := client.Delete(ctx, "s")
	check(err)
	if !existed || again {
		t.Fatalf("Delete reported %v then %v, want true then false", existed, again)
	}
	if executor.streams[0] != "kv-1" {
		t.Fatalf("executor saw stream %q", executor.streams[0])
	}
}

func keysOf(pairs []KeyValue) []string {
	keys := make([]string, len(pairs))
	for index, pair := range pairs {
		keys[index] = pair.Key
	}
	return keys
}

// Decimals, timestamps and UUIDs round-trip through the engine exactly,
// a decimal's scale included, and a scan orders keys, not values.
func TestClientNewerKinds(t *testing.T) {
	ctx := context.Background()
	client := New(&autocommitExecutor{engine: NewEngine()}, "kv")
	price, _ := value.ParseDecimal("19.90")
	due, _ := value.ParseTimestamp("2026-12-02T10:00:00.000001Z")
	id, _ := value.ParseUUID("123e4567-e89b-12d3-a456-426614174000")
	for _, err := range []error{client.PutDecimal(ctx, "price", price), client.PutTimestamp(ctx, "due", due), client.PutUUID(ctx, "id", id)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, found, err := client.GetDecimal(ctx, "price"); err != nil || !found || got != price || got.String() != "19.90" {
		t.Fatalf("GetDecimal = %v, %v, %v", got, found, err)
	}
	if got, found, err := client.GetTimestamp(ctx, "due"); err != nil || !found || got != due {
		t.Fatalf("GetTimestamp = %v, %v, %v", got, found, err)
	}
	if got, found, err := client.GetUUID(ctx, "id"); err != nil || !found || got != id {
		t.Fatalf("GetUUID = %v, %v, %v", got, found, err)
	}
	if _, _, err := client.GetDecimal(ctx, "due"); err == nil || err.Error() != `kv: key "due" holds a timestamp, not a decimal` {
		t.Fatalf("GetDecimal of a timestamp: %v", err)
	}
	if _, found, err := client.GetUUID(ctx, "missing"); err != nil || found {
		t.Fatalf("GetUUID of a missing key = %v, %v", found, err)
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	client := New(&autocommitExecutor{engine: NewEngine()}, "kv")
	if err := client.PutString(ctx, "k", "text"); err != nil {
		t.Fatal(err)
	}
	_, _, err := client.GetInt(ctx, "k")
	if !errors.Is(err, ErrWrongKind) || err.Error() != `kv: key "k" holds a string, not an int` {
		t.Fatalf("GetInt of a string: %v", err)
	}
	if _, _, err := client.GetBytes(ctx, "k"); err == nil || err.Error() != `kv: key "k" holds a string, not bytes` {
		t.Fatalf("GetBytes of a string: %v", err)
	}
	if _, err := client.Scan(ctx, ScanOptions{Prefix: "a", Start: "b"}); !errors.Is(err, ErrBadScanOptions) {
		t.Fatalf("prefix with start: %v", err)
	}
	if _, err := client.Scan(ctx, ScanOptions{Limit: -1}); !errors.Is(err, ErrBadScanOptions) {
		t.Fatalf("negative limit: %v", err)
	}
	if err := client.Put(ctx, string(make([]byte, 1<<16+1)), value.Null()); !errors.Is(err, engines.ErrInvalid) {
		t.Fatalf("huge key: %v", err)
	}
	for _, result := range []value.Value{value.Int(1), value.List(value.Int(1), value.Int(2))} {
		bad := New(resultExecutor(value.Append(nil, result)), "kv")
		if _, _, err := bad.Get(ctx, "k"); !errors.Is(err, engines.ErrBadResult) {
			t.Fatalf("get answered %s: %v", result, err)
		}
		if _, err := bad.Scan(ctx, ScanOptions{}); !errors.Is(err, engines.ErrBadResult) {
			t.Fatalf("scan answered %s: %v", result, err)
		}
		if _, err := bad.Delete(ctx, "k"); !errors.Is(err, engines.ErrBadResult) {
			t.Fatalf("delete answered %s: %v", result, err)
		}
	}
	if _, _, err := New(resultExecutor{0xff}, "kv").Get(ctx, "k"); !errors.Is(err, engines.ErrBadResult) {
		t.Fatalf("undecodable result: %v", err)
	}
}

// TestClientInsideTransaction runs the client against an executor bound to
// one open transaction and checks that a conflicting transaction's error
// comes back unchanged.
func TestClientInsideTransaction(t *testing.T) {
	ctx := context.Background()
	e := NewEngine()
	first := New(txnExecutor{engine: e, txn: txnID(1)}, "kv")
	second := New(txnExecutor{engine: e, txn: txnID(2)}, "kv")
	if err := first.PutInt(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := second.GetInt(ctx, "n"); !errors.Is(err, errBlocked) {
		t.Fatalf("conflicting read: %v", err)
	}
	if number, found, err := first.GetInt(ctx, "n"); err != nil || !found || number != 1 {
		t.Fatalf("own write: %d, %v, %v", number, found, err)
	}
}

var errBlocked = errors.New("kv test: blocked")

// txnExecutor runs every operation in one transaction; Blocked becomes
// errBlocked.
type txnExecutor struct {
	engine *Engine
	txn    engines.TxnID
}

func (x txnExecutor) Execute(_ context.Context, _ string, operation []byte) ([]byte, error) {
	outcome := x.engine.Apply(x.txn, operation, clock.Timestamp{})
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, nil
	case engines.StatusFailed:
		return nil, outcome.Err
	}
	return nil, errBlocked
}
