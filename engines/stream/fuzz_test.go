package stream

import (
	"bytes"
	"errors"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/internal/enginetest"
)

// busyEngine returns an engine with committed items, a prepared appender,
// an active appender and an active reader of the committed prefix: a
// state whose checkpoint seeds the fuzzers.
func busyEngine(t testing.TB) *Engine {
	e := NewEngine()
	mustDone(t, e.Apply(txnID(1), encodeAppend([]value.Value{value.String("one"), value.List(value.Int(2), value.Null())}), timestamp(1)))
	if err := e.Commit(txnID(1), timestamp(2)); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(2), encodeAppend([]value.Value{value.Int(3)}), timestamp(3)))
	if err := e.Prepare(txnID(2), timestamp(4)); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(3), encodeAppend([]value.Value{value.Bytes([]byte{0})}), timestamp(5)))
	mustDone(t, e.Apply(txnID(4), encodeReadFrom(1, 2), timestamp(5)))
	return e
}

// tailEngine returns an engine with committed items and a transaction
// that holds the tail lock and has appended.
func tailEngine(t testing.TB) *Engine {
	e := NewEngine()
	mustDone(t, e.Apply(txnID(1), encodeAppend([]value.Value{value.Int(1)}), timestamp(1)))
	if err := e.Commit(txnID(1), timestamp(2)); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(2), encodeLatestPosition(), timestamp(3)))
	mustDone(t, e.Apply(txnID(2), encodeAppend([]value.Value{value.Int(2)}), timestamp(3)))
	return e
}

func mustDone(t testing.TB, outcome engines.Outcome) {
	t.Helper()
	if outcome.Status != engines.StatusDone {
		t.Fatalf("want done, got %s", formatOutcome(outcome))
	}
}

// FuzzOperation: arbitrary operation bytes never panic, in Apply or Read;
// what does not decode is refused as invalid and changes no holding.
func FuzzOperation(f *testing.F) {
	f.Add(encodeAppend([]value.Value{value.Int(1), value.String("x")}))
	f.Add(encodeReadFrom(1, 3))
	f.Add(encodeReadFrom(2, 1024))
	f.Add(encodeLatestPosition())
	f.Add([]byte{})
	f.Add([]byte("\xff\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range []*Engine{busyEngine(t), tailEngine(t)} {
			before := e.Held()
			_, decodeErr := decodeOperation(data)
			read := e.Read(data, timestamp(6))
			applied := e.Apply(txnID(5), data, timestamp(6))
			if decodeErr == nil {
				continue
			}
			for _, outcome := range []engines.Outcome{applied, read} {
				if outcome.Status != engines.StatusFailed || !errors.Is(outcome.Err, engines.ErrInvalid) {
					t.Fatalf("undecodable %x: %s", data, formatOutcome(outcome))
				}
			}
			if after := e.Held(); after.Locks != before.Locks || after.Reservations != before.Reservations {
				t.Fatalf("undecodable %x changed holdings %+v to %+v", data, before, after)
			}
		}
	})
}

// FuzzRestore: arbitrary bytes never panic Restore; whatever restores
// checkpoints back to the same bytes.
func FuzzRestore(f *testing.F) {
	f.Add(busyEngine(f).Checkpoint())
	f.Add(tailEngine(f).Checkpoint())
	f.Add(NewEngine().Checkpoint())
	f.Add([]byte{1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRestore(t, data)
		// Past the checksum: the same bytes with a correct checksum reach
		// the structural checks.
		if len(data) >= 4 {
			body := data[:len(data)-4]
			checkRestore(t, binenc.Seal(bytes.Clone(body)))
		}
	})
}

func checkRestore(t *testing.T, data []byte) {
	if restored := enginetest.CheckRestore(t, Restore, data); restored != nil {
		restored.Read(encodeReadFrom(1, ReadLimitMax), timestamp(1<<40))
		restored.Read(encodeLatestPosition(), timestamp(1<<40))
	}
}

// TestRestoreRejectsDamage flips each byte and truncates checkpoints.
func TestRestoreRejectsDamage(t *testing.T) {
	enginetest.CheckDamageRejected(t, Restore, busyEngine(t).Checkpoint())
	enginetest.CheckDamageRejected(t, Restore, tailEngine(t).Checkpoint())
}

// TestRestoreKeepsState continues on a restored engine: claims, uncommitted
// appends, prepared state and committed items survive.
func TestRestoreKeepsState(t *testing.T) {
	cases := []struct {
		build func(testing.TB) *Engine
		want  []string
	}{
		{busyEngine, []string{"blocked on [2 3] until finished", "blocked on [2] until finished", `done ["one"]`, "done null"}},
		{tailEngine, []string{"blocked on [2] until finished", "done 1", "done [1]", "blocked on [2] until finished"}},
	}
	for _, c := range cases {
		original := c.build(t)
		restored, err := Restore(original.Checkpoint())
		if err != nil {
			t.Fatal(err)
		}
		if restored.Held() != original.Held() {
			t.Fatalf("held %+v, want %+v", restored.Held(), original.Held())
		}
		for _, e := range []engines.Engine{original, restored} {
			steps := []string{
				formatOutcome(e.Apply(txnID(5), encodeLatestPosition(), timestamp(6))),
				formatOutcome(e.Read(encodeLatestPosition(), timestamp(6))),
				formatOutcome(e.Read(encodeReadFrom(1, 1), timestamp(6))),
				formatOutcome(e.Apply(txnID(5), encodeAppend([]value.Value{value.Int(9)}), timestamp(6))),
			}
			for index := range c.want {
				if steps[index] != c.want[index] {
					t.Fatalf("step %d: %s, want %s", index, steps[index], c.want[index])
				}
			}
		}
	}
}
