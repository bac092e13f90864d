package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// lostUpdate is a failure the runs of these tests do not have.
var lostUpdate = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation", Anomaly: "lost-update"}

func TestShrinkRefusesAPassingFileAndOneThatNoLongerFails(t *testing.T) {
	passing := saveRun(t, 3, func(*seedfile.File) {})
	if code, _, errOut := runCLI("shrink", passing); code != 2 || !strings.Contains(errOut, "expects ok") {
		t.Fatalf("a passing file: exit %d: %s", code, errOut)
	}
	stale := saveRun(t, 3, func(f *seedfile.File) { f.Expect = lostUpdate })
	code, _, errOut := runCLI("shrink", stale)
	if code != 1 || !strings.Contains(errOut, "does not fail as recorded (want fail (invariant in conservation: lost-update), got ok)") {
		t.Fatalf("a stale file: exit %d: %s", code, errOut)
	}
	if _, err := seedfile.Load(seedfile.ShrunkName(stale)); err == nil {
		t.Fatal("a shrunk file was written for a run that does not fail")
	}
}

func TestShrunkFileGoesBesideTheOriginal(t *testing.T) {
	directory := t.TempDir()
	original := filepath.Join(directory, "bank-3.json")
	if got := seedfile.ShrunkName(original); got != filepath.Join(directory, "bank-3.shrunk.json") {
		t.Fatalf("shrunk name %s", got)
	}
	if got := proven.ShrunkDescription(original, "found by sim"); got != "shrunk from bank-3.json: found by sim" {
		t.Fatalf("description %q", got)
	}
}
