// Package proven is the facade of the deterministic-simulation harness:
// run a scenario's seeds, check them in a test, and replay the seed files
// that reproduce a run.
//
// # What it models
//
// A Scenario names a workload (see the workloads package) and its
// parameters: the fault mode, the clients, the operations per client and
// the length of the fault phase. A seed names one whole run of it. Run
// runs one seed and returns a Report; Check runs a SeedRange inside a test:
//
//	func TestBankUnderSwarmFaults(t *testing.T) {
//		proven.Check(t, proven.Scenario{Workload: "bank", Faults: "swarm"}, proven.Seeds(1, 200))
//	}
//
// At the first failing seed Check writes a seed file and fails the test
// with its path and the command that replays it
// (go run ./cmd/proven replay <file>). Seed files go to the folder named by
// PROVEN_SEED_DIR, or else to the "proven" folder of the system's
// temporary directory (not t.TempDir, which is removed with the test).
//
// # Contract
//
// The seed file format, its strict decoding and the Scenario's fields and
// limits belong to the seedfile package (Scenario is seedfile.Scenario).
// Report.SeedFile describes a run as a seed file expecting its outcome;
// Replay re-runs a file's run with its recorded fault plan and lists its
// differences from the file (the outcome, and the fingerprint when one is
// recorded). The run is a function of the file alone, so a replay with no
// difference reproduces the run event for event.
//
// # Invariants
//
// A Report's Scenario has every default filled in and its fault mode
// normalized. Run never panics on a bad scenario: it returns a failing
// report whose reason names the field.
//
// # What it does not do
//
// It does not shrink (cmd/proven does, with Replay) and it does not keep
// the corpus (corpus/ does).
//
// # How it is tested
//
// Run is compared with workloads.Run at the defaults; Replay is run on
// files written from real runs (and on edited ones, which must differ);
// Check is driven with a fake testing.TB and a failing run, and must fail
// with the seed file's path and the replay command. The dependency
// direction of the whole module (DESIGN.md's layers) is a table checked
// against `go list` here too (imports_test.go).
package proven
