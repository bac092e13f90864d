//go:build plantedbugs

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/internal/bugs"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// TestAPlantedBugIsFoundReplayedAndShrunk walks the whole loop on a real
// failure: proven sim finds a planted bug and writes its seed file,
// proven replay reproduces it, and proven shrink writes a smaller seed
// file that fails the same way.
func TestAPlantedBugIsFoundReplayedAndShrunk(t *testing.T) {
	if err := bugs.Enable(bugs.EscrowIgnoresReservations); err != nil {
		t.Fatal(err)
	}
	defer bugs.Enable("")
	directory := t.TempDir()
	code, out, errOut := runCLI("sim", "--workload", "bank", "--seeds", "200", "--faults", "swarm", "--corpus", directory)
	if code != 1 {
		t.Fatalf("the planted bug was not found in 200 seeds: exit %d\n%s", code, out[max(0, len(out)-200):])
	}
	paths, err := filepath.Glob(filepath.Join(directory, "bank-*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed file written: %v\n%s", err, errOut)
	}
	path := paths[0]
	if !strings.Contains(errOut, "reproduce: proven replay "+path) {
		t.Fatalf("stderr lacks the replay command for %s", path)
	}
	if code, _, errOut := runCLI("replay", path); code != 0 {
		t.Fatalf("replay of %s: exit %d: %s", path, code, errOut)
	}
	code, out, errOut = runCLI("shrink", path)
	if code != 0 {
		t.Fatalf("shrink: exit %d: %s", code, errOut)
	}
	t.Logf("shrink %s:\n%s", filepath.Base(path), out)
	original, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	shrunk, err := seedfile.Load(seedfile.ShrunkName(path))
	if err != nil {
		t.Fatal(err)
	}
	if shrunk.Expect != original.Expect || shrunk.Expect.Verdict != sim.VerdictFail {
		t.Fatalf("shrunk expects %s, the original %s", shrunk.Expect, original.Expect)
	}
	if !strings.Contains(out, "reduced ") || smaller(shrunk, original) == false {
		t.Fatalf("nothing was reduced: %+v\n%s", shrunk.Scenario, out)
	}
	if code, _, errOut := runCLI("replay", seedfile.ShrunkName(path)); code != 0 {
		t.Fatalf("replay of the shrunk file: exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(seedfile.ShrunkName(path))
	t.Logf("%s", data)
}

func smaller(shrunk, original seedfile.File) bool {
	a, b := shrunk.Scenario, original.Scenario
	return a.Clients < b.Clients || a.Operations < b.Operations || a.FaultPhase < b.FaultPhase ||
		shrunk.Plan.Families != original.Plan.Families
}
