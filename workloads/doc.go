// Package workloads runs Jepsen-style workloads against a simulated
// cluster and checks what happened.
//
// # What it models
//
// Run builds a simulated cluster (a log node, two engine nodes, two client
// nodes), sets up the workload's initial state before any fault, starts a
// fault plan drawn from the seed, and runs client processes that record
// every operation into one shared checkers.History (global virtual time).
// After the clients finish and the faults heal, a quiet period lets every
// deadline pass and termination resolve every in-doubt transaction; then
// the observer runs the workload's final reads and captures every stream's
// log and every processor's status.
//
// Workloads (one file each): bank (transfers over two Resource streams and
// a KV stream, cross-stream ones as a debit and a credit in one
// transaction; read-only reads of every balance), register (ad-hoc reads,
// writes of unique values and compare-and-set transactions per KV key),
// list-append (Elle's model: transactions of one to four appends and reads
// over KV lists on three streams), queue (enqueues of unique values and
// dequeues over named queues on two streams), and mixed, the default (an
// order writes KV, enqueues and pays with a Resource transfer in one
// transaction; fulfilments dequeue and update KV; read-only reads verify).
//
// # Contract
//
// Each read-write transaction is one operation: ok when Commit returned
// nil, fail when it certainly did not commit (an error before Commit, or
// an abort), info when Commit's outcome is unknown; a process whose
// operation ended in info never invokes again, and the client continues
// under a fresh process id. Reads are ok or fail (they change nothing).
//
// Checks, in order: the workload's history checks (its check list is the
// seam where the checkers package's checkers plug in), then atomicity and
// liveness. A run fails when the world failed or any check said illegal;
// unknown is reported and is not a failure.
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
// # What it does not do
//
// It does not shrink failures or write seed files, and it checks
// serializability only as far as the checks plugged in do: conservation
// and the list-prefix check are local stand-ins until the checkers package
// offers conservation and list-append checkers.
//
// # How it is tested
//
// Every workload runs over seeds with swarm faults and must pass, twice
// with equal fingerprints. Tampered histories (an outcome flipped, a
// balance or a read changed) must be caught by the check responsible.
package workloads
