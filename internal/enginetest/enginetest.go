package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/scenariotest"
	"pgregory.net/rapid"
)

// TxnID returns test transaction n (smaller is older), on coordinator 1.
func TxnID(n int64) engines.TxnID { return engines.TxnID{WallNanos: n, Node: 1} }

// Timestamp returns test timestamp n: prepare, commit or snapshot.
func Timestamp(n int64) clock.Timestamp { return clock.Timestamp{WallNanos: n} }

// Outcome shows an outcome on one line: done(result) when Done, else
// `blocked on [2 3] until finished` or `failed <code>: <message>`.
func Outcome(outcome engines.Outcome, done func(result []byte) string) string {
	switch outcome.Status {
	case engines.StatusDone:
		return done(outcome.Result)
	case engines.StatusFailed:
		refusal := engines.AsRefusal(outcome.Err)
		return fmt.Sprintf("failed %s: %s", refusal.Code, refusal.Message)
	case engines.StatusBlocked:
		names := make([]string, len(outcome.Blockers))
		for index, blocker := range outcome.Blockers {
			names[index] = fmt.Sprint(blocker.WallNanos)
		}
		return fmt.Sprintf("blocked on [%s] until %v", strings.Join(names, " "), outcome.WaitFor)
	}
	return fmt.Sprintf("outcome with status %v", outcome.Status)
}

// Command runs the scenario commands every engine answers alike, with
// transaction n named txn(n):
//
//	prepare txn=<n> ts=<n>    commit txn=<n> ts=<n>    abort txn=<n>    held
//
// It reports false for any other command.
func Command(t *testing.T, d *datadriven.TestData, engine engines.Engine, txn func(int64) engines.TxnID) (string, bool) {
	switch d.Cmd {
	case "prepare":
		return scenariotest.Error(engine.Prepare(txn(scenariotest.Int(t, d, "txn")), Timestamp(scenariotest.Int(t, d, "ts")))), true
	case "commit":
		return scenariotest.Error(engine.Commit(txn(scenariotest.Int(t, d, "txn")), Timestamp(scenariotest.Int(t, d, "ts")))), true
	case "abort":
		engine.Abort(txn(scenariotest.Int(t, d, "txn")))
		return "ok", true
	case "held":
		held := engine.Held()
		return fmt.Sprintf("transactions=%d locks=%d reservations=%d", held.Transactions, held.Locks, held.Reservations), true
	}
	return "", false
}

// errOtherBytes reports a restored engine that checkpoints to other bytes.
var errOtherBytes = errors.New("restored engine checkpoints to different bytes")

// RoundTrip restores engine's checkpoint and checks that the restored
// engine checkpoints to the same bytes.
func RoundTrip(engine engines.Engine, restore engines.Restorer) (engines.Engine, error) {
	data := engine.Checkpoint()
	restored, err := restore(data)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(restored.Checkpoint(), data) {
		return nil, errOtherBytes
	}
	return restored, nil
}

// Damage returns a copy of data, sometimes damaged as rapid draws: a few
// bytes nudged or replaced by likely tags and lengths, cut short, or
// with bytes appended.
func Damage(t *rapid.T, data []byte) []byte {
	data = bytes.Clone(data)
	switch rapid.IntRange(0, 3).Draw(t, "corruption") {
	case 1:
		for range rapid.IntRange(1, 3).Draw(t, "nudges") {
			index := rapid.IntRange(0, len(data)-1).Draw(t, "index")
			data[index] = rapid.SampledFrom([]byte{data[index] + 1, data[index] - 1, 0, 1, 5, 6, 7, 8, 0x80}).Draw(t, "byte")
		}
	case 2:
		data = data[:rapid.IntRange(0, len(data)-1).Draw(t, "length")]
	case 3:
		data = append(data, rapid.SliceOfN(rapid.Byte(), 1, 3).Draw(t, "suffix")...)
	}
	return data
}

// ValueOutcome shows an outcome whose result is a value encoding (the
// queue and stream engines' answers): `done ["x"]` when Done, else as
// Outcome shows it.
func ValueOutcome(outcome engines.Outcome) string {
	return Outcome(outcome, func(result []byte) string {
		answer, err := value.Decode(result)
		if err != nil {
			return fmt.Sprintf("done with undecodable answer %x", result)
		}
		return "done " + answer.String()
	})
}

// FixedExecutor answers every operation with the same bytes and error:
// for testing how a typed client reads answers and passes errors on.
type FixedExecutor struct {
	Answer []byte
	Err    error
}

// Execute returns the fixed answer and error.
func (x FixedExecutor) Execute(context.Context, string, []byte) ([]byte, error) {
	return x.Answer, x.Err
}

// CheckRestore is the body of a fuzz target for an engine's Restore:
// data either fails with an error matching engines.ErrCorruptCheckpoint,
// or restores to an engine that checkpoints back to the same bytes (for
// non-empty data) and answers Held.
func CheckRestore(t *testing.T, restore engines.Restorer, data []byte) engines.Engine {
	t.Helper()
	restored, err := restore(data)
	if err != nil {
		if !errors.Is(err, engines.ErrCorruptCheckpoint) {
			t.Fatalf("restore error %v does not match ErrCorruptCheckpoint", err)
		}
		return nil
	}
	if len(data) > 0 && !bytes.Equal(restored.Checkpoint(), data) {
		t.Fatalf("restored %x checkpoints to other bytes", data)
	}
	restored.Held()
	return restored
}

// RestoreSame restores engine's checkpoint and fails t unless the
// restored engine checkpoints to the same bytes and holds the same.
func RestoreSame(t interface{ Fatalf(string, ...any) }, engine engines.Engine, restore engines.Restorer) engines.Engine {
	restored, err := RoundTrip(engine, restore)
	if err != nil {
		t.Fatalf("checkpoint and restore: %v", err)
	}
	if restored.Held() != engine.Held() {
		t.Fatalf("restored engine holds %+v, not %+v", restored.Held(), engine.Held())
	}
	return restored
}

// CommandOrRestore is Command, plus `checkpoint-restore`: the engine is
// replaced by its RoundTrip through restore (output "ok", or the error).
func CommandOrRestore(t *testing.T, d *datadriven.TestData, engine *engines.Engine, txn func(int64) engines.TxnID,
	restore engines.Restorer) (string, bool) {
	if d.Cmd != "checkpoint-restore" {
		return Command(t, d, *engine, txn)
	}
	restored, err := RoundTrip(*engine, restore)
	if err != nil {
		return scenariotest.Error(err), true
	}
	*engine = restored
	return "ok", true
}

// CheckDamageRejected flips each byte of a checkpoint, and cuts it short
// at each length, and fails t unless restore refuses every result with an
// error matching engines.ErrCorruptCheckpoint.
func CheckDamageRejected(t *testing.T, restore engines.Restorer, checkpoint []byte) {
	t.Helper()
	for index := range checkpoint {
		damaged := bytes.Clone(checkpoint)
		damaged[index] ^= 0x40
		if _, err := restore(damaged); !errors.Is(err, engines.ErrCorruptCheckpoint) {
			t.Fatalf("byte %d flipped: restore error %v", index, err)
		}
		if _, err := restore(checkpoint[:index]); index > 0 && !errors.Is(err, engines.ErrCorruptCheckpoint) {
			t.Fatalf("truncated to %d bytes: restore error %v", index, err)
		}
	}
}

// OneShotExecutor runs each operation as its own transaction on one
// engine: Apply then a one-phase Commit as transaction TxnID(n), or a
// snapshot Read at Timestamp(n) when ReadOnly, n counting the operations.
// A blocked operation returns an error matching ErrBlocked.
type OneShotExecutor struct {
	Engine   engines.Engine
	Stream   string
	ReadOnly bool
	next     int64
}

// ErrBlocked reports an operation OneShotExecutor found blocked.
var ErrBlocked = errors.New("enginetest: blocked")

// Execute runs operation on the engine when stream is the executor's.
func (x *OneShotExecutor) Execute(_ context.Context, stream string, operation []byte) ([]byte, error) {
	if stream != x.Stream {
		return nil, engines.Refuse(engines.CodeNotFound, "no stream %q", stream)
	}
	x.next++
	var outcome engines.Outcome
	if x.ReadOnly {
		outcome = x.Engine.Read(operation, Timestamp(x.next))
	} else {
		outcome = x.Engine.Apply(TxnID(x.next), operation, Timestamp(x.next))
		if outcome.Status != engines.StatusDone {
			x.Engine.Abort(TxnID(x.next))
		} else if err := x.Engine.Commit(TxnID(x.next), Timestamp(x.next)); err != nil {
			return nil, err
		}
	}
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, nil
	case engines.StatusFailed:
		return nil, outcome.Err
	}
	return nil, fmt.Errorf("%w: %s", ErrBlocked, ValueOutcome(outcome))
}
