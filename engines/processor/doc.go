// Package processor applies one stream's log to one engine: the ordered
// apply loop of DESIGN.md, with wound-wait, deferral, two-phase commit on
// the participant's side, termination, snapshot reads and recovery.
//
// # Model
//
// A Processor is a step machine. Its host (the simulator adapter in
// cluster, or the embedded runtime) feeds it the stream's entries
// as the log service pushes them (MsgEntries), snapshot reads from
// coordinators (MsgSnapshotRead), log reads it asked for (MsgReadLogReply),
// and periodic Ticks; after each step the host sends Ready.Messages and may
// store Ready.Checkpoint. Ready.Messages reuses one array from step to step
// (no allocation per step), so it is valid only until the next call.
//
// For each entry, with log timestamp t, the processor: (1) aborts active
// transactions whose deadline is before t and starts termination for
// prepared ones; (2) retries deferred operations that became runnable; (3)
// applies the entry; (4) retries deferred operations again; (5) records the
// position, and serves snapshot reads the new time allows.
//
// Its own stream's log and its peers' may live on different log nodes:
// Config.LogOf names each stream's (nil: Config.Log holds them all), so
// the subscription and resolve appends go to its own stream's node and
// termination reads to each peer's. Config.Sites switches its code fault
// site (nil: off): TinyBatches asks termination reads for one entry each.
// A gap in the pushed entries asks the log again once per position until
// the next Tick (asking at every gap, with small batches under
// reordering, made each catch-up re-push everything: a storm).
//
// # Contract
//
//   - Operations: applied through the engine. A Blocked outcome triggers
//     wound-wait: every blocker younger than the requester and not prepared
//     is aborted ("wounded") and the operation is tried again; otherwise it
//     is deferred until its blockers prepare or finish (as the engine asks),
//     and retried oldest transaction first. Duplicate appends of an
//     operation (same sequence) are answered again, never applied twice.
//   - Operations in flight: a coordinator may send several operations of
//     one transaction to one stream before any is answered (speculative
//     execution sends a whole predicted sequence at begin). They are
//     numbered per stream (Entry.Sequence, from 1) and run in that order
//     whatever order their entries reached the log in: an operation whose
//     predecessor has not run yet, or waits, is queued (kept with the
//     deferred operations, answered when it has run) until its turn.
//     Being log entries like any other, they run in log order under the
//     engine's locks, so speculation cannot make an execution that
//     strict two-phase locking would not.
//   - Discarding predictions: a Prepare or one-phase commit entry whose
//     Sequence is set says the coordinator used the operations 1 to
//     Sequence on this stream. Later ones it predicted and never used:
//     those still waiting are dropped unanswered (a blocked one had no
//     effect on data; the locks it took stay until the transaction ends),
//     and if one of them ran, the transaction aborts with a reason
//     starting "mispredicted" (engines cannot undo one operation, and
//     committing it would commit an operation no client asked for). A
//     coordinator that did not speculate leaves Sequence zero.
//   - Prepared early: a Prepare whose Sequence is set but whose operations
//     1 to Sequence have not all run here (none arrived, fewer started,
//     or one waits, blocked or queued) has no effect; its vote is
//     engines.CodeEarly. A coordinator that prepares ahead (coordinator:
//     PredictWhole) appends it right behind its predicted operations, so
//     it may overtake them or find one waiting for a lock; the
//     coordinator sends it again under a new request.
//   - Prepared ahead (the Prepare gives this stream's start position as
//     0; peers' are lower bounds): such a
//     transaction may still wait on another stream, so an older
//     transaction it blocks, which cannot wound a prepared one, sends its
//     coordinator an abort notice instead; the coordinator, not yet
//     committing, aborts it.
//   - Prepare (rule 3): the vote carries a prepare timestamp no smaller than
//     the entry's own and greater than every commit timestamp applied.
//     Snapshots need no bookkeeping: a read at T is served only once the
//     log reached T, so every later prepare is above T.
//   - Commit (rule 4): applied when at or before the deadline; a Commit
//     entry after the deadline is ignored. One-phase entries (rule 7)
//     prepare and commit at once. Commits are DECIDED out of timestamp
//     order (a transaction prepared at P may be decided at C < Q after
//     another was decided at Q), but APPLIED to the engine in strictly
//     increasing timestamp order: a decided commit waits until no undecided
//     prepared transaction could still commit below it. Nothing observes
//     the wait: snapshot reads at or above P block on the prepared one.
//   - Termination (rule 5): a prepared transaction whose deadline the log
//     passed reads every peer participant's log from its start position to
//     the deadline, once that peer has passed it. Commit found: commit at
//     its timestamp; none: abort. The outcome is appended to this stream as
//     an EntryResolve and takes effect when applied, so the state remains a
//     function of the log: replay, and any second copy of this processor,
//     apply it at the same point. Two copies cannot decide differently, as
//     both read the same immutable log prefixes up to the deadline.
//   - Snapshot reads (rule 8): served once entries up to the snapshot are
//     applied, and after every prepared transaction they would need has
//     finished.
//   - Garbage collection (gc.go): every CollectEvery positions the
//     processor raises the engine's watermark (engines.Collector) to the
//     log's time minus VersionRetention, held strictly below every
//     prepared transaction and pending commit and at or below every
//     deferred operation, so no commit and no operation ever needs a
//     collected version; a snapshot read below it is refused with
//     engines.CodeTooOld. The watermark is a function of the log prefix,
//     so a replay collects at the same points.
//   - Log pins (pins.go): LogPins reports the start positions the
//     transactions it remembers may still make a termination read, on
//     its own stream and on its peers', for a host that removes old log
//     segments.
//   - Recovery: Recover restores a checkpoint; Start subscribes from the
//     next position, and replaying the rest of the log reaches the same
//     state as an uninterrupted run (tests compare checkpoints byte for
//     byte). Replies carry request ids, so the duplicates replay sends are
//     harmless. With Config.DeltasPerCheckpoint and an engine that writes
//     deltas, checkpoints form chains (a full one, then deltas of what
//     changed; delta.go) that RecoverChain restores to the same state.
//     A full checkpoint comes frozen (Ready.Checkpoint, a
//     FrozenCheckpoint: checkpoint.go): Checkpoint's bytes, the engine's
//     stored data copy-on-write and encoded as the host writes it, so a
//     host writing it to a file holds no copy of the state.
//
// Broken protocol invariants (a Commit at or before the deadline for a
// transaction that is not prepared, commit timestamps going backwards) are
// programmer errors and panic with the invariant's name: the simulator
// reports them with the seed.
//
// # What it does not do
//
// It does no I/O, keeps no timers (the host calls Tick), and never reads a
// clock: the log's timestamps are its only time.
package processor
