// Package liverun runs a workload against the real runtime: the same
// workloads as the simulator (Proven's and yours, any that declares a
// cluster), with real goroutines, the wall clock and a durable store on
// disk, checked by the same checkers. `proven live` is its command line.
//
// # What it models
//
// Run declares the workload (workloads.Declare: Build runs as in the
// simulator, and Builder.Cluster records the streams), opens a store in
// an empty directory with those streams (live.Open), and drives the
// phases the simulator's harness does, without faults:
//
//   - the setup, retried until it succeeds (20 attempts at most);
//   - Clients goroutines, each repeating the workload's operation with a
//     random pause of up to PauseMax, until Duration passes;
//   - a quiet period: until every processor holds nothing (each
//     transaction committed, aborted or past its deadline and resolved),
//     15s at most; then the final operations;
//   - the checks: the store is closed and each stream's log read back
//     from its files (live.ReadLogs), which decides every transaction's
//     fate and settles indeterminate outcomes; then the workload's own
//     checks, atomicity (from the logs on disk), liveness (every
//     processor idle after the quiet period) and unique requests.
//
// Workload code runs under one lock, the baton, as in the simulator,
// where one process runs at a time: a client holds it while its
// operation's code runs and lets go while it waits (in a call of the
// store's transactions, or a sleep). So the state a workload's clients
// share in Build's closures needs no locking, exactly as in the
// simulator, while the transactions themselves run concurrently: waiting
// is where their time goes. Each history event is recorded after what it
// reports (an invocation before the operation's first call into the
// store, a completion after its last), stamped with the time since the
// run began, so the history's order is consistent with real time.
//
// # What it does not do
//
// Real concurrency is not deterministic: a run has no fingerprint and no
// seed replay (Seed only seeds what the clients choose), and a failure
// found here is reproduced by running again, or better, by finding it in
// the simulator. There is no fault injection (the crash tests of package
// live kill real processes) and no calm phase, so no progress check. The
// store keeps every log whole during a run (no checkpoint), so the
// atomicity check can replay each from its first entry; memory grows with
// the run's length. The checks are the simulator's, sized for its
// runs: on a queue run of more than a few seconds (thousands of operations
// over a long backlog) the linearizability search reaches its memory bound
// and says unknown, so queue runs must stay short to get a verdict.
//
// # Tests
//
// Short runs of bank and list-append (and every built-in workload, for a
// second each) must end with every check ok; a tampered log or history
// must be caught; bad options are refused before anything runs.
package liverun
