package kv

import (
	"bytes"
	"errors"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
)

// busyEngine returns an engine with committed data, an active and a
// prepared transaction, and every kind of lock.
func busyEngine(t testing.TB) *Engine {
	t.Helper()
	e := NewEngine()
	mustDone(t, e.Apply(txnID(1), Operation{Kind: OperationPut, Key: "a", Value: value.Int(1)}.Encode(), clock.Timestamp{}))
	if err := e.Commit(txnID(1), clock.Timestamp{WallNanos: 10}); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(2), Operation{Kind: OperationGet, Key: "a"}.Encode(), clock.Timestamp{}))
	mustDone(t, e.Apply(txnID(2), Operation{Kind: OperationScanPrefix, Prefix: "p"}.Encode(), clock.Timestamp{}))
	mustDone(t, e.Apply(txnID(3), Operation{Kind: OperationPut, Key: "b", Value: value.String("x")}.Encode(), clock.Timestamp{}))
	mustDone(t, e.Apply(txnID(3), Operation{Kind: OperationScan, Start: "c", EndUnbounded: true}.Encode(), clock.Timestamp{}))
	if err := e.Prepare(txnID(3), clock.Timestamp{WallNanos: 20}); err != nil {
		t.Fatal(err)
	}
	return e
}

func txnID(n int64) engines.TxnID { return engines.TxnID{WallNanos: n, Node: 1} }

func mustDone(t testing.TB, outcome engines.Outcome) {
	t.Helper()
	if outcome.Status != engines.StatusDone {
		t.Fatalf("outcome %v %v %v, want done", outcome.Status, outcome.Blockers, outcome.Err)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	e := busyEngine(t)
	data := e.Checkpoint()
	restored, err := Restore(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := restored.Checkpoint(); !bytes.Equal(got, data) {
		t.Fatal("restored engine checkpoints to different bytes")
	}
	if got, want := restored.Held(), e.Held(); got != want {
		t.Fatalf("held %+v after restore, want %+v", got, want)
	}
	if empty, err := Restore(nil); err != nil || !empty.Held().IsZero() {
		t.Fatalf("Restore(nil) = %v, %v; want a new engine", empty, err)
	}
}

// TestFrozenCheckpoint freezes a busy engine, changes it (a commit, a
// new transaction with locks, an abort), then writes the frozen
// checkpoint: Checkpoint's bytes at the freeze.
func TestFrozenCheckpoint(t *testing.T) {
	e := busyEngine(t)
	frozen, want := e.FreezeCheckpoint(), e.Checkpoint()
	if err := e.Commit(txnID(3), clock.Timestamp{WallNanos: 30}); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(4), Operation{Kind: OperationPut, Key: "c", Value: value.Int(4)}.Encode(), clock.Timestamp{}))
	e.Abort(txnID(2))
	if bytes.Equal(e.Checkpoint(), want) {
		t.Fatal("the engine did not change after the freeze: the test shows nothing")
	}
	for range 2 {
		var out bytes.Buffer
		if n, err := frozen.WriteTo(&out); err != nil || n != int64(len(want)) || frozen.Len() != len(want) || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("frozen checkpoint: %d bytes (Len %d, %v); Checkpoint gave %d then", n, frozen.Len(), err, len(want))
		}
	}
}

// TestRestoreRejectsCorruption flips, truncates and extends a checkpoint,
// and forges well-checksummed ones that break the engine's invariants.
func TestRestoreRejectsCorruption(t *testing.T) {
	data := busyEngine(t).Checkpoint()
	for index := range data {
		flipped := bytes.Clone(data)
		flipped[index] ^= 0x01
		if restored, err := Restore(flipped); !errors.Is(err, engines.ErrCorruptCheckpoint) || restored != nil {
			t.Fatalf("flipped byte %d: %v, %v", index, restored, err)
		}
	}
	for length := 1; length < len(data); length++ {
		if _, err := Restore(data[:length]); !errors.Is(err, engines.ErrCorruptCheckpoint) {
			t.Fatalf("truncated to %d bytes: err %v", length, err)
		}
	}
	for _, test := range []struct {
		name  string
		build func() *Engine
	}{
		{"conflicting exclusive locks", func() *Engine {
			e := busyEngine(t)
			e.transactions.Lookup(txnID(2)).exclusiveKeys = keySet{}
			e.transactions.Lookup(txnID(2)).exclusiveKeys.add("b")
			return e
		}},
		{"shared lock under another's exclusive lock", func() *Engine {
			e := busyEngine(t)
			e.transactions.Lookup(txnID(2)).sharedKeys.add("b")
			return e
		}},
		{"range over another's exclusive lock", func() *Engine {
			e := busyEngine(t)
			e.transactions.Lookup(txnID(2)).ranges[keySpan{start: "a", end: "c"}] = struct{}{}
			return e
		}},
		{"the store holds intents of a transaction that is not live", func() *Engine {
			e := busyEngine(t)
			if err := e.store.Put(txnID(9), []byte("z"), value.Append(nil, value.Int(9))); err != nil {
				t.Fatal(err)
			}
			return e
		}},
		{"empty range", func() *Engine {
			e := busyEngine(t)
			e.transactions.Lookup(txnID(2)).ranges[keySpan{start: "x", end: "x"}] = struct{}{}
			return e
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			forged := test.build().Checkpoint()
			if _, err := Restore(forged); !errors.Is(err, engines.ErrCorruptCheckpoint) {
				t.Fatalf("err %v, want ErrCorruptCheckpoint", err)
			}
		})
	}
	withTrailer := binenc.Seal(append(bytes.Clone(data[:len(data)-4]), 0))
	if _, err := Restore(withTrailer); !errors.Is(err, engines.ErrCorruptCheckpoint) {
		t.Fatalf("trailing byte: err %v", err)
	}
}

// FuzzRestore: arbitrary bytes never panic Restore, and whatever restores
// checkpoints back to the same bytes.
func FuzzRestore(f *testing.F) {
	f.Add([]byte{})
	f.Add(NewEngine().Checkpoint())
	f.Add(busyEngine(f).Checkpoint())
	f.Fuzz(func(t *testing.T, data []byte) {
		restored, err := Restore(data)
		if err != nil || len(data) == 0 {
			return
		}
		if again := restored.Checkpoint(); !bytes.Equal(again, data) {
			t.Fatalf("restored checkpoint differs")
		}
	})
}

// FuzzOperation: arbitrary operation bytes never panic the decoder, Apply
// or Read, and whatever decodes re-encodes to the same bytes.
func FuzzOperation(f *testing.F) {
	f.Add([]byte{0xff})
	for _, operation := range []Operation{
		{Kind: OperationGet, Key: "a"},
		{Kind: OperationPut, Key: "a", Value: value.List(value.Int(1))},
		{Kind: OperationDelete, Key: "a"},
		{Kind: OperationScan, Start: "a", End: "c", Limit: 2, Reverse: true},
		{Kind: OperationScan, EndUnbounded: true},
		{Kind: OperationScanPrefix, Prefix: "\xff"},
	} {
		f.Add(operation.Encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if operation, err := DecodeOperation(data); err == nil && !bytes.Equal(operation.Encode(), data) {
			t.Fatalf("%s re-encodes differently", operation)
		}
		e := NewEngine()
		e.Apply(txnID(1), data, clock.Timestamp{})
		e.Read(data, clock.Timestamp{WallNanos: 5})
		e.Abort(txnID(1))
		if !e.Held().IsZero() {
			t.Fatalf("held %+v after abort", e.Held())
		}
	})
}
