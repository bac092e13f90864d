package main

import (
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
	"github.com/proven2pc/proven/workloads"
)

// quick is a scenario whose runs take milliseconds.
var quick = proven.Scenario{Workload: workloads.Named("bank"), Faults: "swarm", Clients: 2, Operations: 6, FaultPhase: time.Second}

// saveRun runs a seed of quick, lets edit change its seed file, and saves
// it in a temporary folder.
func saveRun(t *testing.T, seed uint64, edit func(*seedfile.File)) string {
	t.Helper()
	file := proven.Run(quick, seed).SeedFile("")
	edit(&file)
	path := filepath.Join(t.TempDir(), seedfile.Name(file.Scenario.Workload.Name(), seed))
	if err := seedfile.Save(path, file); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReplayReproducesASeedFile(t *testing.T) {
	path := saveRun(t, 9, func(*seedfile.File) {})
	code, out, errOut := runCLI("replay", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !runLinePattern.MatchString(lines[0]) || lines[1] != "reproduced: "+path+" expects ok" {
		t.Fatalf("output %q", out)
	}
	if match := runLinePattern.FindStringSubmatch(lines[0]); match[1] != "9" || match[2] != "bank" {
		t.Fatalf("run line %q", lines[0])
	}
	_, again, _ := runCLI("replay", path)
	if again != out {
		t.Fatalf("two replays print differently:\n%s\n%s", out, again)
	}
}

func TestReplayExits1WhenTheRunDiffers(t *testing.T) {
	cases := map[string]func(*seedfile.File){
		"expect: want fail (liveness)": func(f *seedfile.File) {
			f.Expect = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureLiveness}
		},
		"fingerprint: want 0000000000000001": func(f *seedfile.File) { f.Fingerprint = "0000000000000001" },
		// Replay applies the recorded plan, so an edited plan is a different
		// run: its fingerprint differs.
		"fingerprint: want ": func(f *seedfile.File) {
			f.Plan.Families |= sim.FamilyAll
			f.Plan.Intensity = [8]float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}
		},
	}
	for want, edit := range cases {
		path := saveRun(t, 9, edit)
		code, out, errOut := runCLI("replay", path)
		if code != 1 || !runLinePattern.MatchString(out) || !strings.Contains(errOut, path+" differs: "+want) ||
			strings.Count(errOut, "differs") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", want, code, out, errOut)
		}
	}
}

func TestReplayExits2OnABadFileNamingFileAndField(t *testing.T) {
	directory := t.TempDir()
	bad := filepath.Join(directory, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format": 1, "seed": 1, "scenario": {"workload": "bank", "clients": -2}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"replay", bad}, bad + ": field scenario.operations: missing"},
		{[]string{"replay", filepath.Join(directory, "missing.json")}, "missing.json: field (file)"},
		{[]string{"replay"}, "want exactly one seed file"},
		{[]string{"replay", bad, bad}, "want exactly one seed file"},
		{[]string{"replay", "--nope", bad}, "-nope"},
		{[]string{"shrink", bad}, bad + ": field scenario.operations"},
		{[]string{"shrink", "--runs", "0", bad}, "--runs 0: want at least 1"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestSimWritesAFailingRunsSeedFileIntoTheCorpus(t *testing.T) {
	directory := filepath.Join(t.TempDir(), "corpus")
	report := proven.Run(quick, 4)
	report.Verdict, report.Failure, report.Reason = sim.VerdictFail, sim.FailureInvariant, "conservation: total 7"
	report.Checks = append(report.Checks, checkers.Result{Checker: "conservation", Verdict: checkers.VerdictIllegal})
	var errOut strings.Builder
	output := newCampaignOutput(simFlags{corpus: directory, seeds: 1, workload: "bank"}, environment{stdout: io.Discard, stderr: &errOut})
	path, reproduce := output.writeSeedFile(report)
	if want := filepath.Join(directory, "bank-4.json"); path != want || reproduce != "proven replay "+want || errOut.Len() != 0 {
		t.Fatalf("seed file %q, reproduce %q, stderr %q", path, reproduce, errOut.String())
	}
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if file.Expect != (seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation"}) {
		t.Fatalf("expect %+v", file.Expect)
	}
	// The failure was planted outside the run, so the replay differs.
	if code, _, errOut := runCLI("replay", path); code != 1 || !strings.Contains(errOut, "expect: want fail (invariant in conservation), got ok") {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	output.options.corpus = blocked
	path, reproduce = output.writeSeedFile(report)
	if path != "" || !strings.HasPrefix(reproduce, "proven sim --seed 4 --seeds 1 ") || !strings.Contains(errOut.String(), "could not write the seed file") {
		t.Fatalf("a corpus that is a file: %q %q %q", path, reproduce, errOut.String())
	}
}

func TestSimWritesNothingWhenEveryRunPasses(t *testing.T) {
	directory := filepath.Join(t.TempDir(), "corpus")
	code, _, errOut := runCLI("sim", "--workload", "register", "--seeds", "2", "--corpus", directory)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(directory); !os.IsNotExist(err) {
		t.Fatalf("passing runs created the corpus folder: %v", err)
	}
}
