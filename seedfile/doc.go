// Package seedfile reads and writes seed files: one small JSON file that
// names one simulated run exactly, so that it can be replayed, shrunk and
// kept in the corpus.
//
// # What it models
//
// A File holds a run's seed, its Scenario (the workload and its
// parameters, every default filled in), the concrete fault plan of the run,
// the Outcome it is expected to have and the fingerprint observed. On disk
// it is one JSON object with a fixed key order:
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
// format is the format version (FormatVersion); every scenario parameter
// is written out (no default is left implicit); scenario.parameters,
// present only for a workload with parameters (a user's, e.g.
// {"Keys": 5, "Bug": "stale-reads"}), is the JSON object its value
// marshals to (workloads.Parameters), and it sits right after the
// workload's name; a file without it is read exactly as before, so the
// format version stays 1; faults.mode is the mode as
// asked and faults.plan the concrete families and intensities of the run
// (every family in a fixed mode; any subset in swarm); faults.sites,
// optional, lists the code fault sites on during the fault phase (e.g.
// ["deadline-stamp", "tiny-batch"]; see sim.Site) and faults.topology,
// optional, how the logs are spread ({"log_nodes": 3, "clock_skew": 0.42};
// see sim.Topology): a swarm run draws both, and a file without them (as
// every file written before they existed) means no site and one log
// node, so old files load and replay as they did; expect is the
// outcome (verdict ok, or fail with the failure kind, the first check that
// said illegal and its first anomaly); fingerprint, optional, is the
// fingerprint observed.
//
// # Contract
//
// Decoding is strict: an unknown or missing field, a key repeated in one
// object (encoding/json would keep the last), a leading UTF-8 byte-order
// mark, a value out of range,
// an unknown format version, workload or fault family, parameters the
// workload does not take (workloads.Decode: unknown fields, wrong types), a plan that a fixed
// mode could not have drawn, or anything after the object is an error
// naming the file and the field (*Error, errors.Is ErrBadFile), never a
// panic. Error messages keep the "proven:" prefix of the tool that prints
// them.
//
// Running a file is the proven package's job (proven.Replay runs it
// imposing its recorded plan, never drawing one from the mode); this
// package compares a run with its file (File.Differences): the outcome
// must equal Expect, and the fingerprint
// the recorded one when there is one. Two failures are the same when
// their Outcomes are equal; that is what the shrinker (proven shrink)
// keeps while it reduces a run.
//
// # Invariants
//
// A saved file always loads back (Save parses what it writes), and
// Marshal after Parse gives an equal file. Plan.FaultPhase equals
// Scenario.FaultPhase. A Scenario that Resolve accepts has every default
// filled in and its fault mode normalized.
//
// # What it does not do
//
// It does not run anything: it imports the workloads package only for
// the registry (a file names its workload, which must be registered in
// the binary that reads it: Proven's own always are, a user's in the
// user's test binary) and the defaults. It does not shrink (cmd/proven
// does) and does not keep the corpus (corpus/ does).
//
// # How it is tested
//
// testdata/seedfiles.txt shows accepted and rejected seed files with the
// error each rejection names; a rapid property round-trips random valid
// files; a fuzz test feeds arbitrary bytes to Parse. Replays of real runs
// are tested in the proven package, cmd/proven and corpus/.
package seedfile
