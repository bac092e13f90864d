package queue

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
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
// value.Parse reads them.
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
			var engine engines.Engine = NewEngine()
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runScenarioCommand(t, d, &engine) + "\n"
			})
		})
	}
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, engine *engines.Engine) string {
	e := *engine
	if kind, err := operationKindNamed(value.String(d.Cmd)); err == nil {
		op := operation{kind: kind, queue: scenarioString(t, d, "queue")}
		if kind == operationEnqueue {
			v, err := value.Parse(scenarioString(t, d, "value"))
			if err != nil {
				d.Fatalf(t, "value: %v", err)
			}
			op.item = value.Append(nil, v)
		}
		return formatOutcome(e.Apply(txnID(scenarioInt(t, d, "txn")), operationBytes(op), timestamp(0)))
	}
	switch d.Cmd {
	case "read":
		kind, err := operationKindNamed(value.String(scenarioString(t, d, "op")))
		if err != nil {
			d.Fatalf(t, "op: %v", err)
		}
		op := operation{kind: kind, queue: scenarioString(t, d, "queue")}
		return formatOutcome(e.Read(operationBytes(op), timestamp(scenarioInt(t, d, "ts"))))
	case "prepare":
		return formatError(e.Prepare(txnID(scenarioInt(t, d, "txn")), timestamp(scenarioInt(t, d, "ts"))))
	case "commit":
		return formatError(e.Commit(txnID(scenarioInt(t, d, "txn")), timestamp(scenarioInt(t, d, "ts"))))
	case "abort":
		e.Abort(txnID(scenarioInt(t, d, "txn")))
		return "ok"
	case "held":
		held := e.Held()
		return fmt.Sprintf("transactions=%d locks=%d reservations=%d", held.Transactions, held.Locks, held.Reservations)
	case "checkpoint-restore":
		data := e.Checkpoint()
		restored, err := Restore(data)
		if err != nil {
			return formatError(err)
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

func formatError(err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

func scenarioString(t *testing.T, d *datadriven.TestData, key string) string {
	var value string
	d.ScanArgs(t, key, &value)
	return value
}

func scenarioInt(t *testing.T, d *datadriven.TestData, key string) int64 {
	number, err := strconv.ParseInt(scenarioString(t, d, key), 10, 64)
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return number
}
