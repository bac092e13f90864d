// Package coordinator runs transactions across streams: the coordinator's
// side of two-phase commit (DESIGN.md, "Two-phase commit: the rules"), as
// step machines, with the blocking client API as a thin driver over them.
//
// # Model
//
// A TxnMachine is one read-write transaction; a ReadMachine is one
// read-only transaction. Each takes one input at a time, with the local
// clock's time (now, nanoseconds) as an argument: a client call (Execute,
// AutoCommit, Commit, Abort; Read), a reply addressed to the coordinator
// (Step), the passing of time (Tick), or the client giving up (Cancel). It
// returns a Ready: the messages to send, in order, and the operations that
// ended (OperationResult, by the handle the call returned). A TxnMachine's
// Outcome holds its decision once there is one; Quiet reports that
// nothing is in flight, and WakeNanos when the next Tick is needed.
//
// A read-write transaction, with deadline D:
//
//   - Execute appends an EntryOperation to the stream's log (MsgAppend to
//     the log service; the stream's processor answers with
//     MsgOperationReply). The first reply from a stream makes it a
//     participant with a start position (the smallest position any reply
//     reported). A refusal ends the operation and leaves the transaction
//     usable; an abort code (aborted, deadline) means the processor already
//     aborted it: the transaction is decided aborted. Several operations
//     may be in flight at once; on one stream they are numbered in call
//     order, and the stream's processor runs them in that order whatever
//     order they reach its log in (the blocking driver sends one at a
//     time; speculation sends several).
//   - Commit: no participant, committed at once; one participant, one
//     EntryOnePhase, whose MsgOutcome decides (rule 7); otherwise
//     EntryPrepare with the participant list to every participant (rule
//     3), and once every one voted Prepared, EntryCommit at the largest
//     prepare timestamp (rule 4). Commit appends alone are acknowledged by
//     the log (MsgAppendReply), because rule 6 needs the acknowledgement's
//     timestamp: the first at or before D decides committed; when every
//     Commit landed after D, aborted; when some never answered,
//     indeterminate. A refused vote decides aborted.
//   - Abort and every decision to abort append EntryAbort to every stream
//     an operation was sent to. It is an optimization (participants abort
//     on their own when their logs pass D), so it waits at most two
//     retry intervals.
//   - An abort notice (a MsgOutcome with a zero request: a processor
//     aborted the transaction on its own) is kept and acted on at the
//     next Execute, Commit or Cancel.
//
// # Speculative execution
//
// A client may begin a transaction with a category and arguments
// (Coordinator.BeginCategory, BeginReadOnlyCategory): "transfer" from
// account a to account b of amount 5. With a Predictor in the Config,
// each such transaction teaches it the operations it issues, position by
// position, as templates (template.go): the operation's decoded value
// with every field equal to an argument replaced by a placeholder, the
// stream too. A position is confident when its most frequent template was
// issued by at least SeenMin transactions of the category and by at least
// the fraction RateMin of its recent ones (stricter for read-write
// transactions, whose mispredictions abort, than for read-only ones); a
// new transaction of the category is predicted the confident prefix of
// positions, instantiated with its arguments.
//
// Read-write (TxnMachine.Predict): the predicted operations are sent at
// begin, every stream in parallel, as ordinary operations numbered on
// their streams. They are log entries like any other: the processor runs
// them in log order under the engine's locks (and a transaction's in
// sequence order), so the execution is one that strict two-phase locking
// allows, and what the client sees is what it would have seen had it
// issued the same operations itself. The client's k-th operation on a
// stream takes the k-th prediction there when the bytes are equal (after
// the prediction's reply, at once if it came); operations beyond the
// predictions are sent as usual. That is the whole correctness argument,
// and its two edges are what the protocol guards:
//   - A client operation that differs from its prediction: the
//     prediction may have run, and an engine cannot undo one operation, so
//     the transaction aborts, with ReasonMispredicted (ErrMispredicted);
//     the client may retry it with Begin, without speculation.
//   - Predictions no client operation took, at Commit: the transaction
//     must not commit an operation its client never asked for. One whose
//     reply came ran, so Commit aborts (mispredicted) at once; for those
//     still in flight, Prepare (or the one-phase commit) carries the number
//     of operations used on each stream that had predictions
//     (Entry.Sequence), and the processor drops the later ones still
//     waiting or, if one ran, votes no (engines/processor). A stream the
//     client never used is left out of the commit (nothing of it is
//     observed, so dropping it is as if its operations never happened)
//     and gets an Abort, not awaited.
//
// Predictions no client operation took do not keep a machine from being
// Quiet: a client call waits only for its own operations.
//
// Prepared ahead (PredictorConfig.PrepareAhead, TxnMachine.PredictWhole):
// when the predictor has also learned where the category's transactions
// end (the most frequent number of operations at Commit, at read-write
// confidence) and the prediction is all of them, on two streams or more,
// the machine appends a Prepare to every stream right behind its
// predicted operations (Sequence: all of them used; as the participants'
// start positions, not known yet, lower bounds: each peer's log head as
// the coordinator's earlier replies showed it, MachineConfig.Heads, and
// 0 for the receiving stream, which marks the Prepare as appended
// ahead). The
// participants vote while the client takes the predictions' results, and
// Commit has only the Commit round left: one round trip fewer (3.1
// instead of 4.5 round trips at p50 for the order benchmark in the
// simulator). Votes are taken as they come; a refusal is kept as an abort
// notice. What it costs, and how each edge is guarded:
//   - The Prepares claim every prediction: an operation beyond them (on
//     any stream) and a Commit with a prediction untaken abort the
//     transaction (mispredicted), and the client may retry with Begin.
//   - A Prepare may reach its log before the operations it counts, or
//     find one waiting for a lock: the processor leaves it without effect
//     and answers engines.CodeEarly, and the machine sends it again under
//     a new request (the log drops a resend under the same request as a
//     duplicate) at Commit, or at once if Commit waits for it; a vote not
//     come by the first resend of Commit's round gets a new request too.
//   - A prepared transaction cannot be wounded, and this one is prepared
//     on a stream while its operations elsewhere may wait: two such could
//     wait for each other until the deadline. A processor where an older
//     transaction waits for one prepared ahead (its Prepare gave this
//     stream's start as 0) sends that one's coordinator an abort notice, and a
//     machine prepared ahead acts on a notice at once unless it is
//     committing. Should the notice be lost, each predicted operation of a
//     transaction prepared ahead waits at most two RetryIntervals for its
//     answer; then the transaction aborts (ReasonConflict), releasing its
//     locks. (Four clients contending for one key on three JetStream
//     streams, TestPreparedAheadUnderContention in jetstream/node: all 160
//     transactions committed in each run measured, in 2.8-2.9 s; with the
//     two-interval bound alone, half aborted and the run took 11 s.)
//
// Safety is unchanged: a Prepare is a vote the coordinator may still
// overrule with Abort until it appends a Commit, which it does only at
// Commit, once every prediction was taken and every participant voted.
//
// Read-only (ReadMachine.Predict): the predicted reads are sent at begin
// as snapshot reads at the snapshot, in parallel. A snapshot read's
// answer is a function of the operation and the snapshot (rule 8), so a
// client read takes any untaken prediction with the same stream and bytes,
// in any order, and a read that matches none is sent as usual: a read-only
// misprediction costs a wasted read, never a wrong one.
//
// Without a Predictor a category is only a label, and nothing differs
// from Begin: no message, no byte (simulator fingerprints are unchanged).
//
// A read-only transaction reads at one snapshot timestamp from each
// stream's processor (MsgSnapshotRead, never a log write; rule 8), so all
// its reads see one consistent cut. An ad-hoc operation is a TxnMachine
// whose single AutoCommit sends the operation in an EntryOnePhase.
//
// Every exchange resends its unanswered requests every RetryInterval,
// measured from the last send, and gives up at its patience: D plus four
// retry intervals for operations and the commit protocol (log timestamps
// come from other clocks, and an answer about an entry appended in time
// may come late), ReadTimeout for a snapshot read. Cancel means: before
// the decision, abort (ReasonCancelled); in a one-phase commit or an
// auto-commit, indeterminate; once Commit is being sent, nothing; during
// an abort the client asked for, stop it.
//
// Logs on several nodes: appends go to Config.Log, or with Config.LogOf
// to the log node holding each stream. Code fault sites (Config.Sites,
// asked at every use; nil: off), which a simulation turns on to reach
// rare paths: EarlyRetry resends every EarlyRetryInterval (2ms, shorter
// than a round trip) while patience stays as it is; ShortTimeouts gives
// every other transaction begun, and every snapshot read of an even
// request sequence, a timeout of 5, 10, 20 or 40ms in turn (never longer
// than the one asked for), so that deadlines pass mid-protocol.
//
// # Contract
//
// The host (the driver here, the real runtime later):
//   - sends Ready.Messages, in order, before the next input to the same
//     machine (the slices are reused from input to input);
//   - passes now from the coordinator's local clock, and calls Tick at or
//     after WakeNanos while the machine is not Quiet (after a Tick,
//     WakeNanos is later than its now);
//   - delivers each reply to the machine whose request it answers
//     (replies carry request ids; unsolicited abort notices carry the
//     transaction id), folds ReplyTimestamp into its HLC, and takes
//     transaction ids and snapshots from that HLC;
//   - calls Execute only before Commit or Abort and before the decision,
//     Commit and Abort only with no operation in flight (predictions no
//     operation took aside), AutoCommit and Predict only on a new machine.
//
// Machines share nothing but their *MachineConfig, which is read-only
// except its RequestSource: one goroutine drives one machine, and a host
// that runs machines on several goroutines gives each its own source (its
// own Origin: the log service deduplicates appends per origin) or a
// source safe for concurrent use, and shares its HLC under a lock. The
// driver keeps the HLC and routes abort notices; the machines never see
// either. Config.Timestamps and Config.Requests let a host give many
// Coordinators one clock and one request source.
//
// # Invariants
//
// Asserted at every state change (internal/assert; a violation panics,
// and the simulator turns it into a failing seed): a transaction is
// decided once, committed with no error and aborted or indeterminate with
// one; committed through the commit round only with a Commit acknowledged
// at or before D (the planted bug SuccessAfterDeadline switches this one
// off, so that the checkers must catch it); Commit is sent only after
// every participant voted; a round is never empty; a finished machine is
// decided; no operation is in flight once commit or abort began; after a
// Tick the machine is Quiet or wakes later; the client calls happen where
// the contract allows them. Tested rather than asserted: a transaction
// whose client operation differed from its prediction never commits, and
// Prepare claims exactly the operations the client used (the TxnMachine
// property).
//
// # The blocking driver
//
// Coordinator, Txn, ReadTxn and AdHoc are what clients use (typed clients
// wrap them as engines.Executor). Each call gives its input to the
// machine, then drives it until Quiet over the Host: it ticks it with
// Host.Now, waits with Host.Receive until WakeNanos, and steps it with
// every message, in the same order and at the same times as the
// exchange loop it replaced (simulator fingerprints did not change). A
// Coordinator serves one client at a time.
//
// # What it does not do
//
// No I/O, no goroutines, no clock reads in the machines. No recovery: a
// coordinator that crashes loses its transactions, and participants
// resolve them by termination (rule 5). No placement: Config.Processor
// says where a stream's processor runs.
//
// # Tests
//
// testdata/machine: datadriven scenarios of the machines alone, with no
// simulator (machine_test.go lists the commands), speculation's included.
// A rapid property runs random programs of several categories (whose
// predictions hold, fail, or go unused) on a simulated cluster with
// speculation off and on, and checks that every committed transaction saw
// what a serial run in commit-timestamp order shows, and every read-only
// one the commits at or before its snapshot. TestSpeculationCutsOrderLatency
// is the benefit in virtual time (BENCHMARKS.md). A rapid property drives
// a TxnMachine with random inputs in random order (replies lost,
// duplicated, late) and checks decisions against rule 4 and rule 6 and
// that every exchange ends. testdata/scenarios: 2PC corner cases on a
// simulated cluster with scripted faults, beside scripted coordinators
// that stop anywhere (coordinator crashes). atomicity_test.go: bank
// transfers under random faults, checked for atomicity and conservation.
package coordinator
