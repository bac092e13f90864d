package kv

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
	"github.com/proven2pc/proven/internal/scenariotest"
)

// TestScenarios runs the scenario files in testdata/. Commands (a txn or
// timestamp is an integer: its wall nanoseconds):
//
//	get txn=<n> key=<k>                    get ts=<n> key=<k>          (snapshot read)
//	put txn=<n> key=<k> value=<literal>    put ts=<n> key=<k> value=<literal>
//	delete txn=<n> key=<k>
//	scan (txn=<n>|ts=<n>) [start=<k>] [end=<k>] [prefix=<p>] [limit=<n>] [reverse]
//	prepare txn=<n> ts=<n>    commit txn=<n> ts=<n>    abort txn=<n>
//	apply txn=<n> (hex=<bytes>|value=<literal>)         (raw operation bytes)
//	held    checkpoint-restore
//
// Outcomes print as `done <result>`, `blocked on [2] until finished` or
// `failed <code>: <message>`; a call that breaks the engine contract as
// `invariant broken: <message>`.
func TestScenarios(t *testing.T) {
	scenariotest.Run(t, NewEngine, runScenarioCommand)
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine **Engine) string {
	e := *engine
	if output, ok := enginetest.Command(t, d, e, scenarioTxn); ok {
		return output
	}
	switch d.Cmd {
	case "get", "put", "delete", "scan":
		operation := scenarioOperation(t, d)
		if d.HasArg("txn") {
			return showOutcome(operation.Kind, e.Apply(scenarioTxn(scenariotest.Int(t, d, "txn")), operation.Encode(), clock.Timestamp{}))
		}
		return showOutcome(operation.Kind, e.Read(operation.Encode(), scenariotest.Timestamp(t, d, "ts")))
	case "apply":
		return showOutcome(0, e.Apply(scenarioTxn(scenariotest.Int(t, d, "txn")), scenarioRawOperation(t, d), clock.Timestamp{}))
	case "checkpoint-restore":
		restored, err := enginetest.RoundTrip(e, Restore)
		if err != nil {
			return scenariotest.Error(err)
		}
		*engine = restored.(*Engine)
		return "restored, identical checkpoint"
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

// scenarioTxn is scenario transaction n, on coordinator 0.
func scenarioTxn(n int64) engines.TxnID { return engines.TxnID{WallNanos: n} }

func scenarioOperation(t *testing.T, d *datadriven.TestData) Operation {
	operation := Operation{Key: scenariotest.Optional(d, "key"), Reverse: d.HasArg("reverse")}
	switch d.Cmd {
	case "get":
		operation.Kind = OperationGet
	case "put":
		operation.Kind = OperationPut
		value, err := value.Parse(scenariotest.Optional(d, "value"))
		if err != nil {
			t.Fatalf("%s: value: %v", d.Pos, err)
		}
		operation.Value = value
	case "delete":
		operation.Kind = OperationDelete
	case "scan":
		operation.Kind = OperationScan
		operation.Start, operation.End = scenariotest.Optional(d, "start"), scenariotest.Optional(d, "end")
		operation.EndUnbounded = !d.HasArg("end")
		if d.HasArg("prefix") {
			operation.Kind, operation.Prefix = OperationScanPrefix, scenariotest.Optional(d, "prefix")
		}
		if d.HasArg("limit") {
			d.ScanArgs(t, "limit", &operation.Limit)
		}
	}
	return operation
}

// scenarioRawOperation reads operation bytes given as hex=<bytes> or as
// value=<literal> (the value encoding of the literal).
func scenarioRawOperation(t *testing.T, d *datadriven.TestData) []byte {
	if d.HasArg("value") {
		v, err := value.Parse(scenariotest.Optional(d, "value"))
		if err != nil {
			t.Fatalf("%s: value: %v", d.Pos, err)
		}
		return value.Append(nil, v)
	}
	raw, err := hex.DecodeString(scenariotest.Optional(d, "hex"))
	if err != nil {
		t.Fatalf("%s: hex: %v", d.Pos, err)
	}
	return raw
}

// showOutcome prints an outcome compactly; kind says how to read a Done
// result (0: print the raw value).
func showOutcome(kind OperationKind, outcome engines.Outcome) string {
	return enginetest.Outcome(outcome, func(encoded []byte) string {
		result, err := value.Decode(encoded)
		if err != nil {
			return fmt.Sprintf("done with undecodable result: %v", err)
		}
		return "done" + showResult(kind, result)
	})
}

func showResult(kind OperationKind, result value.Value) string {
	switch kind {
	case OperationGet:
		value, found, err := decodeGetResult(result)
		switch {
		case err != nil:
			return " " + err.Error()
		case !found:
			return " absent"
		}
		return " " + value.String()
	case OperationPut:
		return ""
	case OperationDelete:
		if existed, _ := result.AsBool(); existed {
			return " existed"
		}
		return " absent"
	case OperationScan, OperationScanPrefix:
		pairs, err := decodeScanResult(result)
		if err != nil {
			return " " + err.Error()
		}
		if len(pairs) == 0 {
			return " (none)"
		}
		var out strings.Builder
		for _, pair := range pairs {
			fmt.Fprintf(&out, " %q=%s", pair.Key, pair.Value)
		}
		return out.String()
	}
	return " " + result.String()
}
