package resource

import (
	"context"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
)

// txnID and timestamp turn small test numbers into ids and timestamps.
var txnID, timestamp = enginetest.TxnID, enginetest.Timestamp

// showOutcome prints an outcome compactly: done "12.5", failed insufficient:
// ..., blocked on [2] until finished.
func showOutcome(o engines.Outcome) string {
	return enginetest.Outcome(o, func(result []byte) string {
		value, err := value.Decode(result)
		if err != nil {
			return fmt.Sprintf("done with undecodable result %x", result)
		}
		if value.IsNull() {
			return "done"
		}
		return "done " + value.String()
	})
}

// checkInvariants restores the engine's checkpoint, which validates supply
// = sum of balances, no negative balance, reservations within balances and
// the per-transaction conservation of deltas, and checks the restored
// engine checkpoints to the same bytes.
func checkInvariants(e *Engine) (*Engine, error) {
	restored, err := enginetest.RoundTrip(e, Restore)
	if err != nil {
		return nil, err
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
