package resource

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// txnID and timestamp turn small test numbers into ids and timestamps.
func txnID(n int64) engines.TxnID       { return engines.TxnID{WallNanos: n, Node: 1} }
func timestamp(n int64) clock.Timestamp { return clock.Timestamp{WallNanos: n} }

// showOutcome prints an outcome compactly: done "12.5", failed insufficient:
// ..., blocked on [2] until finished.
func showOutcome(o engines.Outcome) string {
	switch o.Status {
	case engines.StatusDone:
		value, err := value.Decode(o.Result)
		if err != nil {
			return fmt.Sprintf("done with undecodable result %x", o.Result)
		}
		if value.IsNull() {
			return "done"
		}
		return "done " + value.String()
	case engines.StatusFailed:
		refusal := engines.AsRefusal(o.Err)
		return fmt.Sprintf("failed %s: %s", refusal.Code, refusal.Message)
	case engines.StatusBlocked:
		names := make([]string, len(o.Blockers))
		for i, txn := range o.Blockers {
			names[i] = fmt.Sprint(txn.WallNanos)
		}
		return fmt.Sprintf("blocked on [%s] until %s", strings.Join(names, " "), o.WaitFor)
	}
	return fmt.Sprintf("outcome with status %v", o.Status)
}

// checkInvariants restores the engine's checkpoint, which validates supply
// = sum of balances, no negative balance, reservations within balances and
// the per-transaction conservation of deltas, and checks the restored
// engine checkpoints to the same bytes.
func checkInvariants(e *Engine) (*Engine, error) {
	data := e.Checkpoint()
	restored, err := Restore(data)
	if err != nil {
		return nil, err
	}
	again := restored.(*Engine).Checkpoint()
	if !slices.Equal(data, again) {
		return nil, fmt.Errorf("restored engine checkpoints to different bytes")
	}
	return restored.(*Engine), nil
}

// autoCommitExecutor runs each operation as its own transaction on one
// engine: apply, then commit (or abort when not done). It is the test
// double the typed client runs against.
type autoCommitExecutor struct {
	engine *Engine
	clock  int64
}

func (x *autoCommitExecutor) Execute(_ context.Context, _ string, operation []byte) ([]byte, error) {
	x.clock++
	txn := txnID(x.clock)
	outcome := x.engine.Apply(txn, operation, timestamp(x.clock))
	if outcome.Status != engines.StatusDone {
		x.engine.Abort(txn)
		if outcome.Status == engines.StatusBlocked {
			return nil, engines.Refuse(engines.CodeAborted, "resource test: blocked on %v", outcome.Blockers)
		}
		return nil, outcome.Err
	}
	if err := x.engine.Commit(txn, timestamp(x.clock)); err != nil {
		return nil, err
	}
	return outcome.Result, nil
}
