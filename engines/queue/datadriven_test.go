package queue

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/scenariotest"
)

// TestScenarios runs the scenario files in testdata/. Commands:
//
//	enqueue txn=<n> queue=<q> value=<literal>
//	dequeue|peek|size|is-empty|clear txn=<n> queue=<q>
//	read ts=<n> op=peek|size|is-empty queue=<q>
//	prepare txn=<n> ts=<n>      commit txn=<n> ts=<n>      abort txn=<n>
//	held                        checkpoint-restore
//
// Transaction <n> is older than transaction <n+1>. Values are written as
// value.Parse reads them. A call that breaks the engine contract prints
// `invariant broken: <message>`.
func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func() scenariotest.Handler {
		var engine engines.Engine = NewEngine()
		return func(t *testing.T, d *datadriven.TestData) string {
			return scenariotest.Violation(func() string { return runScenarioCommand(t, d, &engine) })
		}
	})
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine *engines.Engine) string {
	e := *engine
	if kind, err := operationKindNamed(value.String(d.Cmd)); err == nil {
		op := operation{kind: kind, queue: scenariotest.String(t, d, "queue")}
		if kind == operationEnqueue {
			v, err := value.Parse(scenariotest.String(t, d, "value"))
			if err != nil {
				d.Fatalf(t, "value: %v", err)
			}
			op.item = value.Append(nil, v)
		}
		return formatOutcome(e.Apply(txnID(scenariotest.Int(t, d, "txn")), operationBytes(op), timestamp(0)))
	}
	switch d.Cmd {
	case "read":
		kind, err := operationKindNamed(value.String(scenariotest.String(t, d, "op")))
		if err != nil {
			d.Fatalf(t, "op: %v", err)
		}
		op := operation{kind: kind, queue: scenariotest.String(t, d, "queue")}
		return formatOutcome(e.Read(operationBytes(op), timestamp(scenariotest.Int(t, d, "ts"))))
	case "prepare":
		return scenariotest.Error(e.Prepare(txnID(scenariotest.Int(t, d, "txn")), timestamp(scenariotest.Int(t, d, "ts"))))
	case "commit":
		return scenariotest.Error(e.Commit(txnID(scenariotest.Int(t, d, "txn")), timestamp(scenariotest.Int(t, d, "ts"))))
	case "abort":
		e.Abort(txnID(scenariotest.Int(t, d, "txn")))
		return "ok"
	case "held":
		held := e.Held()
		return fmt.Sprintf("transactions=%d locks=%d reservations=%d", held.Transactions, held.Locks, held.Reservations)
	case "checkpoint-restore":
		data := e.Checkpoint()
		restored, err := Restore(data)
		if err != nil {
			return scenariotest.Error(err)
		}
		if string(restored.Checkpoint()) != string(data) {
			return "restored engine checkpoints to different bytes"
		}
		*engine = restored
		return "ok"
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}
