package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/workloads"
)

// historyOf runs `proven history` with the arguments and returns the file
// it wrote.
func historyOf(t *testing.T, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history")
	var stdout, stderr bytes.Buffer
	if status := run(append([]string{"history"}, append(args, "-o", path)...), &stdout, &stderr, false); status != 0 {
		t.Fatalf("proven history %v: status %d: %s", args, status, stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHistoryEDNHasTheShapesElleAndKnossosRead exports every built-in
// workload's history as EDN and as JSON lines (the history as recorded),
// parses the EDN with checkers.ReadEDN, and checks the Jepsen shapes
// event by event: a failed or indeterminate completion without a value
// carries its invoke's; a cas completes with its [old new], and one whose
// comparison failed is a :fail with :error :mismatch; register operations
// on several keys are independent [key value] tuples (ReadEDN splits them
// back into the same keys); micro-op functions are keywords.
func TestHistoryEDNHasTheShapesElleAndKnossosRead(t *testing.T) {
	for _, workload := range workloads.BuiltinNames() {
		t.Run(workload, func(t *testing.T) {
			args := []string{"--seed", "3", "--workload", workload, "--faults", "all"}
			recorded, err := checkers.ReadJSONLines(bytes.NewReader(historyOf(t, append(args, "--format", "jsonl")...)))
			if err != nil {
				t.Fatalf("jsonl: %v", err)
			}
			text := historyOf(t, append(args, "--format", "edn")...)
			exported, err := checkers.ReadEDN(bytes.NewReader(text))
			if err != nil {
				t.Fatalf("edn: %v", err)
			}
			if len(exported.Events) != len(recorded.Events) || len(recorded.Events) == 0 {
				t.Fatalf("%d EDN events for %d recorded", len(exported.Events), len(recorded.Events))
			}
			seen := jepsenShapes(t, recorded, exported)
			checkShapesSeen(t, workload, string(text), seen)
		})
	}
}

// jepsenShapes checks each exported event against the recorded one and
// counts the shapes it saw.
func jepsenShapes(t *testing.T, recorded, exported checkers.History) map[string]int {
	t.Helper()
	seen := map[string]int{}
	invokes := map[int]checkers.Event{}
	for i, want := range recorded.Events {
		got := exported.Events[i]
		if got.Key != want.Key || got.Process != want.Process || got.Function != want.Function || got.TimeNanos != want.TimeNanos {
			t.Fatalf("event %d: exported %+v, recorded %+v", i, got, want)
		}
		if want.Type == checkers.TypeInvoke {
			invokes[want.Process] = want
			if !got.Value.Equal(want.Value) || got.Type != want.Type {
				t.Fatalf("invoke %d: exported %v, recorded %v", i, got.Value, want.Value)
			}
			continue
		}
		invoke := invokes[want.Process]
		wantType, wantValue := want.Type, want.Value
		switch swapped, isBool := want.Value.AsBool(); {
		case want.Function == checkers.FunctionCAS && isBool && !swapped && want.Type == checkers.TypeOK:
			wantType, wantValue = checkers.TypeFail, invoke.Value
			seen["cas mismatch"]++
		case want.Function == checkers.FunctionCAS && (isBool || want.Value.IsNull()):
			wantValue = invoke.Value
			seen["cas "+string(want.Type)]++
		case want.Type != checkers.TypeOK && want.Value.IsNull():
			wantValue = invoke.Value
			seen[string(want.Type)+" "+want.Function]++
		}
		if got.Type != wantType || !got.Value.Equal(wantValue) {
			t.Fatalf("completion %d: exported %s %v, want %s %v (recorded %s %v)", i, got.Type, got.Value, wantType, wantValue, want.Type, want.Value)
		}
	}
	return seen
}

// checkShapesSeen checks that the run showed the shapes its workload is
// about, so the comparisons above were not vacuous.
func checkShapesSeen(t *testing.T, workload, text string, seen map[string]int) {
	t.Helper()
	switch workload {
	case "register":
		if seen["cas ok"] == 0 || seen["cas mismatch"] == 0 || strings.Contains(text, ":key") ||
			!strings.Contains(text, `:value ["reg-1/x0" `) || !strings.Contains(text, ":error :mismatch") {
			t.Fatalf("register: shapes seen %v; want swapped and mismatched cas, tuples, no :key", seen)
		}
	case "list-append", "sql-list-append":
		if seen["fail txn"] == 0 || !strings.Contains(text, `[:append "`) || !strings.Contains(text, `:type :fail, :process`) {
			t.Fatalf("%s: shapes seen %v; want failed txns carrying their micro-ops", workload, seen)
		}
	case "queue":
		if !strings.Contains(text, `:key "queue-1/a"`) {
			t.Fatal("queue: want :key fields")
		}
	}
}

// TestHistoryPerKeyWritesOneRegisterPerFile: --per-key writes each key's
// operations in a file of its own, with plain values for Knossos.
func TestHistoryPerKeyWritesOneRegisterPerFile(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "keys")
	var stdout, stderr bytes.Buffer
	args := []string{"history", "--seed", "3", "--workload", "register", "--format", "edn", "-o", folder, "--per-key"}
	if status := run(args, &stdout, &stderr, false); status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	paths, _ := filepath.Glob(filepath.Join(folder, "*.edn"))
	if len(paths) != 6 || filepath.Base(paths[0]) != "reg-1_x0.edn" {
		t.Fatalf("files %v", paths)
	}
	for _, path := range paths {
		text, _ := os.ReadFile(path)
		history, err := checkers.ReadEDN(bytes.NewReader(text))
		if err != nil || len(history.Keys()) != 1 || !strings.Contains(string(text), ":key") {
			t.Fatalf("%s: keys %v, %v", path, history.Keys(), err)
		}
		for _, event := range history.Events {
			if event.Function == checkers.FunctionRead && event.Type == checkers.TypeOK && event.Value.Kind() == value.KindList {
				t.Fatalf("%s: a read of one key is a tuple: %v", path, event.Value)
			}
		}
	}
}

func TestHistoryJSONLinesRoundTripAndValidate(t *testing.T) {
	data := historyOf(t, "--seed", "4", "--workload", "bank", "--format", "jsonl")
	history, err := checkers.ReadJSONLines(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := history.WriteJSONLines(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) || len(history.Events) == 0 {
		t.Fatalf("rewritten jsonl differs (%d events)", len(history.Events))
	}
}

// TestHistoryHTMLDrawsEachKindOfHistory: the html page of a register run
// draws each key with porcupine; a list-append run's, its cycles and
// timeline; a bank run's, its timeline; the verdicts and faults come
// first. (The view package's tests check the drawings themselves.)
func TestHistoryHTMLDrawsEachKindOfHistory(t *testing.T) {
	for workload, want := range map[string]string{"register": `<iframe title="key reg-1/x0"`,
		"list-append": `id="cycles"`, "bank": `id="timeline"`} {
		page := string(historyOf(t, "--seed", "1", "--workload", workload, "--faults", "all", "--format", "html"))
		verdicts, faults, drawing := strings.Index(page, `id="verdicts"`), strings.Index(page, `id="faults"`), strings.Index(page, want)
		if verdicts < 0 || faults < verdicts || drawing < faults || strings.Contains(page, "<script src") {
			t.Fatalf("%s: verdicts at %d, faults at %d, %s at %d", workload, verdicts, faults, want, drawing)
		}
	}
}

func TestHistoryRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--format", "xml", "-o", "x"},
		{"--workload", "nope", "-o", "x"},
		{"--seed", "banana", "-o", "x"},
		{"--format", "edn"},
	} {
		var stdout, stderr bytes.Buffer
		if status := run(append([]string{"history"}, args...), &stdout, &stderr, false); status != 2 {
			t.Fatalf("%v: status %d, want 2 (%s)", args, status, stderr.String())
		}
	}
}
