package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
)

// TestLiveRunsAWorkloadOnTheRealRuntime: a short live run of
// list-append passes every check, prints its run line and summary as
// JSON, says it is not deterministic, and writes its history.
func TestLiveRunsAWorkloadOnTheRealRuntime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	historyFile := filepath.Join(t.TempDir(), "history.jsonl")
	code, out, errOut := runCLI("live", "--workload", "list-append", "--duration", "1s", "--clients", "4",
		"--dir", dir, "--json", "--history", historyFile)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "not deterministic") {
		t.Errorf("stderr does not say the run is not deterministic: %q", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a run line and a summary, got %q", out)
	}
	var line liveLine
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line.Kind != "run" || line.Scenario != "list-append" || line.Verdict != "ok" || line.Deterministic ||
		line.Committed == 0 || line.Clients != 4 {
		t.Errorf("run line %+v", line)
	}
	checked := map[string]string{}
	for _, check := range line.Checks {
		checked[check.Checker] = check.Verdict
	}
	for _, name := range []string{"list-append", "atomicity", "liveness", "unique-requests"} {
		if checked[name] != "ok" {
			t.Errorf("check %s: %q; want ok (checks %v)", name, checked[name], checked)
		}
	}
	var summary summaryLine
	if err := json.Unmarshal([]byte(lines[1]), &summary); err != nil || summary.Runs != 1 || summary.Failed != 0 {
		t.Errorf("summary %q: %+v, %v", lines[1], summary, err)
	}
	file, err := os.Open(historyFile)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	history, err := checkers.ReadJSONLines(file)
	if err != nil || len(history.Events) != line.Events {
		t.Errorf("history file: %d events, %v; want %d", len(history.Events), err, line.Events)
	}
	if _, err := os.Stat(filepath.Join(dir, "streams")); err != nil {
		t.Errorf("the store given with --dir: %v", err)
	}
}

func TestLiveRefusesBadFlags(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "something"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0s"}, "--duration 0s: want a positive duration"},
		{[]string{"--clients", "0"}, "--clients 0: want at least 1"},
		{[]string{"--workload", "nope"}, `unknown workload "nope"`},
		{[]string{"--dir", full}, "not empty"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, errOut := runCLI(append([]string{"live"}, test.args...)...)
		if code != 2 || !strings.Contains(errOut, test.want) {
			t.Errorf("%v: exit %d, %q; want 2 saying %s", test.args, code, errOut, test.want)
		}
	}
}
