package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, false)
	return code, out.String(), errOut.String()
}

var runLinePattern = regexp.MustCompile(`^seed=(\d+) scenario=(\S+) verdict=(ok|fail) events=(\d+) virtual=\S+ fingerprint=([0-9a-f]{16}) `)

func TestSimRunLineContractAndDeterminism(t *testing.T) {
	code, first, _ := runCLI("sim", "--seed", "42", "--seeds", "1", "--faults", "all")
	if code != 0 {
		t.Fatalf("exit %d, output %q", code, first)
	}
	lines := strings.Split(strings.TrimSpace(first), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a run line and a summary, got %q", first)
	}
	match := runLinePattern.FindStringSubmatch(lines[0])
	if match == nil || match[1] != "42" || match[2] != "mixed" || match[3] != "ok" {
		t.Fatalf("run line %q does not follow the contract", lines[0])
	}
	if lines[1] != "runs=1 ok=1 failed=0" {
		t.Fatalf("summary %q", lines[1])
	}
	_, second, _ := runCLI("sim", "--seed", "42", "--seeds", "1", "--faults", "all")
	if first != second {
		t.Fatalf("same seed, different output:\n%s\n%s", first, second)
	}
	_, hex, _ := runCLI("sim", "--seed", "0x2a", "--seeds", "1", "--faults", "all")
	if hex != first {
		t.Fatalf("--seed 0x2a differs from --seed 42")
	}
}

func TestSimManySeedsSwarm(t *testing.T) {
	code, out, errOut := runCLI("sim", "--seeds", "40", "--faults", "swarm")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasSuffix(out, "runs=40 ok=40 failed=0\n") {
		t.Fatalf("summary: %q", out[max(0, len(out)-100):])
	}
	fingerprints := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[:40] {
		match := runLinePattern.FindStringSubmatch(line)
		if match == nil {
			t.Fatalf("bad run line %q", line)
		}
		fingerprints[match[5]] = true
	}
	if len(fingerprints) != 40 {
		t.Fatalf("%d distinct fingerprints over 40 seeds", len(fingerprints))
	}
}

func TestSimJSONHasTheSameFields(t *testing.T) {
	code, out, _ := runCLI("sim", "--seed", "7", "--seeds", "2", "--json", "--faults", "crash,partition")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 2 JSON lines and a summary: %q", out)
	}
	for i, line := range lines[:2] {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		for _, key := range []string{"seed", "scenario", "verdict", "events", "virtual", "fingerprint"} {
			if _, ok := fields[key]; !ok {
				t.Fatalf("line %d lacks %q: %s", i, key, line)
			}
		}
		if fields["seed"].(float64) != float64(7+i) {
			t.Fatalf("line %d seed %v", i, fields["seed"])
		}
	}
}

func TestSimUsageErrorsExit2AndNameTheValue(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--faults", "bogus"}, `"bogus"`},
		{[]string{"sim", "--faults", "crash,bogus2"}, `"bogus2"`},
		{[]string{"sim", "--seed", "12x"}, `"12x"`},
		{[]string{"sim", "--seeds", "0"}, "--seeds 0"},
		{[]string{"sim", "--nope"}, "-nope"},
		{[]string{"sim", "--workload", "nothing"}, `"nothing"`},
		{[]string{"sim", "extra"}, `"extra"`},
		{[]string{"frobnicate"}, `"frobnicate"`},
		{nil, "usage"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(c.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		if !strings.Contains(errOut, c.want) {
			t.Errorf("%v: stderr %q does not name %s", c.args, errOut, c.want)
		}
	}
}

func TestTraceGoesToStderr(t *testing.T) {
	code, out, errOut := runCLI("sim", "--seed", "3", "--seeds", "1", "--trace", "--faults", "none")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errOut, "deliver") || !strings.Contains(errOut, " boot") {
		t.Fatalf("trace lacks events: %q", errOut[:min(len(errOut), 300)])
	}
	if strings.Contains(out, "deliver") {
		t.Fatal("trace leaked into stdout")
	}
}

// workloadFields are the fields every workload run line carries after the
// common ones: outcome counts, then one checker=verdict per check.
var workloadFields = regexp.MustCompile(` committed=\d+ aborted=\d+ indeterminate=\d+ (\S+=(ok|illegal|unknown) )*atomicity=ok liveness=ok unique-requests=ok progress=ok$`)

func TestSimEveryWorkloadRunsWithCheckerFields(t *testing.T) {
	wantCheck := map[string]string{"bank": " conservation=ok", "register": " linearizable=ok", "queue": " linearizable=ok",
		"list-append": " list-prefix=ok", "mixed": " conservation=ok"}
	for _, workload := range []string{"bank", "register", "list-append", "queue", "mixed"} {
		code, out, errOut := runCLI("sim", "--workload", workload, "--seeds", "3", "--faults", "swarm")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", workload, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || lines[3] != "runs=3 ok=3 failed=0" {
			t.Fatalf("%s: %q", workload, out)
		}
		for _, line := range lines[:3] {
			match := runLinePattern.FindStringSubmatch(line)
			if match == nil || match[2] != workload || !workloadFields.MatchString(line) || !strings.Contains(line, wantCheck[workload]) {
				t.Fatalf("%s: run line %q breaks the contract", workload, line)
			}
		}
	}
}

func TestSimDefaultIsAHundredSwarmSeedsOfMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 100 seeds")
	}
	code, out, errOut := runCLI("sim")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasSuffix(out, "runs=100 ok=100 failed=0\n") {
		t.Fatalf("summary: %q", out[max(0, len(out)-100):])
	}
	first := strings.SplitN(out, "\n", 2)[0]
	if match := runLinePattern.FindStringSubmatch(first); match == nil || match[1] != "1" || match[2] != "mixed" {
		t.Fatalf("first line %q", first)
	}
}

// TestSeedAloneIsOneRun: naming a seed without --seeds reproduces that one
// run (the acceptance command of the simulator issue); with no flags at all
// the default is a swarm of seeds.
func TestSeedAloneIsOneRun(t *testing.T) {
	code, out, _ := runCLI("sim", "--seed", "42", "--faults", "all")
	if code != 0 || !strings.HasSuffix(out, "runs=1 ok=1 failed=0\n") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	_, again, _ := runCLI("sim", "--seed", "42", "--faults", "all")
	if again != out {
		t.Fatalf("two runs of seed 42 differ:\n%s\n%s", out, again)
	}
	options, err := parseSimFlags(simCommand, nil, environment{stdout: io.Discard, stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if options.seeds != 100 {
		t.Fatalf("default seeds %d, want 100", options.seeds)
	}
}
