package checkers

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines/value"
)

// TestCampaignScenarios runs the scenario files of the checks that judge
// a campaign beyond one workload's model: progress (testdata/progress),
// commit-order replay (testdata/commitorder), list-append with read-only
// transactions (testdata/snapshots) and unique requests
// (testdata/requests). Histories are written one event a line:
//
//	TIME PROCESS TYPE FUNCTION [key=K] [txn=T] [commit=TS] [snapshot=TS] [error=E] [VALUE]
//
// VALUE in value.Parse's text (null when left out); commands:
//
//	progress calm=TIME long=NANOS       CheckProgress
//	commit-order absent=VALUE           CheckCommitOrder
//	snapshots                           CheckListAppendSnapshots
//	requests                            CheckUniqueRequests over lines "STREAM POSITION REQUEST"
func TestCampaignScenarios(t *testing.T) {
	for _, folder := range []string{"progress", "commitorder", "snapshots", "requests"} {
		datadriven.Walk(t, "testdata/"+folder, func(t *testing.T, path string) {
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runCampaignCommand(t, d)
			})
		})
	}
}

func runCampaignCommand(t *testing.T, d *datadriven.TestData) string {
	var result Result
	var err error
	switch d.Cmd {
	case "progress":
		var calm, long int64
		d.ScanArgs(t, "calm", &calm)
		d.ScanArgs(t, "long", &long)
		result, err = CheckProgress(parseEventLines(t, d.Input), ProgressConfig{CalmFromNanos: calm, LongWaitNanos: long})
	case "commit-order":
		var absentText string
		d.ScanArgs(t, "absent", &absentText)
		absent, parseErr := value.Parse(absentText)
		if parseErr != nil {
			t.Fatalf("absent=%s: %v", absentText, parseErr)
		}
		result, err = CheckCommitOrder(parseEventLines(t, d.Input), CommitOrderConfig{Absent: absent})
	case "snapshots":
		result, err = CheckListAppendSnapshots(parseEventLines(t, d.Input))
	case "requests":
		result = CheckUniqueRequests(parseRequestLines(t, d.Input))
	default:
		t.Fatalf("unknown command %q", d.Cmd)
	}
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	return formatCampaignResult(result)
}

func formatCampaignResult(result Result) string {
	text := fmt.Sprintf("%s: %s\n", result.Checker, result.Verdict)
	if result.Verdict != VerdictOK {
		text += fmt.Sprintf("anomalies: %s\noperations: %v\n%s\n", strings.Join(result.Anomalies, " "), result.Operations, result.Explanation)
	}
	return text
}

// parseEventLines reads the event lines described at TestCampaignScenarios.
func parseEventLines(t *testing.T, input string) History {
	t.Helper()
	var history History
	for lineNumber, line := range strings.Split(strings.TrimSpace(input), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 {
			t.Fatalf("line %d: %q: want TIME PROCESS TYPE FUNCTION ...", lineNumber+1, line)
		}
		event := Event{Type: EventType(fields[2]), Function: fields[3], Value: value.Null()}
		event.TimeNanos = parseInt(t, fields[0])
		event.Process = int(parseInt(t, fields[1]))
		rest := fields[4:]
		for len(rest) > 0 && strings.Contains(rest[0], "=") && !strings.ContainsAny(rest[0][:1], "[{\"") {
			name, text, _ := strings.Cut(rest[0], "=")
			switch name {
			case "key":
				event.Key = text
			case "txn":
				event.Txn = text
			case "commit":
				event.CommitTimestamp = text
			case "snapshot":
				event.Snapshot = text
			case "error":
				event.Error = text
			default:
				t.Fatalf("line %d: unknown attribute %q", lineNumber+1, name)
			}
			rest = rest[1:]
		}
		if len(rest) > 0 {
			parsed, err := value.Parse(strings.Join(rest, " "))
			if err != nil {
				t.Fatalf("line %d: value: %v", lineNumber+1, err)
			}
			event.Value = parsed
		}
		history.Append(event)
	}
	return history
}

func parseRequestLines(t *testing.T, input string) []StreamRequests[string] {
	t.Helper()
	var logs []StreamRequests[string]
	for lineNumber, line := range strings.Split(strings.TrimSpace(input), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("line %d: %q: want STREAM POSITION REQUEST", lineNumber+1, line)
		}
		if len(logs) == 0 || logs[len(logs)-1].Stream != fields[0] {
			logs = append(logs, StreamRequests[string]{Stream: fields[0]})
		}
		request := fields[2]
		if request == "-" {
			request = ""
		}
		last := &logs[len(logs)-1]
		last.Entries = append(last.Entries, LoggedRequest[string]{Position: uint64(parseInt(t, fields[1])), Request: request})
	}
	return logs
}

func parseInt(t *testing.T, text string) int64 {
	t.Helper()
	number, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return number
}
