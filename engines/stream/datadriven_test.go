package stream

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
//	append txn=<n> values=(<literal>, ...)
//	read-from txn=<n> position=<p> limit=<l>
//	latest-position txn=<n>
//	read ts=<n> op=read-from position=<p> limit=<l>
//	read ts=<n> op=latest-position|append
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
	if output, ok := enginetest.CommandOrRestore(t, d, engine, txnID, Restore); ok {
		return output
	}
	switch d.Cmd {
	case "append", "read-from", "latest-position":
		operationBytes := scenarioOperation(t, d, d.Cmd)
		return formatOutcome(e.Apply(txnID(scenariotest.Int(t, d, "txn")), operationBytes, timestamp(0)))
	case "read":
		operationBytes := scenarioOperation(t, d, scenariotest.String(t, d, "op"))
		return formatOutcome(e.Read(operationBytes, timestamp(scenariotest.Int(t, d, "ts"))))
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

// scenarioOperation encodes the operation named kind from the command's
// arguments.
func scenarioOperation(t *testing.T, d *datadriven.TestData, kind string) []byte {
	switch kind {
	case "append":
		var values []value.Value
		if arg, ok := d.Arg("values"); ok {
			for _, text := range arg.Vals {
				v, err := value.Parse(text)
				if err != nil {
					d.Fatalf(t, "values: %v", err)
				}
				values = append(values, v)
			}
		}
		return encodeAppend(values)
	case "read-from":
		return encodeReadFrom(scenariotest.Int(t, d, "position"), int(scenariotest.Int(t, d, "limit")))
	case "latest-position":
		return encodeLatestPosition()
	}
	d.Fatalf(t, "unknown operation %q", kind)
	return nil
}
