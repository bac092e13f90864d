package queue

import (
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
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
	scenariotest.Run(t, func() engines.Engine { return NewEngine() }, runScenarioCommand)
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine *engines.Engine) string {
	e := *engine
	if output, ok := enginetest.Command(t, d, e, txnID); ok {
		return output
	}
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
	case "checkpoint-restore":
		restored, err := enginetest.RoundTrip(e, Restore)
		if err != nil {
			return scenariotest.Error(err)
		}
		*engine = restored
		return "ok"
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}
