package queue

import (
	"bytes"
	"errors"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/internal/enginetest"
)

// busyEngine returns an engine with committed items, an active dequeuer,
// a prepared enqueuer and a count holder: a state whose checkpoint seeds
// the fuzzers and whose operations meet every kind of lock.
func busyEngine(t testing.TB) *Engine {
	e := NewEngine()
	mustDone(t, e.Apply(txnID(1), encodeEnqueue("a", value.String("one")), timestamp(1)))
	mustDone(t, e.Apply(txnID(1), encodeEnqueue("a", value.List(value.Int(2), value.Null())), timestamp(1)))
	if err := e.Commit(txnID(1), timestamp(2)); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(2), encodeOperation(operationDequeue, "a"), timestamp(3)))
	mustDone(t, e.Apply(txnID(3), encodeEnqueue("b", value.Int(3)), timestamp(3)))
	if err := e.Prepare(txnID(3), timestamp(4)); err != nil {
		t.Fatal(err)
	}
	mustDone(t, e.Apply(txnID(4), encodeOperation(operationSize, "c"), timestamp(5)))
	return e
}

func mustDone(t testing.TB, outcome engines.Outcome) {
	t.Helper()
	if outcome.Status != engines.StatusDone {
		t.Fatalf("want done, got %s", formatOutcome(outcome))
	}
}

// FuzzOperation: arbitrary operation bytes never panic, in Apply or Read;
// what does not decode is refused as invalid.
func FuzzOperation(f *testing.F) {
	f.Add(encodeEnqueue("a", value.Int(1)))
	f.Add(encodeOperation(operationDequeue, "a"))
	f.Add(encodeOperation(operationPeek, "b"))
	f.Add(encodeOperation(operationClear, "c"))
	f.Add([]byte{})
	f.Add([]byte("\xff\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := busyEngine(t)
		_, decodeErr := decodeOperation(data)
		applied := e.Apply(txnID(5), data, timestamp(6))
		read := e.Read(data, timestamp(6))
		if decodeErr == nil {
			return
		}
		for _, outcome := range []engines.Outcome{applied, read} {
			if outcome.Status != engines.StatusFailed || !errors.Is(outcome.Err, engines.ErrInvalid) {
				t.Fatalf("undecodable %x: %s", data, formatOutcome(outcome))
			}
		}
	})
}

// FuzzRestore: arbitrary bytes never panic Restore; whatever restores
// checkpoints back to the same bytes.
func FuzzRestore(f *testing.F) {
	f.Add(busyEngine(f).Checkpoint())
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

func checkRestore(t *testing.T, data []byte) { enginetest.CheckRestore(t, Restore, data) }

// TestRestoreRejectsDamage flips each byte and truncates a checkpoint.
func TestRestoreRejectsDamage(t *testing.T) {
	enginetest.CheckDamageRejected(t, Restore, busyEngine(t).Checkpoint())
}

// TestRestoreKeepsState continues on a restored engine: locks, reserved
// items and prepared state survive.
func TestRestoreKeepsState(t *testing.T) {
	original := busyEngine(t)
	restored, err := Restore(original.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if restored.Held() != original.Held() {
		t.Fatalf("held %+v, want %+v", restored.Held(), original.Held())
	}
	for _, e := range []engines.Engine{original, restored} {
		steps := []string{
			formatOutcome(e.Apply(txnID(5), encodeOperation(operationDequeue, "a"), timestamp(6))),
			formatOutcome(e.Read(encodeOperation(operationSize, "b"), timestamp(6))),
			formatOutcome(e.Apply(txnID(5), encodeEnqueue("c", value.Int(9)), timestamp(6))),
		}
		want := []string{"blocked on [2] until finished", "blocked on [3] until finished", "blocked on [4] until finished"}
		for index := range want {
			if steps[index] != want[index] {
				t.Fatalf("step %d: %s, want %s", index, steps[index], want[index])
			}
		}
	}
}
