package workloads

import (
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// recordedOperation is one operation of a hand-built stream history.
type recordedOperation struct {
	function        string
	eventType       checkers.EventType
	micros          []value.Value
	commitTimestamp string
}

func appendMicro(table string, v int64) value.Value {
	return value.List(value.String(microAppend), value.String(table), value.Int(v))
}

func latestMicro(table string, latest int64) value.Value {
	return value.List(value.String(microLatest), value.String(table), value.Int(latest))
}

func ints(numbers ...int64) value.Value {
	values := make([]value.Value, len(numbers))
	for index, number := range numbers {
		values[index] = value.Int(number)
	}
	return value.List(values...)
}

func readMicro(table string, position, limit int64, items ...int64) value.Value {
	return value.List(value.String(microReadFrom), value.String(table), value.Int(position), value.Int(limit), ints(items...))
}

func logMicro(table string, latest int64, items ...int64) value.Value {
	return value.List(value.String(microLog), value.String(table), value.Int(latest), ints(items...))
}

func snapshotMicro(timestamp string) value.Value {
	return value.List(value.String(microSnapshot), value.String(timestamp))
}

// goodStreamHistory: A appends 1 and 2 (commit 10); B reads the latest
// position (2), appends 3 and reads positions 2.. (commit 20); C's append
// of 4 fails; D reads at snapshot 15; the final log is [1 2 3].
func goodStreamHistory() []recordedOperation {
	return []recordedOperation{
		{functionStreamTxn, checkers.TypeOK, []value.Value{appendMicro("t", 1), appendMicro("t", 2)}, "10.0@1"},
		{functionStreamTxn, checkers.TypeOK, []value.Value{latestMicro("t", 2), appendMicro("t", 3), readMicro("t", 2, 5, 2, 3)}, "20.0@1"},
		{functionStreamTxn, checkers.TypeFail, []value.Value{appendMicro("t", 4)}, ""},
		{functionStreamRead, checkers.TypeOK, []value.Value{snapshotMicro("15.0@0"), latestMicro("t", 2), readMicro("t", 1, 1, 1)}, ""},
		{functionStreamFinal, checkers.TypeOK, []value.Value{logMicro("t", 3, 1, 2, 3)}, ""},
	}
}

func checkRecorded(operations []recordedOperation) checkers.Result {
	var history checkers.History
	for process, operation := range operations {
		recorded := value.List(operation.micros...)
		history.Append(checkers.Event{Process: process, Type: checkers.TypeInvoke, Function: operation.function, Value: recorded})
		completion := recorded
		if operation.eventType == checkers.TypeFail {
			completion = value.Null()
		}
		history.Append(checkers.Event{Process: process, Type: operation.eventType, Function: operation.function, Value: completion,
			CommitTimestamp: operation.commitTimestamp})
	}
	result, _ := streamTablesCheck([]string{"t"}, streamMicrosOf).run(history)
	return result
}

func TestStreamTablesCheckPassesAGoodHistory(t *testing.T) {
	if result := checkRecorded(goodStreamHistory()); result.Verdict != checkers.VerdictOK {
		t.Fatalf("%s: %s", result.Verdict, result.Explanation)
	}
}

// TestStreamTablesCheckCatchesEachAnomaly changes one thing of the good
// history at a time; each must be illegal, for the reason named.
func TestStreamTablesCheckCatchesEachAnomaly(t *testing.T) {
	cases := []struct {
		name   string
		change func(operations []recordedOperation)
		reason string
	}{
		{"aborted append present", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 4, 1, 2, 3, 4) }, "which did not commit"},
		{"committed append missing", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 2, 1, 2) }, "are missing"},
		{"gap", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 4, 1, 2, 3) }, "latest position 4, but 3 items"},
		{"appends out of order", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 3, 2, 1, 3) }, "hold appends 1 and 0"},
		{"duplicate", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 4, 1, 2, 3, 3) }, "at positions 3 and 4"},
		{"never appended", func(o []recordedOperation) { o[4].micros[0] = logMicro("t", 4, 1, 2, 3, 9) }, "never appended"},
		{"commit order", func(o []recordedOperation) { o[1].commitTimestamp = "5.0@1" }, "committed at"},
		{"latest too small", func(o []recordedOperation) { o[1].micros[0] = latestMicro("t", 1) }, "the serial order says 2"},
		{"read past own appends", func(o []recordedOperation) { o[1].micros[2] = readMicro("t", 2, 5, 2) }, "the serial order says 2"},
		{"read of another value", func(o []recordedOperation) { o[3].micros[2] = readMicro("t", 1, 1, 2) }, "does not hold there"},
		{"snapshot misses a commit", func(o []recordedOperation) { o[3].micros[0] = snapshotMicro("25.0@0") }, "the serial order says 3"},
		{"partial appends", func(o []recordedOperation) {
			o[2] = recordedOperation{functionStreamTxn, checkers.TypeInfo, []value.Value{appendMicro("t", 4), appendMicro("t", 5)}, ""}
			o[4].micros[0] = logMicro("t", 4, 1, 2, 3, 4)
		}, "1 are not"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			operations := goodStreamHistory()
			c.change(operations)
			result := checkRecorded(operations)
			if result.Verdict != checkers.VerdictIllegal || !strings.Contains(result.Explanation, c.reason) {
				t.Fatalf("%s: %s, want illegal for %q", result.Verdict, result.Explanation, c.reason)
			}
		})
	}
	if result := checkRecorded(goodStreamHistory()[:4]); result.Verdict != checkers.VerdictUnknown {
		t.Fatalf("without a final read: %s, want unknown", result.Verdict)
	}
}

// TestStreamTablesCheckCatchesATamperedRun swaps two neighbours of
// different transactions in a real run's final log.
func TestStreamTablesCheckCatchesATamperedRun(t *testing.T) {
	r := observedRun(t, "stream", 5)
	index := firstCompletion(r.history, functionStreamFinal, checkers.TypeOK)
	if index < 0 {
		t.Fatal("no final read")
	}
	event := &r.history.Events[index]
	logs := make([]value.Value, event.Value.Len())
	for i := range logs {
		logs[i] = event.Value.Index(i)
	}
	items := logs[0].Index(3)
	if items.Len() < 2 {
		t.Fatalf("final log %v too short", logs[0])
	}
	swapped := make([]value.Value, items.Len())
	for i := range swapped {
		swapped[i] = items.Index(i)
	}
	last := len(swapped) - 1
	swapped[last-1], swapped[last] = swapped[last], swapped[last-1]
	logs[0] = value.List(logs[0].Index(0), logs[0].Index(1), logs[0].Index(2), value.List(swapped...))
	event.Value = value.List(logs...)
	results, _ := r.check()
	if result := resultNamed(t, results, "stream-tables"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a final log with its last two items swapped passed: %+v", result)
	}
}

// TestStreamTablesCheckCatchesAWrongFulfilmentCount raises the count of
// logged orders a committed fulfilment of a mixed run read.
func TestStreamTablesCheckCatchesAWrongFulfilmentCount(t *testing.T) {
	r := observedRun(t, "mixed", 4)
	index := firstCompletion(r.history, "fulfil", checkers.TypeOK)
	if index < 0 {
		t.Fatal("no committed fulfilment")
	}
	event := &r.history.Events[index]
	logged, _ := event.Value.MapGet("logged")
	count, _ := logged.AsInt()
	order, _ := event.Value.MapGet("order")
	event.Value = value.Map(map[string]value.Value{"logged": value.Int(count + 1), "order": order})
	results, _ := r.check()
	if result := resultNamed(t, results, "stream-tables"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a fulfilment that counted one order too many passed: %+v", result)
	}
}
