// Package workloads runs Jepsen-style workloads, Proven's and yours,
// against a simulated system and checks what happened.
//
// # What it models
//
// A Workload names itself and, in Build, declares one run on a Builder:
//   - the system: Builder.Cluster, a simulated cluster of Proven's
//     engines (the streams and their engines), or Builder.World, a plain
//     world where the workload adds nodes of its own;
//   - an optional fault-free Setup, the Operation each client repeats,
//     an optional Final run after healing, and the Checks of the history:
//     the checkers package's, or any function from history to verdict.
//
// Run drives every workload through the same phases: Build; a setup
// process makes the initial state before any fault (retried up to 20
// times), then starts the fault plan drawn from the seed (or
// Options.Plan) and the clients; each client runs its operation
// Operations times, recording into one shared checkers.History. On a
// cluster a calm phase follows: once the clients finished, the faults
// healed and nothing is in flight (every processor holds nothing; at
// most a quiet period later), each client runs Operations/10 more (at
// least one), with no fault and with at least CalmTimeout per
// transaction. Then a quiet period lets every deadline pass, the
// observer runs the final operations, and the checks run. On a cluster
// the stream logs are read back too: they settle indeterminate outcomes
// and decide atomicity, each stream's request ids are checked unique,
// the processors' state decides liveness, and the calm phase decides
// progress; these checks end the report.
//
// Clients see their environment only through the Client interface (the
// local clock, Sleep, a PRNG stream, Transactions to begin transactions,
// Record to write the history), so the operations of a workload are not
// tied to the simulator: a goroutine with real time can implement Client
// too. Workloads on a world of their own reach their nodes through
// Process(client), and so run only in the simulator. Invoke and Pending,
// Transact and Read record operations in the Jepsen shape.
//
// The registry names workloads for seed files and the proven command:
// Proven's eleven (BuiltinNames: bank, register, list-append, queue,
// mixed, sql-bank, sql-list-append, stream, queue-order, tokens,
// sql-predicates; see the README) are registered at init through the
// same interface as any other, and Register adds yours.
// A workload's value is its parameters: Parameters gives the JSON object
// its exported fields marshal to, and Decode fills a seed file's
// parameters into a zero value of the registered type (so a value is
// exactly its exported fields).
//
// # Contract
//
// Build runs once per run, before anything is spawned; state shared by a
// run's clients lives in its closures. Build declares exactly one system
// (Cluster or World, once) and an Operation; a Build that does not, or
// panics, or a name that is not registered, gives a failing report that
// names the mistake, never a panic. Names are 1 to 64 letters, digits,
// '.', '_' or '-', constant for a type; Register refuses a second Go
// type under a registered name.
//
// History recording (Transact): each read-write transaction is one
// operation: ok when Commit returned nil, fail when it certainly did not
// commit (an error before Commit, or an abort), info when Commit's
// outcome is unknown; a client whose operation ended in info continues as
// a fresh process. Reads are ok or fail (they change nothing); ReadOnly
// records a read-only transaction with its snapshot. Every fail and info
// says why in Event.Error (AbortReason: wounded, deadline, conflict,
// refused, client, indeterminate).
//
// Checks, in order: the workload's, then (on a cluster) atomicity,
// liveness, unique-requests and progress. A run fails when the world failed or any check said illegal;
// unknown is reported and is not a failure. Committed, Aborted and
// Indeterminate count the completions of operations that carry a
// transaction id.
//
// Atomicity is decided from the logs, as DESIGN.md's rules define it: a
// two-phase transaction committed iff some participant's log holds a
// Commit at a timestamp <= its deadline; each participant's own log must
// agree (such a Commit, or a Resolve recording commit; otherwise abort),
// at one commit timestamp. Whether a one-phase entry committed depends on
// the engine (a wound or a waiting operation aborts it), so each stream's
// log is replayed through a fresh processor, whose state is a function of
// the log. Client outcomes must agree: ok implies committed, fail implies
// not. Then info outcomes are settled: not committed becomes fail;
// committed stays info (with its commit timestamp), because a delayed
// Commit append may make its effects visible after the client gave up, so
// the completion time is no bound.
//
// Liveness: after the quiet period every processor runs and has no active,
// prepared, pending-commit or deferred transaction, and holds no lock or
// reservation.
//
// Unique requests: no request id appears twice in one stream's log
// (checkers.CheckUniqueRequests): a resent append must be answered, not
// appended again, and a processor's replies make a duplicate harmless,
// so no other check would see one.
//
// Progress (checkers.CheckProgress): in the calm phase every transaction
// commits or fails for a cause the history justifies; in particular none
// waits half of CalmTimeout for its deadline while nothing it overlapped
// ran as long (a lost wake-up), and no outcome stays unknown. A calm phase
// that had to begin with something still in flight (a quiet period after
// healing did not settle it) proves nothing: progress is then unknown.
//
// # Invariants
//
// A run is a function of the workload's value and the Options (the
// corpus's fingerprints pin the built-in workloads' runs). The registry is
// safe for concurrent use (parallel tests register).
//
// # What it does not do
//
// It does not shrink failures or write seed files (the proven package
// does). It runs nothing outside the simulator yet: the live runner of
// DESIGN.md implements Client on goroutines later. A workload on a world
// of its own gets no atomicity or liveness check: it knows its own truth,
// and says it in its checks.
//
// # How it is tested
//
// Every built-in workload runs over seeds with swarm faults and must
// pass, twice with equal fingerprints. Tampered histories (an outcome
// flipped, a balance or a read changed, a stream table's final log
// reordered, a snapshot that is no prefix, an audit with rows never
// inserted, an unknown outcome in the calm phase) and tampered logs (an
// entry appended twice) must be caught by the check responsible; the
// stream-tables check is also shown each anomaly it names on a small
// hand-built history; every client runs calm operations after the heal,
// and failed transactions record their reasons. The planted bugs of
// internal/bugs show the new checks catching real defects. A workload
// written as a user would (a register server on a
// world of its own) runs through the harness under faults, with its
// phases in order and its own check; each Build mistake is a failing
// report; parameters round-trip through the registry; the registry lists
// the built-in workloads (and cmd/proven shows the CLI runs any
// registered one).
package workloads
