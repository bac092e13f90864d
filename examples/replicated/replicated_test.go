package replicated_test

import (
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/examples/replicated"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"go.uber.org/goleak"
)

// Register the workload, so that this test binary reads its seed files
// (proven.Replay, -proven.replay=FILE) whichever test runs first.
func init() { workloads.Register(replicated.Workload{}) }

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplicatedRegister is the test to copy: 100 seeds, each drawing
// its own fault families and strengths (swarm), each a subtest
// (go test -run 'TestReplicatedRegister/seed=17' runs one). A failing
// seed writes its seed file and prints the command that replays it.
func TestReplicatedRegister(t *testing.T) {
	proven.Check(t, proven.Scenario{Workload: replicated.Workload{}, Faults: "swarm"}, proven.Seeds(1, 100))
}

// FuzzReplicatedRegister lets go test -fuzz=FuzzReplicatedRegister choose
// seeds and fault plans; plain go test runs its seed corpus.
func FuzzReplicatedRegister(f *testing.F) {
	proven.Fuzz(f, proven.Scenario{Workload: replicated.Workload{}, Operations: 30})
}

// TestPlantedBugsAreCaughtAndReplay plants each bug, finds a failing
// seed, writes its seed file and replays it from the file: the failure
// comes back, event for event.
func TestPlantedBugsAreCaughtAndReplay(t *testing.T) {
	for _, bug := range []replicated.Bug{replicated.BugNoWriteBack, replicated.BugReadOne} {
		t.Run(string(bug), func(t *testing.T) {
			scenario := proven.Scenario{Workload: replicated.Workload{Bug: bug}, Faults: "swarm"}
			for seed := uint64(1); seed <= 100; seed++ {
				report := proven.Run(scenario, seed)
				if report.Verdict == sim.VerdictOK {
					continue
				}
				path := filepath.Join(t.TempDir(), seedfile.Name(report.Workload, seed))
				if err := seedfile.Save(path, report.SeedFile("")); err != nil {
					t.Fatal(err)
				}
				replayed := proven.Replay(t, path)
				if outcome := replayed.Outcome(); outcome.Checker != "linearizable" || replayed.Fingerprint != report.Fingerprint {
					t.Fatalf("seed %d: the replay failed as %s, fingerprint %s; the run as %s, %s", seed, outcome,
						replayed.FingerprintHex(), report.Outcome(), report.FingerprintHex())
				}
				t.Logf("caught at seed %d: %s", seed, report.Reason)
				return
			}
			t.Fatalf("%s was not caught in 100 seeds", bug)
		})
	}
}

// TestTheBugSeed781FoundStaysFound replays the seed file of a bug the
// harness found in this example's first version (BugReuseTag keeps that
// version's mistake): fixed code passes seed 781, the bug still fails
// it. The file records no fingerprint, so a change to the simulator that
// keeps the failure does not break this test.
func TestTheBugSeed781FoundStaysFound(t *testing.T) {
	const path = "testdata/proven/replicated-register-781.json"
	proven.Replay(t, path)
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	file.Scenario.Workload = replicated.Workload{} // the same run, without the bug
	if report, _ := proven.ReplayFile(file); report.Verdict != sim.VerdictOK {
		t.Fatalf("the fixed client fails the run: %s", report.Reason)
	}
}
