// Package proven is the facade of the deterministic-simulation harness:
// run a scenario's seeds, check them in a test, and write, read and replay
// the seed files that reproduce a failure.
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
// # Seed files
//
// A seed file is JSON, one object with a fixed key order:
//
//	{
//	  "format": 1,
//	  "seed": 17,
//	  "description": "bank with faults swarm: fail (invariant in conservation)",
//	  "scenario": {"workload": "bank", "clients": 4, "operations": 20, "fault_phase": "4s"},
//	  "faults": {"mode": "swarm", "plan": [{"family": "crash", "intensity": 0.83}]},
//	  "expect": {"verdict": "fail", "failure": "invariant", "checker": "conservation", "anomaly": "..."},
//	  "fingerprint": "2de91b2dc1383c74"
//	}
//
// format is the format version (SeedFileFormat); every scenario parameter
// is written out (no default is left implicit); faults.mode is the mode as
// asked and faults.plan the concrete families and intensities it drew for
// this seed (every family in a fixed mode; any subset in swarm); expect is
// the outcome (verdict ok, or fail with the failure kind, the first check
// that said illegal and its first anomaly); fingerprint, optional, is the
// fingerprint observed. Decoding is strict: an unknown or missing field, a
// value out of range, an unknown format version, workload or fault family,
// a plan that a fixed mode could not have drawn, or anything after the
// object is an error naming the file and the field (*SeedFileError,
// errors.Is ErrBadSeedFile), never a panic.
//
// # Contract
//
// Replay re-runs a file's run and lists its differences from the file: the
// outcome, the plan (the plan is drawn again from the seed and the mode and
// must equal the recorded one, or the file no longer describes its run),
// and the fingerprint when one is recorded. The run is a function of the
// file alone, so a replay with no difference reproduces the run event for
// event. Two failures are the same when their Outcomes are equal; that is
// what the shrinker (proven shrink) keeps while it reduces a run.
//
// # Invariants
//
// A saved seed file always loads back (SaveSeedFile parses what it
// writes), and Marshal after ParseSeedFile gives an equal file. A Report's
// Scenario has every default filled in and its fault mode normalized.
//
// # What it does not do
//
// It does not shrink (cmd/proven does, with Run) and it does not keep the
// corpus (corpus/ does). The recorded plan is checked, not imposed: the
// workloads draw the plan from the seed, so the mode and the seed decide
// it. The counter demo has no seed files.
//
// # How it is tested
//
// Scenario files in testdata/ show accepted and rejected seed files with
// the error each rejection names; a rapid property round-trips random
// valid files; a fuzz test feeds arbitrary bytes to ParseSeedFile; Replay
// is run on files written from real runs (and on edited ones, which must
// differ); Check is driven with a fake testing.TB and a failing run, and
// must fail with the seed file's path and the replay command.
package proven
