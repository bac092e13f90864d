package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// TestHelpShowsSynopsisFlagsAndExample: `proven help X`, `proven X -h`
// and `proven X --help` print the same help on stdout and exit 0.
func TestHelpShowsSynopsisFlagsAndExample(t *testing.T) {
	for _, command := range commands() {
		code, help, errOut := runCLI("help", command.name)
		if code != 0 || errOut != "" || !strings.HasPrefix(help, "usage: proven "+command.name) ||
			!strings.Contains(help, "\nexample:\n  proven "+command.name+" ") {
			t.Fatalf("help %s: exit %d, stdout %q, stderr %q", command.name, code, help, errOut)
		}
		if command.define != nil && !strings.Contains(help, "\nflags:\n  --") {
			t.Fatalf("help %s lists no flags: %q", command.name, help)
		}
		for _, flag := range []string{"-h", "--help"} {
			if code, out, _ := runCLI(command.name, flag); code != 0 || out != help {
				t.Fatalf("%s %s: exit %d, %q", command.name, flag, code, out)
			}
		}
	}
	code, out, _ := runCLI("help")
	for _, name := range []string{"sim", "replay", "shrink", "corpus", "history", "check", "version", "help", "go install"} {
		if code != 0 || !strings.Contains(out, "\n  "+name) && !strings.Contains(out, name) {
			t.Fatalf("top-level usage lacks %s: %q", name, out)
		}
	}
	if code, _, errOut := runCLI("help", "frobnicate"); code != 2 || !strings.Contains(errOut, `"frobnicate"`) {
		t.Fatalf("help of an unknown command: exit %d, %q", code, errOut)
	}
	if _, out, _ := runCLI("help", "sim"); !strings.Contains(out, "--seeds NUMBER\n") || !strings.Contains(out, "(default 100)") {
		t.Fatalf("sim's help does not show --seeds with its default: %q", out)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := runCLI(args...)
		if code != 0 || !strings.HasPrefix(out, "proven ") || !strings.Contains(out, " go1.") {
			t.Fatalf("%v: exit %d, %q", args, code, out)
		}
	}
}

// TestFlagsMayFollowTheArguments: flags after a positional argument are
// flags ("--" ends them).
func TestFlagsMayFollowTheArguments(t *testing.T) {
	path := saveRun(t, 9, func(*seedfile.File) {})
	if code, _, errOut := runCLI("shrink", path, "--runs", "0"); code != 2 || !strings.Contains(errOut, "--runs 0: want at least 1") {
		t.Fatalf("shrink FILE --runs 0: exit %d, %q", code, errOut)
	}
	code, out, _ := runCLI("replay", path, "--json")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !json.Valid([]byte(lines[0])) || !json.Valid([]byte(lines[1])) {
		t.Fatalf("replay FILE --json: exit %d, %q", code, out)
	}
	if code, _, errOut := runCLI("replay", "--", "--json"); code != 2 || !strings.Contains(errOut, "seed file --json") {
		t.Fatalf("replay -- --json: exit %d, %q", code, errOut)
	}
}

// TestBadInputsExit2NamingTheValue: the silent surprises of issue 18 are
// usage errors now.
func TestBadInputsExit2NamingTheValue(t *testing.T) {
	directory := t.TempDir()
	duplicated := filepath.Join(directory, "duplicated.json")
	withBOM := filepath.Join(directory, "bom.json")
	valid, err := os.ReadFile(saveRun(t, 9, func(*seedfile.File) {}))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(duplicated, bytes.Replace(valid, []byte(`"seed": 9,`), []byte(`"seed": 9, "seed": 10,`), 1), 0o644)
	_ = os.WriteFile(withBOM, append([]byte{0xEF, 0xBB, 0xBF}, valid...), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--seed", "18446744073709551615", "--seeds", "2"}, "--seed 18446744073709551615 --seeds 2: the seeds would count past 18446744073709551615"},
		{[]string{"sim", "--seed", "0xfffffffffffffffe", "--seeds", "3"}, "start at 18446744073709551613 at most"},
		{[]string{"sim", "--faults", ""}, `--faults "": want none, all, swarm or a comma list of`},
		{[]string{"sim", "--faults", " "}, `--faults " "`},
		{[]string{"sim", "--faults", "crash,"}, `unknown fault family ""`},
		{[]string{"history", "--faults", "", "-o", "x"}, `--faults ""`},
		{[]string{"sim", "--report", ""}, `--report ""`},
		{[]string{"replay", duplicated}, "field seed: appears twice"},
		{[]string{"replay", withBOM}, "starts with a UTF-8 byte-order mark"},
		{[]string{"shrink", withBOM}, "byte-order mark"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// jsonLines parses every line as a JSON object, failing on any other.
func jsonLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var objects []map[string]any
	for line := range strings.Lines(text) {
		var object map[string]any
		if err := json.Unmarshal([]byte(line), &object); err != nil {
			t.Fatalf("not a JSON object: %q: %v", line, err)
		}
		objects = append(objects, object)
	}
	return objects
}

// TestSimJSONIsJSONLinesThroughout: `proven sim --seeds 5 --json` is
// what jq -e . accepts: every line of stdout a JSON object, the summary
// included; with --trace, every line of stderr one too, an event each.
func TestSimJSONIsJSONLinesThroughout(t *testing.T) {
	code, out, errOut := runCLI("sim", "--seeds", "5", "--json", "--workload", "register")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	objects := jsonLines(t, out)
	if len(objects) != 6 {
		t.Fatalf("%d JSON lines, want 5 runs and a summary", len(objects))
	}
	for i, object := range objects[:5] {
		if object["kind"] != "run" || object["seed"] != float64(1+i) {
			t.Fatalf("line %d: %v", i, object)
		}
	}
	if summary := objects[5]; summary["kind"] != "summary" || summary["runs"] != float64(5) || summary["ok"] != float64(5) || summary["failed"] != float64(0) {
		t.Fatalf("summary %v", summary)
	}
	code, out, errOut = runCLI("sim", "--seed", "3", "--json", "--trace", "--faults", "crash")
	events := jsonLines(t, errOut)
	if code != 0 || len(jsonLines(t, out)) != 2 || len(events) < 100 {
		t.Fatalf("exit %d, %d trace events", code, len(events))
	}
	kinds := map[string]bool{}
	for _, event := range events {
		if event["kind"] != "trace" || event["seed"] != float64(3) || event["node"] == "" {
			t.Fatalf("trace event %v", event)
		}
		kinds[event["event"].(string)] = true
	}
	if !kinds["deliver"] || !kinds["boot"] || !kinds["crash"] {
		t.Fatalf("trace events %v", kinds)
	}
}

// fakeClock advances a second at every reading.
func fakeClock() func() time.Time {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now = now.Add(time.Second)
		return now
	}
}

// TestProgressIsALineOfItsOwn: on a terminal the progress line is redrawn
// in place with an ETA and erased before anything else is printed; not
// on a terminal it is a line of its own every progressLineEvery.
func TestProgressIsALineOfItsOwn(t *testing.T) {
	var out, errOut bytes.Buffer
	env := environment{stdout: &out, stderr: &errOut, terminal: true, now: fakeClock(), interrupt: func() <-chan struct{} { return nil }}
	if code := runWith([]string{"sim", "--seeds", "3", "--workload", "register"}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := "1/3 runs, 0 failed, 1s elapsed, ETA 2s\r\x1b[K2/3 runs, 0 failed, 2s elapsed, ETA 1s\r\x1b[K"; errOut.String() != want {
		t.Fatalf("terminal progress %q, want %q", errOut.String(), want)
	}
	out.Reset()
	errOut.Reset()
	env.terminal = false
	clock := fakeClock()
	env.now = func() time.Time { clock(); clock(); clock(); clock(); return clock() } // five seconds a reading
	if code := runWith([]string{"sim", "--seeds", "4", "--workload", "register"}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := "progress: 2/4 runs, 0 failed, 10s elapsed, ETA 10s\n"; errOut.String() != want {
		t.Fatalf("progress lines %q, want %q", errOut.String(), want)
	}
	if strings.Count(out.String(), "\n") != 5 {
		t.Fatalf("stdout %q", out.String())
	}
}

// stopAfter is stdout that closes interrupted once it has seen lines
// lines, as a Ctrl-C during the next run would.
type stopAfter struct {
	bytes.Buffer
	lines       int
	interrupted chan struct{}
}

func (s *stopAfter) Write(p []byte) (int, error) {
	n, err := s.Buffer.Write(p)
	if strings.Count(s.String(), "\n") == s.lines {
		close(s.interrupted)
	}
	return n, err
}

// TestInterruptPrintsTheSummaryAndExits130: Ctrl-C stops the campaign
// after the run in progress, prints the summary of the runs finished and
// exits 130, with or without --json. (With --parallel N the N runs in
// progress finish and print: TestInterruptWithParallelRuns.)
func TestInterruptPrintsTheSummaryAndExits130(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		out := &stopAfter{lines: 2, interrupted: make(chan struct{})}
		var errOut bytes.Buffer
		env := environment{stdout: out, stderr: &errOut, now: time.Now, interrupt: func() <-chan struct{} { return out.interrupted }}
		args := []string{"sim", "--seeds", "10", "--workload", "register", "--parallel", "1"}
		if asJSON {
			args = append(args, "--json")
		}
		if code := runWith(args, env); code != 130 {
			t.Fatalf("exit %d, want 130", code)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		want := "runs=2 ok=2 failed=0 interrupted=true planned=10"
		if asJSON {
			want = `{"kind":"summary","runs":2,"ok":2,"failed":0,"interrupted":true,"planned":10}`
		}
		if len(lines) != 3 || lines[2] != want {
			t.Fatalf("json %t: stdout %q", asJSON, out.String())
		}
	}
}

// TestSimReportWritesTheCampaignAndAHistoryPagePerFailedSeed: --report
// writes the campaign page; a failed run gets its history page beside
// it, linked from the page.
func TestSimReportWritesTheCampaignAndAHistoryPagePerFailedSeed(t *testing.T) {
	directory := t.TempDir()
	path := filepath.Join(directory, "campaign.html")
	code, out, errOut := runCLI("sim", "--seeds", "3", "--workload", "register", "--report", path)
	if code != 0 || !strings.Contains(errOut, "campaign report: "+path) {
		t.Fatalf("exit %d, %s %s", code, out, errOut)
	}
	page, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(page, []byte(`id="runs"`)) || !bytes.Contains(page, []byte("Every run passed.")) ||
		bytes.Contains(page, []byte("<script")) || bytes.Contains(page, []byte("<link")) {
		t.Fatalf("campaign page: %v\n%s", err, page)
	}
	report := newCampaignReport(simFlags{report: path, workload: "bank", seeds: 1})
	failed := proven.Run(quick, 4)
	failed.Verdict, failed.Failure, failed.Reason = sim.VerdictFail, sim.FailureInvariant, "conservation: total 7"
	failed.Checks = append(failed.Checks, checkers.Result{Checker: "conservation", Verdict: checkers.VerdictIllegal})
	report.add(failed, io.Discard)
	if err := report.write(); err != nil {
		t.Fatal(err)
	}
	page, _ = os.ReadFile(path)
	history, err := os.ReadFile(filepath.Join(directory, "campaign-seed-4.html"))
	if err != nil || !bytes.Contains(page, []byte(`<a href="campaign-seed-4.html">history of seed 4</a>`)) ||
		!bytes.Contains(history, []byte(`<td class="illegal">illegal</td>`)) {
		t.Fatalf("history page: %v\n%s", err, page)
	}
}

// With --parallel 2, Ctrl-C starts no more runs; the runs in progress
// finish and print, in seed order, and the summary counts every run
// printed.
func TestInterruptWithParallelRuns(t *testing.T) {
	out := &stopAfter{lines: 2, interrupted: make(chan struct{})}
	var errOut bytes.Buffer
	env := environment{stdout: out, stderr: &errOut, now: time.Now, interrupt: func() <-chan struct{} { return out.interrupted }}
	if code := runWith([]string{"sim", "--seeds", "10", "--workload", "register", "--parallel", "2"}, env); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	runs := lines[:len(lines)-1]
	for index, line := range runs {
		if !strings.HasPrefix(line, fmt.Sprintf("seed=%d ", index+1)) {
			t.Fatalf("line %d is %q, not seed %d's", index, line, index+1)
		}
	}
	want := fmt.Sprintf("runs=%d ok=%d failed=0 interrupted=true planned=10", len(runs), len(runs))
	if len(runs) < 2 || len(runs) >= 10 || lines[len(lines)-1] != want {
		t.Fatalf("stdout %q", out.String())
	}
}
