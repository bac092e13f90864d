package processor

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
)

// apply runs the per-entry pipeline of DESIGN.md for one log entry:
// (1) expire transactions whose deadline the log has passed, (2) retry
// deferred operations, (3) apply the entry, (4) retry again, (5) record
// the position (and serve snapshot reads the new time allows).
func (p *Processor) apply(logEntry wire.LogEntry) {
	if !p.appliedTimestamp.Less(logEntry.Timestamp) {
		assert.Broken("processor: stream %s entry %d timestamp %v not after %v", p.config.Stream, logEntry.Position,
			logEntry.Timestamp, p.appliedTimestamp)
	}
	now := logEntry.Timestamp
	p.now = now
	p.expire(now)
	p.retryDeferred()
	entry, err := wire.DecodeEntry(logEntry.Payload)
	if err == nil {
		p.applyEntry(entry, logEntry.Position, now)
	}
	// An undecodable payload is skipped: the log accepts any bytes, and a
	// corrupt append must not stop the stream. It changes no state.
	p.retryDeferred()
	p.appliedPosition = logEntry.Position
	p.appliedTimestamp = now
	if logEntry.Position%uint64(p.config.CollectEvery) == 0 {
		p.collect()
	}
	p.serveReads()
}

// after reports whether log timestamp now is after the deadline.
func after(now clock.Timestamp, deadlineNanos int64) bool { return now.WallNanos > deadlineNanos }

// expire aborts active transactions whose deadline has passed (rule 2),
// starts termination for prepared ones (rule 5), and forgets finished ones
// (every later entry of theirs is after the deadline, refused or ignored
// without their record). It scans only when the earliest pending deadline
// has passed.
func (p *Processor) expire(now clock.Timestamp) {
	for {
		t, ok := p.nextExpired(now.WallNanos)
		if !ok {
			return
		}
		switch {
		case t.status == txnActive:
			p.abortAndNotify(t, engines.CodeDeadline, "deadline passed before prepare")
			delete(p.txns, t.id)
		case t.status == txnPrepared:
			p.startTermination(t)
		case t.status == txnCommitted && !t.applied:
			t.expired = true // forgotten once the engine applies it
		default:
			delete(p.txns, t.id)
		}
	}
}

func (p *Processor) applyEntry(entry wire.Entry, position uint64, now clock.Timestamp) {
	switch entry.Kind {
	case wire.EntryTick:
	case wire.EntryOperation:
		p.applyOperation(entry, position, now)
	case wire.EntryPrepare:
		p.applyPrepare(entry, now)
	case wire.EntryCommit:
		p.applyCommit(entry, now)
	case wire.EntryAbort:
		p.applyAbort(entry)
	case wire.EntryOnePhase:
		p.applyOnePhase(entry, position, now)
	case wire.EntryResolve:
		p.applyResolve(entry)
	}
}

// applyOperation applies an operation of a read-write transaction, or of
// an ad-hoc one-phase transaction (entry.Kind == EntryOnePhase).
func (p *Processor) applyOperation(entry wire.Entry, position uint64, now clock.Timestamp) {
	if entry.Txn.IsZero() {
		// Engines take this for granted (engines.Engine.Apply).
		p.replyOperationRefused(entry, position, now, engines.CodeInvalid, "operation of the zero transaction id")
		return
	}
	t := p.txns[entry.Txn]
	if after(now, entry.DeadlineNanos) {
		if t != nil && t.status == txnActive {
			p.abort(t, engines.CodeDeadline, "deadline passed")
		}
		p.replyOperationRefused(entry, position, now, engines.CodeDeadline, "operation after the transaction's deadline")
		return
	}
	if t == nil {
		t = p.txnRecords.next()
		*t = txnState{id: entry.Txn, status: txnActive, deadlineNanos: entry.DeadlineNanos,
			replyTo: entry.ReplyTo, startPosition: position}
		p.txns[entry.Txn] = t
		p.watchDeadline(t)
	}
	switch {
	case t.status == txnAborted:
		p.replyOperationRefused(entry, position, now, t.abortCode(), t.abortReason())
		return
	case t.status != txnActive:
		p.replyOperationRefused(entry, position, now, engines.CodeInvalid,
			fmt.Sprintf("operation on a %s transaction", t.status))
		return
	case entry.Sequence != 0 && (entry.Sequence <= t.lastSequence || p.isDeferred(t.id, entry.Sequence)):
		if entry.Sequence == t.lastSequence && t.hasLastReply {
			p.send(t.replyTo, t.lastReply.message(t.id, p.config.Stream))
		}
		return // a duplicate: answered, or deferred and answered later
	case entry.Sequence == 0 && p.hasDeferred(t.id):
		p.replyOperationRefused(entry, position, now, engines.CodeInvalid,
			"unnumbered operation while an earlier operation of the transaction is still waiting")
		return
	case entry.Sequence > t.lastSequence+1 || p.hasDeferred(t.id):
		// An earlier operation of the transaction has not run (its entry
		// is later in the log) or waits: this one waits for its turn.
		p.deferOperation(&deferredOperation{entry: entry, position: position, stamp: now})
		return
	}
	p.start(t, entry)
	p.run(deferredOperation{entry: entry, position: position, stamp: now})
}

// start records that the transaction's operation of entry.Sequence runs:
// its retries are duplicates from now on, and replies go where it asks.
func (p *Processor) start(t *txnState, entry wire.Entry) {
	t.lastSequence = entry.Sequence
	t.replyTo = entry.ReplyTo
}

// run applies an operation and handles its outcome: reply, or wound-wait
// and deferral. The operation comes by value: only a deferred one is
// moved to the heap.
func (p *Processor) run(op deferredOperation) {
	t := p.txns[op.entry.Txn]
	for {
		outcome := p.engine.Apply(op.entry.Txn, op.entry.Operation, op.stamp)
		if outcome.Status != engines.StatusBlocked {
			p.complete(t, &op, outcome)
			return
		}
		if !p.wound(t, outcome.Blockers) {
			deferred := op
			deferred.blockers = outcome.Blockers
			deferred.waitFor = outcome.WaitFor
			p.deferOperation(&deferred)
			return
		}
		// Some blockers were wounded; try again (each pass wounds at
		// least one transaction, so this ends).
	}
}

// wound applies wound-wait: every blocker younger than the requester that
// has not prepared is aborted. It reports whether any was.
func (p *Processor) wound(requester *txnState, blockers []engines.TxnID) bool {
	wounded := false
	for _, id := range blockers {
		blocker := p.txns[id]
		assert.That(blocker != nil, "processor: engine on %s blocked %v on unknown transaction %v", p.config.Stream, requester.id, id)
		assert.That(id != requester.id, "processor: engine on %s blocked %v on itself", p.config.Stream, id)
		switch {
		case !requester.id.Less(id):
		case blocker.status == txnActive:
			p.abortAndNotify(blocker, engines.CodeAborted, fmt.Sprintf("wounded by older transaction %v", requester.id))
			wounded = true
		case blocker.status == txnPrepared && p.preparedAhead(blocker):
			// A vote cannot be taken back, but its coordinator may still
			// abort: ask it to (an abort notice).
			p.send(blocker.replyTo, wire.MsgOutcome{Txn: id, Stream: p.config.Stream, Code: engines.CodeAborted,
				Reason: fmt.Sprintf("wounded by older transaction %v while prepared ahead", requester.id)})
		}
	}
	return wounded
}

// preparedAhead reports whether a prepared transaction was prepared by a
// Prepare its coordinator appended right behind its predicted operations
// (coordinator: PredictWhole), before it knew where they landed: the
// start position it gives this stream is 0 (any other Prepare gives
// every participant's, at least 1). Such a transaction may still wait for
// a lock on another stream, so an older transaction it blocks asks its
// coordinator to abort it (wound-wait, with the coordinator deciding).
func (p *Processor) preparedAhead(t *txnState) bool {
	for _, participant := range t.participants() {
		if participant.Stream == p.config.Stream {
			return participant.StartPosition == 0
		}
	}
	return false
}

// complete replies to a finished operation; a one-phase transaction is
// committed (done) or aborted (failed) at once.
func (p *Processor) complete(t *txnState, op *deferredOperation, outcome engines.Outcome) {
	reply := wire.MsgOperationReply{Request: op.entry.Request, Txn: t.id, Stream: p.config.Stream,
		Status: outcome.Status, Result: outcome.Result, Position: op.position, Timestamp: op.stamp}
	if outcome.Status == engines.StatusFailed {
		refusal := engines.AsRefusal(outcome.Err)
		reply.Code, reply.Error = refusal.Code, refusal.Message
	}
	if op.entry.Kind == wire.EntryOnePhase {
		if outcome.Status == engines.StatusDone {
			reply.Timestamp = p.commitOnePhase(t)
		} else {
			p.abort(t, reply.Code, reply.Error)
		}
	}
	t.lastReply, t.hasLastReply = newOperationReply(reply), true
	p.send(t.replyTo, reply)
}

func (p *Processor) replyOperationRefused(entry wire.Entry, position uint64, now clock.Timestamp,
	code engines.ErrorCode, reason string) {
	p.send(entry.ReplyTo, wire.MsgOperationReply{Request: entry.Request, Txn: entry.Txn, Stream: p.config.Stream,
		Status: engines.StatusFailed, Code: code, Error: reason, Position: position, Timestamp: now})
}

// applyPrepare votes (rule 3): prepared with a prepare timestamp no smaller
// than the entry's own and greater than every commit timestamp applied
// (and so, by rule 8, than every snapshot served).
func (p *Processor) applyPrepare(entry wire.Entry, now clock.Timestamp) {
	t := p.txns[entry.Txn]
	vote := wire.MsgVote{Request: entry.Request, Txn: entry.Txn, Stream: p.config.Stream}
	if p.preparedEarly(t, entry, now) {
		vote.Code, vote.Reason = engines.CodeEarly, "prepare before the operations it counts ran here"
		p.send(entry.ReplyTo, vote)
		return
	}
	p.keepUsed(t, entry, now)
	switch {
	case t != nil && (t.status == txnPrepared || t.status == txnCommitted):
		vote.Prepared, vote.PrepareTimestamp = true, t.prepareTimestamp // a retried prepare
	case t != nil && t.status == txnAborted:
		vote.Code, vote.Reason = t.abortCode(), t.abortReason()
	case after(now, entry.DeadlineNanos):
		if t != nil {
			p.abort(t, engines.CodeDeadline, "prepare after the deadline")
		}
		vote.Code, vote.Reason = engines.CodeDeadline, "prepare after the deadline"
	case t == nil:
		vote.Code, vote.Reason = engines.CodeAborted, "no operation of this transaction reached this stream"
	case p.hasDeferred(t.id):
		p.abort(t, engines.CodeInvalid, "prepare while an operation is still waiting")
		vote.Code, vote.Reason = t.abortCode(), t.abortReason()
	default:
		prepareTimestamp := p.prepareTimestamp(now)
		if err := p.engine.Prepare(t.id, prepareTimestamp); err != nil {
			refusal := engines.AsRefusal(err)
			p.abort(t, refusal.Code, refusal.Message)
			vote.Code, vote.Reason = t.abortCode(), t.abortReason()
			break
		}
		t.status = txnPrepared
		p.preparedSet[t.id] = t
		t.prepareTimestamp = prepareTimestamp
		extras := t.extrasForUpdate()
		extras.participants = entry.Participants
		extras.voteRequest = entry.Request
		vote.Prepared, vote.PrepareTimestamp = true, prepareTimestamp
	}
	p.send(entry.ReplyTo, vote)
}

// preparedEarly reports whether a Prepare whose Sequence is set reached
// the log before the operations it says were used had run here: none of
// the transaction's operations arrived, fewer than Sequence started, or
// one of them waits (blocked, or queued behind its predecessor). A
// coordinator that predicted a whole transaction appends its Prepares
// right behind the predicted operations (prepared ahead), so its Prepare
// may overtake them on the way to the log, or find one waiting for a
// lock. Such a Prepare has no effect, and is answered with CodeEarly: the
// coordinator sends it again under a new request once the operations
// ran. (A coordinator that prepares only once every operation used was
// answered never sends one.)
func (p *Processor) preparedEarly(t *txnState, entry wire.Entry, now clock.Timestamp) bool {
	used := entry.Sequence
	switch {
	case used == 0 || after(now, entry.DeadlineNanos):
		return false
	case t == nil:
		return true
	case t.status != txnActive:
		return false
	case t.lastSequence < used:
		return true
	}
	first := p.firstDeferred(t.id)
	return first >= 0 && p.deferred[first].entry.Sequence <= used
}

// keepUsed applies what a Prepare or one-phase commit entry of an active
// transaction says of its operations when its Sequence is set (the
// coordinator speculated): the transaction's operations on this stream
// are 1 to Sequence. Later ones are predictions the coordinator did not
// use: those still waiting are dropped unanswered (a blocked one had no
// effect on data; the locks it took stay until the transaction ends), and
// if one ran, the transaction cannot commit what its client never asked
// for, so it aborts ("mispredicted"). It also aborts when fewer than
// Sequence operations ran (a coordinator cannot have used an operation
// that never ran here). The caller then reads t's status.
func (p *Processor) keepUsed(t *txnState, entry wire.Entry, now clock.Timestamp) {
	used := entry.Sequence
	if t == nil || t.status != txnActive || used == 0 || after(now, entry.DeadlineNanos) {
		return
	}
	ran := t.lastSequence
	if p.removeDeferredAfter(t, used) {
		ran-- // the blocked operation had started, and it was the last to
	}
	t.lastSequence = ran
	switch {
	case ran > used:
		p.abort(t, engines.CodeAborted, fmt.Sprintf("mispredicted: operation %d ran but the coordinator used %d", ran, used))
	case ran < used && !p.hasDeferred(t.id):
		p.abort(t, engines.CodeInvalid, fmt.Sprintf("the coordinator used %d operations, %d ran", used, ran))
	}
}

// applyCommit commits a prepared transaction (rule 4). A Commit entry after
// the deadline is ignored: the transaction's fate is then settled by
// Commit entries at or before the deadline on any participant.
func (p *Processor) applyCommit(entry wire.Entry, now clock.Timestamp) {
	if after(now, entry.DeadlineNanos) && !bugs.Enabled(bugs.CommitAfterDeadline) { // planted bug: applies a late Commit
		return
	}
	if bugs.Enabled(bugs.CommitTimestampPastDeadline) && after(entry.CommitTimestamp, entry.DeadlineNanos) { // planted bug: judges the commit timestamp too
		return
	}
	t := p.txns[entry.Txn]
	assert.That(t != nil, "processor: stream %s: commit of unknown transaction %v at or before its deadline", p.config.Stream, entry.Txn)
	switch t.status {
	case txnPrepared:
		p.commit(t, entry.CommitTimestamp)
	case txnCommitted:
		assert.That(t.commitTimestamp == entry.CommitTimestamp, "processor: stream %s: transaction %v committed at %v, then at %v",
			p.config.Stream, t.id, t.commitTimestamp, entry.CommitTimestamp)
	default:
		assert.Broken("processor: stream %s: commit of %s transaction %v at or before its deadline", p.config.Stream, t.status, t.id)
	}
	p.send(entry.ReplyTo, p.outcomeOf(t, entry.Request))
}

func (p *Processor) applyAbort(entry wire.Entry) {
	t := p.txns[entry.Txn]
	if t == nil {
		p.send(entry.ReplyTo, wire.MsgOutcome{Request: entry.Request, Txn: entry.Txn, Stream: p.config.Stream,
			Code: engines.CodeAborted, Reason: "aborted by its coordinator"})
		return
	}
	if !t.finished() {
		p.abort(t, engines.CodeAborted, "aborted by its coordinator")
	}
	p.send(entry.ReplyTo, p.outcomeOf(t, entry.Request))
}

// applyOnePhase handles a single-participant transaction (rule 7): an
// ad-hoc operation committed in the same entry, or the commit of a
// transaction whose operations were applied earlier.
func (p *Processor) applyOnePhase(entry wire.Entry, position uint64, now clock.Timestamp) {
	if entry.Operation != nil {
		p.applyOperation(entry, position, now)
		return
	}
	t := p.txns[entry.Txn]
	p.keepUsed(t, entry, now)
	switch {
	case t == nil && after(now, entry.DeadlineNanos):
		// Forgotten after its deadline: it may have committed earlier.
		p.send(entry.ReplyTo, wire.MsgOutcome{Request: entry.Request, Txn: entry.Txn, Stream: p.config.Stream,
			Code: engines.CodeUnknown, Reason: "transaction forgotten after its deadline"})
		return
	case t == nil:
		p.send(entry.ReplyTo, wire.MsgOutcome{Request: entry.Request, Txn: entry.Txn, Stream: p.config.Stream,
			Code: engines.CodeAborted, Reason: "no operation of this transaction reached this stream"})
		return
	case t.status == txnActive && after(now, entry.DeadlineNanos):
		p.abort(t, engines.CodeDeadline, "commit after the deadline")
	case t.status == txnActive && p.hasDeferred(t.id):
		p.abort(t, engines.CodeInvalid, "commit while an operation is still waiting")
	case t.status == txnActive:
		p.commitOnePhase(t)
	}
	p.send(entry.ReplyTo, p.outcomeOf(t, entry.Request))
}

// commitOnePhase commits an active transaction without a prepare entry, at
// a timestamp chosen as a prepare timestamp would be. When the commit must
// wait in pendingCommits it prepares in the engine first, so that snapshot
// reads wait for it meanwhile. Otherwise the engine commits straight after
// Apply (the engine contract allows it) and skips the prepare's work: the
// commit timestamp is above every timestamp given on the stream, so with
// no pending commit and no prepared transaction nothing can hold it back.
func (p *Processor) commitOnePhase(t *txnState) clock.Timestamp {
	commitTimestamp := p.prepareTimestamp(p.now)
	appliesAtOnce := len(p.pendingCommits) == 0 && len(p.preparedSet) == 0
	if !appliesAtOnce {
		if err := p.engine.Prepare(t.id, commitTimestamp); err != nil {
			assert.Broken("processor: stream %s: engine refused to prepare one-phase %v: %v", p.config.Stream, t.id, err)
		}
	}
	t.prepareTimestamp = commitTimestamp
	p.commit(t, commitTimestamp)
	if appliesAtOnce && !t.applied {
		assert.Broken("processor: stream %s: unprepared one-phase %v left pending at %v", p.config.Stream, t.id, commitTimestamp)
	}
	return commitTimestamp
}

// prepareTimestamp returns a prepare timestamp for an entry at now (rule
// 3): no smaller than now, above every commit timestamp decided and every
// prepare timestamp given on this stream. Derived timestamps carry the
// stream's own node id, so they never equal a log timestamp or another
// stream's.
func (p *Processor) prepareTimestamp(now clock.Timestamp) clock.Timestamp {
	floor := p.maxCommitTimestamp.Max(p.maxPrepareTimestamp)
	stamp := now
	if !floor.Less(now) {
		stamp = floor.Next()
		stamp.Node = p.streamNode
		if !floor.Less(stamp) {
			stamp = clock.Timestamp{WallNanos: floor.WallNanos, Logical: floor.Logical + 1, Node: p.streamNode}
			if stamp.Logical == 0 {
				stamp = clock.Timestamp{WallNanos: floor.WallNanos + 1, Node: p.streamNode}
			}
		}
	}
	p.maxPrepareTimestamp = stamp
	return stamp
}

func (p *Processor) applyResolve(entry wire.Entry) {
	t := p.txns[entry.Txn]
	if t == nil || t.status != txnPrepared {
		return // resolved already (a second copy's resolve) or forgotten
	}
	if entry.Committed {
		p.commit(t, entry.CommitTimestamp)
	} else {
		p.abort(t, engines.CodeDeadline, "no commit found at or before the deadline")
	}
	delete(p.terminations, t.id)
	p.send(t.replyTo, p.outcomeOf(t, wire.RequestID{}))
}

// commit decides a prepared transaction's commit. The engine applies it
// at once unless an undecided prepared transaction could still commit
// below it; then it waits in pendingCommits, so that every engine sees
// commits in strictly increasing timestamp order. (A transaction prepared
// at P may be decided at C >= P after another was decided at Q > C.)
// Nothing observes the wait: snapshot reads at or above the pending
// commit's prepare timestamp block on it, and its locks stay held.
func (p *Processor) commit(t *txnState, commitTimestamp clock.Timestamp) {
	if commitTimestamp.Less(t.prepareTimestamp) {
		assert.Broken("processor: stream %s: %v commit timestamp %v below prepare timestamp %v",
			p.config.Stream, t.id, commitTimestamp, t.prepareTimestamp)
	}
	delete(p.preparedSet, t.id)
	t.status = txnCommitted
	t.commitTimestamp = commitTimestamp
	p.maxCommitTimestamp = p.maxCommitTimestamp.Max(commitTimestamp)
	delete(p.terminations, t.id)
	index, _ := slices.BinarySearchFunc(p.pendingCommits, t, comparePending)
	p.pendingCommits = slices.Insert(p.pendingCommits, index, t)
	p.applyPendingCommits()
}

// lowestUndecidedPrepare returns the smallest prepare timestamp of a
// prepared transaction whose outcome is not decided yet.
func (p *Processor) lowestUndecidedPrepare() (clock.Timestamp, bool) {
	var lowest clock.Timestamp
	found := false
	for _, t := range p.preparedSet { //proven:allow map-order: a minimum does not depend on the order
		if !found || t.prepareTimestamp.Less(lowest) {
			lowest, found = t.prepareTimestamp, true
		}
	}
	return lowest, found
}

func comparePending(a, b *txnState) int {
	if c := a.commitTimestamp.Compare(b.commitTimestamp); c != 0 {
		return c
	}
	return a.id.Compare(b.id)
}

// applyPendingCommits applies decided commits in timestamp order while no
// undecided prepared transaction has a prepare timestamp at or below the
// next one's commit timestamp.
func (p *Processor) applyPendingCommits() {
	for len(p.pendingCommits) > 0 {
		next := p.pendingCommits[0]
		if floor, any := p.lowestUndecidedPrepare(); any && !next.commitTimestamp.Less(floor) {
			return // a prepared transaction may still commit below next
		}
		if err := p.engine.Commit(next.id, next.commitTimestamp); err != nil {
			assert.Broken("processor: stream %s: engine refused to commit prepared %v at %v: %v",
				p.config.Stream, next.id, next.commitTimestamp, err)
		}
		next.applied = true
		p.pendingCommits = slices.Delete(p.pendingCommits, 0, 1) // keeps the capacity: no allocation per commit
		if next.expired {
			delete(p.txns, next.id)
		}
	}
}

// abort aborts a transaction that is not committed, drops its deferred
// operations (answering each) and tells its coordinator.
func (p *Processor) abort(t *txnState, code engines.ErrorCode, reason string) {
	if t.status == txnCommitted {
		assert.Broken("processor: stream %s: abort of committed %v", p.config.Stream, t.id)
	}
	if t.status == txnAborted {
		return
	}
	wasPrepared := t.status == txnPrepared
	delete(p.preparedSet, t.id)
	p.engine.Abort(t.id)
	t.status = txnAborted
	extras := t.extrasForUpdate()
	extras.abortCode, extras.abortReason = code, reason
	delete(p.terminations, t.id)
	if wasPrepared {
		p.applyPendingCommits()
	}
	for _, op := range p.removeDeferred(t.id) {
		reply := wire.MsgOperationReply{Request: op.entry.Request, Txn: t.id, Stream: p.config.Stream,
			Status: engines.StatusFailed, Code: code, Error: reason, Position: op.position, Timestamp: op.stamp}
		t.lastReply, t.hasLastReply = newOperationReply(reply), true
		p.send(op.entry.ReplyTo, reply)
	}
}

// abortAndNotify aborts on the processor's own initiative (a wound, a
// deadline) and tells the coordinator at once, unless the abort already
// answered a deferred operation.
func (p *Processor) abortAndNotify(t *txnState, code engines.ErrorCode, reason string) {
	hadDeferred := p.hasDeferred(t.id)
	p.abort(t, code, reason)
	if !hadDeferred {
		p.send(t.replyTo, p.outcomeOf(t, wire.RequestID{}))
	}
}

func (p *Processor) outcomeOf(t *txnState, request wire.RequestID) wire.MsgOutcome {
	outcome := wire.MsgOutcome{Request: request, Txn: t.id, Stream: p.config.Stream}
	switch t.status {
	case txnCommitted:
		outcome.Committed, outcome.CommitTimestamp = true, t.commitTimestamp
	case txnAborted:
		outcome.Code, outcome.Reason = t.abortCode(), t.abortReason()
	default:
		outcome.Code, outcome.Reason = engines.CodeInternal, "still "+t.status.String()
	}
	return outcome
}
