package resource

import (
	"strconv"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/enginetest"
	"github.com/proven2pc/proven/internal/scenariotest"
)

// TestScenarios runs the scenario files in testdata/. Commands:
//
//	create txn=<n> token=<t> symbol=<s> decimals=<d>
//	mint txn=<n> token=<t> to=<a> amount=<x>
//	burn txn=<n> token=<t> from=<a> amount=<x>
//	transfer txn=<n> token=<t> from=<a> to=<b> amount=<x>
//	balance (txn=<n> | ts=<n>) token=<t> account=<a>
//	supply (txn=<n> | ts=<n>) token=<t>
//	metadata (txn=<n> | ts=<n>) token=<t>
//	prepare txn=<n> ts=<n>     commit txn=<n> ts=<n>     abort txn=<n>
//	held                       restart (checkpoint, then restore)
//
// A read with ts= is a snapshot read; with txn= it runs in that
// read-write transaction. A call that breaks the engine contract prints
// `invariant broken: <message>`.
func TestScenarios(t *testing.T) {
	scenariotest.Run(t, NewEngine, runScenarioCommand)
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine **Engine) string {
	e := *engine
	if output, ok := enginetest.Command(t, d, e, txnID); ok {
		return output
	}
	switch d.Cmd {
	case "create":
		decimals, err := strconv.Atoi(scenariotest.String(t, d, "decimals"))
		if err != nil {
			d.Fatalf(t, "decimals: %v", err)
		}
		op := operation{kind: operationCreate, token: scenariotest.String(t, d, "token"), symbol: scenariotest.String(t, d, "symbol"), decimals: decimals}
		return showOutcome(e.Apply(txnArgument(t, d), op.encode(), clock.Timestamp{}))
	case "mint", "burn", "transfer", "balance", "supply", "metadata":
		return runOperation(t, d, e)
	case "restart":
		restored, err := checkInvariants(e)
		if err != nil {
			return scenariotest.Error(err)
		}
		*engine = restored
		return "ok"
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func runOperation(t *testing.T, d *datadriven.TestData, e *Engine) string {
	op := operation{kind: operationKindNamed(d.Cmd), token: scenariotest.String(t, d, "token")}
	for _, field := range []struct {
		name   string
		target *string
	}{{"to", &op.to}, {"from", &op.from}, {"account", &op.account}, {"amount", &op.amount}} {
		if d.HasArg(field.name) {
			*field.target = scenariotest.String(t, d, field.name)
		}
	}
	if d.HasArg("ts") {
		return showOutcome(e.Read(op.encode(), timestampArgument(t, d, "ts")))
	}
	return showOutcome(e.Apply(txnArgument(t, d), op.encode(), clock.Timestamp{}))
}

func txnArgument(t *testing.T, d *datadriven.TestData) engines.TxnID {
	return txnID(scenariotest.Int(t, d, "txn"))
}

func timestampArgument(t *testing.T, d *datadriven.TestData, key string) clock.Timestamp {
	return timestamp(scenariotest.Int(t, d, key))
}
