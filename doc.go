// Package proven is the facade of the deterministic-simulation harness:
// run a scenario's seeds, check them in a test, and replay and shrink the
// seed files that reproduce a run, for Proven's workloads and yours alike.
//
// # What it models
//
// A Scenario names a workload (any workloads.Workload: one of yours, or
// a registered one by name, workloads.Named("bank")) and its parameters:
// the fault mode, the clients, the operations per client and the length
// of the fault phase. Zero fields take the defaults: the mixed workload,
// swarm faults (as the proven command; Faults "none" turns them off), 4
// clients, 100 operations each, an 8s fault phase. A seed names one
// whole run of it. Run runs one seed
// and returns a Report; Check runs a SeedRange inside a test:
//
//	func TestMyKV(t *testing.T) {
//		proven.Check(t, proven.Scenario{Workload: mykv.Workload{}, Faults: "swarm"}, proven.Seeds(1, 500))
//	}
//
// Each seed is a subtest named "seed=N" (go test -run 'TestMyKV/seed=17'
// runs one). At the first failing seed Check writes a seed file and fails
// with its path and the commands that replay and shrink it. Seed files go
// to the folder named by PROVEN_SEED_DIR, or else to the "proven" folder
// of the system's temporary directory (not t.TempDir, which is removed
// with the test).
//
// The go test flags -proven.seeds (a count or a range A..B) and
// -proven.faults widen a campaign without editing code; -proven.replay=FILE
// and -proven.shrink=FILE make Check replay or shrink a seed file of its
// workload instead; each has an environment variable (PROVEN_SEEDS,
// PROVEN_FAULTS, PROVEN_REPLAY, PROVEN_SHRINK) for when flags are
// awkward. Replay and Shrink do the same from any test, and Fuzz lets
// go test -fuzz explore seeds and fault plans (FaultPlanFromBytes).
//
// # Contract
//
// The seed file format, its strict decoding and the Scenario's fields and
// limits belong to the seedfile package (Scenario is seedfile.Scenario).
// A seed file names its workload: reading it back needs the workload
// registered in the running binary (workloads.Register; Check and Fuzz
// register theirs). Proven's own workloads are registered everywhere, so
// the proven command replays their files; a workload of yours replays
// and shrinks from your own test binary, through go test.
//
// Report.SeedFile describes a run as a seed file expecting its outcome;
// ReplayFile re-runs a file's run imposing its recorded fault plan (the
// plan is never drawn again from the file's fault mode) and lists
// its differences from the file (the outcome, and the fingerprint when
// one is recorded). The run is a function of the file alone, so a replay
// with no difference reproduces the run event for event. ShrinkFile
// reduces a failing file's run while its Outcome stays the same.
//
// # Invariants
//
// A Report's Scenario has every default filled in and its fault mode
// normalized. Run never panics on a bad scenario: it returns a failing
// report whose reason names the field. Check, Replay, Shrink and Fuzz
// are safe in parallel tests: they share only the registry (locked) and
// the flags (read only).
//
// # What it does not do
//
// It does not keep the corpus (corpus/ does). Shrinking keeps a
// workload's own parameters as they are.
//
// # How it is tested
//
// Run is compared with workloads.Run at the defaults; ReplayFile is run on
// files written from real runs (and on edited ones, which must differ);
// the shrinker is driven by a fake run with a known minimal failure. The
// go test conventions are tested end to end: this test binary runs itself
// as a child on fixture tests (a Check over a small workload of a user's
// that fails at one seed, and its Fuzz), and the parent reads what the
// child printed and wrote: the seed subtests that ran, the failure
// message, the seed file with its parameters, one seed alone, the flags
// and their environment variables, replay and shrink through go test.
// The dependency direction of the whole module (DESIGN.md's layers) is a
// table checked against `go list` here too (imports_test.go).
package proven
