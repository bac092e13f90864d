package checkers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines/value"
)

// parseTxnLines reads the compact history of the listappend scenarios: one
// event per line, "PROCESS TYPE MICRO-OPS", micro-ops separated by commas:
// "a KEY N" appends N, "r KEY" is an unread read (on invoke), "r KEY -" read
// the empty list, "r KEY 1 2" read [1 2].
func parseTxnLines(t *testing.T, input string) History {
	t.Helper()
	var history History
	for lineNumber, line := range strings.Split(strings.TrimSpace(input), "\n") {
		fields := strings.SplitN(strings.TrimSpace(line), " ", 3)
		if len(fields) < 2 {
			t.Fatalf("line %d: %q: want PROCESS TYPE MICRO-OPS", lineNumber+1, line)
		}
		process, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatalf("line %d: %v", lineNumber+1, err)
		}
		var microOps []value.Value
		if len(fields) == 3 {
			for _, text := range strings.Split(fields[2], ",") {
				microOps = append(microOps, parseMicroText(t, strings.Fields(text)))
			}
		}
		history.Append(Event{Process: process, Type: EventType(fields[1]), Function: FunctionTxn,
			Value: value.List(microOps...), TimeNanos: int64(lineNumber), Txn: "t" + fields[0]})
	}
	return history
}

func parseMicroText(t *testing.T, words []string) value.Value {
	t.Helper()
	if len(words) < 2 {
		t.Fatalf("micro-op %v: want a KEY N or r KEY [ELEMENTS]", words)
	}
	function := map[string]string{"a": MicroAppend, "r": MicroRead}[words[0]]
	argument := value.Null()
	switch {
	case function == MicroAppend && len(words) == 3:
		number, err := strconv.ParseInt(words[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		argument = value.Int(number)
	case function == MicroRead && len(words) == 3 && words[2] == "-":
		argument = value.List()
	case function == MicroRead && len(words) >= 3:
		var elements []value.Value
		for _, word := range words[2:] {
			number, err := strconv.ParseInt(word, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			elements = append(elements, value.Int(number))
		}
		argument = value.List(elements...)
	case function == MicroRead && len(words) == 2:
	default:
		t.Fatalf("micro-op %v: want a KEY N or r KEY [ELEMENTS]", words)
	}
	return value.List(value.String(function), value.String(words[1]), argument)
}

// formatResult prints a verdict, its anomalies and operations, and the
// explanation lines that are not in skip (the serializable result's lines,
// when printing the strict one).
func formatResult(result Result, skip string) string {
	text := fmt.Sprintf("%s: %s\n", result.Checker, result.Verdict)
	if len(result.Anomalies) == 0 {
		return text
	}
	text += fmt.Sprintf("anomalies: %s\noperations: %v\n", strings.Join(result.Anomalies, " "), result.Operations)
	skipped := strings.Split(skip, "\n")
	for _, line := range strings.Split(result.Explanation, "\n") {
		if !slices.Contains(skipped, line) {
			text += line + "\n"
		}
	}
	return text
}

// formatListAppendResult prints both verdicts; the strict one lists only
// the findings the serializable one does not have.
func formatListAppendResult(result ListAppendResult) string {
	return formatResult(result.Serializable, "") + formatResult(result.StrictSerializable, result.Serializable.Explanation)
}

func TestListAppendScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/listappend", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			result, err := CheckListAppend(parseTxnLines(t, d.Input), ListAppendConfig{})
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			checkCycles(t, result.Serializable)
			checkCycles(t, result.StrictSerializable)
			return formatListAppendResult(result)
		})
	})
}

// checkCycles checks that a result's Cycles are the cycles its
// explanation names, in its order, each going round: every edge ends
// where the next starts, and the last where the first starts.
func checkCycles(t *testing.T, result Result) {
	t.Helper()
	var named []string
	for line := range strings.SplitSeq(result.Explanation, "\n") {
		if anomaly, rest, _ := strings.Cut(line, ": "); strings.HasPrefix(rest, "cycle ") {
			named = append(named, anomaly)
		}
	}
	if len(named) != len(result.Cycles) {
		t.Fatalf("%s: the explanation names %d cycles, Cycles holds %d", result.Checker, len(named), len(result.Cycles))
	}
	for i, cycle := range result.Cycles {
		if cycle.Anomaly != named[i] || len(cycle.Edges) < 2 {
			t.Fatalf("%s: cycle %d is %s with %d edges, the explanation names %s", result.Checker, i, cycle.Anomaly, len(cycle.Edges), named[i])
		}
		for j, edge := range cycle.Edges {
			next := cycle.Edges[(j+1)%len(cycle.Edges)]
			if edge.To != next.From || (edge.Key == "") != (edge.Kind == "rt") {
				t.Fatalf("%s: cycle %d edge %d %+v does not lead to %+v", result.Checker, i, j, edge, next)
			}
		}
	}
}
