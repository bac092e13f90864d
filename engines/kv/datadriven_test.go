package kv

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
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
// `failed <code>: <message>`.
func TestScenarios(t *testing.T) {
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue // rapid and fuzz keep their own directories here
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			engine := NewEngine()
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runScenarioCommand(t, d, &engine)
			})
		})
	}
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine **Engine) string {
	e := *engine
	switch d.Cmd {
	case "get", "put", "delete", "scan":
		operation := scenarioOperation(t, d)
		if d.HasArg("txn") {
			return showOutcome(operation.Kind, e.Apply(scenarioTimestamp(t, d, "txn"), operation.Encode(), clock.Timestamp{}))
		}
		return showOutcome(operation.Kind, e.Read(operation.Encode(), scenarioTimestamp(t, d, "ts")))
	case "apply":
		return showOutcome(0, e.Apply(scenarioTimestamp(t, d, "txn"), scenarioRawOperation(t, d), clock.Timestamp{}))
	case "prepare":
		return showError(e.Prepare(scenarioTimestamp(t, d, "txn"), scenarioTimestamp(t, d, "ts")))
	case "commit":
		return showError(e.Commit(scenarioTimestamp(t, d, "txn"), scenarioTimestamp(t, d, "ts")))
	case "abort":
		e.Abort(scenarioTimestamp(t, d, "txn"))
		return "ok\n"
	case "held":
		held := e.Held()
		return fmt.Sprintf("transactions=%d locks=%d reservations=%d\n", held.Transactions, held.Locks, held.Reservations)
	case "checkpoint-restore":
		data := e.Checkpoint()
		restored, err := restore(data)
		if err != nil {
			return showError(err)
		}
		*engine = restored
		if string(restored.Checkpoint()) != string(data) {
			return "restored engine checkpoints to different bytes\n"
		}
		return "restored, identical checkpoint\n"
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

func scenarioOperation(t *testing.T, d *datadriven.TestData) Operation {
	operation := Operation{Key: scenarioString(d, "key"), Reverse: d.HasArg("reverse")}
	switch d.Cmd {
	case "get":
		operation.Kind = OperationGet
	case "put":
		operation.Kind = OperationPut
		value, err := value.Parse(scenarioString(d, "value"))
		if err != nil {
			t.Fatalf("%s: value: %v", d.Pos, err)
		}
		operation.Value = value
	case "delete":
		operation.Kind = OperationDelete
	case "scan":
		operation.Kind = OperationScan
		operation.Start, operation.End = scenarioString(d, "start"), scenarioString(d, "end")
		operation.EndUnbounded = !d.HasArg("end")
		if d.HasArg("prefix") {
			operation.Kind, operation.Prefix = OperationScanPrefix, scenarioString(d, "prefix")
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
		v, err := value.Parse(scenarioString(d, "value"))
		if err != nil {
			t.Fatalf("%s: value: %v", d.Pos, err)
		}
		return value.Append(nil, v)
	}
	raw, err := hex.DecodeString(scenarioString(d, "hex"))
	if err != nil {
		t.Fatalf("%s: hex: %v", d.Pos, err)
	}
	return raw
}

func scenarioString(d *datadriven.TestData, key string) string {
	arg, ok := d.Arg(key)
	if !ok || len(arg.Vals) == 0 {
		return ""
	}
	return arg.Vals[0]
}

func scenarioTimestamp(t *testing.T, d *datadriven.TestData, key string) clock.Timestamp {
	var wall int64
	d.ScanArgs(t, key, &wall)
	return clock.Timestamp{WallNanos: wall}
}

// showOutcome prints an outcome compactly; kind says how to read a Done
// result (0: print the raw value).
func showOutcome(kind OperationKind, outcome engines.Outcome) string {
	switch outcome.Status {
	case engines.StatusBlocked:
		names := make([]string, len(outcome.Blockers))
		for index, blocker := range outcome.Blockers {
			names[index] = strconv.FormatInt(blocker.WallNanos, 10)
		}
		return fmt.Sprintf("blocked on [%s] until %s\n", strings.Join(names, " "), outcome.WaitFor)
	case engines.StatusFailed:
		refusal := engines.AsRefusal(outcome.Err)
		return fmt.Sprintf("failed %s: %s\n", refusal.Code, refusal.Message)
	}
	result, err := value.Decode(outcome.Result)
	if err != nil {
		return fmt.Sprintf("done with undecodable result: %v\n", err)
	}
	return "done" + showResult(kind, result) + "\n"
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

func showError(err error) string {
	if err == nil {
		return "ok\n"
	}
	return fmt.Sprintf("error: %v\n", err)
}
