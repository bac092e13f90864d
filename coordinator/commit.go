package coordinator

import (
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
)

// The commit protocol and the abort, as rounds: one request per
// participant in the round, sent together, sent again together every
// RetryInterval to those that have not answered, until every one answered
// or the round's patience ran out.

// Commit starts committing: nothing to do without participants, one phase
// with one (rule 7), otherwise Prepare to every participant (rule 3), then
// Commit at the largest prepare timestamp (rule 4). Only participants an
// operation reply came from take part: an operation never answered left
// nothing to commit there. Outcome is decided when a Commit append is
// acknowledged at or before the deadline (committed), a participant
// refuses (aborted), or patience runs out (rule 6: aborted when every
// Commit landed after the deadline, indeterminate when some never
// answered).
// Requires: no decision, no operation in flight.
func (m *TxnMachine) Commit(now int64) Ready {
	m.startInput()
	m.requireActive("Commit")
	m.requireNothingInFlight("Commit")
	if m.doom != nil {
		m.abortFromNotice(now)
		return m.ready(now)
	}
	if m.speculation != nil && m.speculation.ahead {
		m.commitAhead(now)
		return m.ready(now)
	}
	if m.speculation != nil && !m.settlePredictions(now) {
		return m.ready(now)
	}
	touched := 0
	for i := range m.participants {
		p := &m.participants[i]
		p.inRound = p.start != 0 && m.used(i)
		if p.inRound {
			touched++
		}
	}
	switch touched {
	case 0:
		m.decide(StatusCommitted, clock.Timestamp{}, nil)
		m.phase = phaseFinished
	case 1:
		m.phase = phaseOnePhase
		m.startRound(now, m.patience())
	default:
		m.phase = phasePreparing
		m.startRound(now, m.patience())
	}
	return m.ready(now)
}

// Abort ends the transaction with err as its outcome (Rollback uses an
// *AbortedError with ReasonCancelled) and appends Abort to every
// participant an operation was sent to. The abort is an optimization:
// without it the participants abort on their own when their logs pass the
// deadline; so Cancel stops it.
// Requires: no decision, no operation in flight.
func (m *TxnMachine) Abort(now int64, err error) Ready {
	m.startInput()
	m.requireActive("Abort")
	m.requireNothingInFlight("Abort")
	m.dropPredictions()
	m.decide(StatusAborted, clock.Timestamp{}, err)
	m.startAbort(now, true)
	return m.ready(now)
}

func (m *TxnMachine) requireNothingInFlight(input string) {
	if awaited := m.awaitedInFlight(); awaited != 0 {
		assert.Broken("coordinator: %s on txn %v with %d operations in flight", input, m.id, awaited)
	}
}

// abortFromNotice aborts for the abort notice a processor sent:
// operations in flight end with it.
func (m *TxnMachine) abortFromNotice(now int64) {
	m.decide(StatusAborted, clock.Timestamp{}, m.doom)
	m.endInFlight(m.outcome.Err)
	m.startAbort(now, true)
}

// abortAfterFailure aborts after a failure (an operation or vote refused,
// no answer in time, the client cancelled): operations in flight end with
// err, and the abort round that follows is not stopped by Cancel.
func (m *TxnMachine) abortAfterFailure(now int64, err error) {
	m.decide(StatusAborted, clock.Timestamp{}, err)
	m.endInFlight(err)
	m.endRound()
	m.startAbort(now, false)
}

// endInFlight ends every operation in flight with err (predictions no
// client operation took are dropped).
func (m *TxnMachine) endInFlight(err error) {
	for _, op := range m.inFlight {
		if op.handle >= 0 {
			m.results = append(m.results, OperationResult{Operation: op.handle, Err: err})
		}
	}
	m.inFlight = m.inFlight[:0]
}

// startAbort appends Abort to every participant an operation was sent to,
// waiting for answers at most two RetryIntervals (and not past patience).
func (m *TxnMachine) startAbort(now int64, cancellable bool) {
	if m.outcome.Status != StatusAborted {
		assert.Broken("coordinator: txn %v aborts participants while %v", m.id, m.outcome.Status)
	}
	some := false
	for i := range m.participants {
		p := &m.participants[i]
		p.inRound = p.sequence > 0
		some = some || p.inRound
	}
	if !some {
		m.phase = phaseFinished
		return
	}
	m.phase = phaseAborting
	m.abortCancellable = cancellable
	m.startRound(now, min(m.patience(), now+2*int64(m.config.RetryInterval)))
}

// startRound gives every participant in the round a new request, then
// sends them all.
func (m *TxnMachine) startRound(now int64, untilNanos int64) {
	m.roundPending = 0
	for i := range m.participants {
		if p := &m.participants[i]; p.inRound {
			p.request = m.config.Requests.NextRequest()
			p.answered = false
			m.roundPending++
		}
	}
	if m.roundPending == 0 {
		assert.Broken("coordinator: txn %v starts an empty %v round", m.id, m.phase)
	}
	m.round = startTimer(now, m.config.resendInterval(), untilNanos)
	m.sendRound()
}

// sendRound sends the round's entry to every participant in it that has
// not answered.
func (m *TxnMachine) sendRound() {
	entry := wire.Entry{Txn: m.id, DeadlineNanos: m.deadlineNanos}
	var listSlots [participantSlotsLen]wire.Participant
	switch m.phase {
	case phaseOnePhase:
		entry.Kind = wire.EntryOnePhase
	case phasePreparing:
		entry = m.prepareEntry(listSlots[:0])
	case phaseCommitting:
		entry.Kind = wire.EntryCommit
		entry.CommitTimestamp = m.commitTimestamp
	case phaseAborting:
		entry.Kind = wire.EntryAbort
	default:
		assert.Broken("coordinator: txn %v sends a round in phase %v", m.id, m.phase)
	}
	for i := range m.participants {
		if p := &m.participants[i]; p.inRound && !p.answered {
			if entry.Kind == wire.EntryPrepare || entry.Kind == wire.EntryOnePhase {
				entry.Sequence = m.usedSequence(i)
			}
			m.appendTo(p.stream, p.request, entry)
		}
	}
}

// prepareEntry is the Prepare of the round: its participants, with their
// start positions, in list's array (Sequence is per participant).
func (m *TxnMachine) prepareEntry(list []wire.Participant) wire.Entry {
	entry := wire.Entry{Kind: wire.EntryPrepare, Txn: m.id, DeadlineNanos: m.deadlineNanos, Participants: list}
	for i := range m.participants {
		if p := &m.participants[i]; p.inRound {
			entry.Participants = append(entry.Participants, wire.Participant{Stream: p.stream, StartPosition: p.start})
		}
	}
	return entry
}

// roundAnswered marks the participant whose round request this answers,
// or returns nil when it answers none (late, duplicated, or another's).
func (m *TxnMachine) roundAnswered(request wire.RequestID) *participant {
	for i := range m.participants {
		if p := m.roundRequest(i, request); p != nil {
			p.answered = true
			m.roundPending--
			return p
		}
	}
	return nil
}

// roundRequest returns participant i when request is its round request
// (or its Prepare appended ahead) and it has not answered; nil otherwise.
func (m *TxnMachine) roundRequest(i int, request wire.RequestID) *participant {
	p := &m.participants[i]
	if p.inRound && !p.answered && (p.request == request || (p.aheadRequest == request && request != wire.RequestID{})) {
		return p
	}
	return nil
}

// endRound takes every participant out of the round.
func (m *TxnMachine) endRound() {
	for i := range m.participants {
		m.participants[i].inRound = false
	}
	m.roundPending = 0
}

// roundUnanswered gives up the round whose patience ran out.
func (m *TxnMachine) roundUnanswered(now int64) {
	switch m.phase {
	case phaseOnePhase:
		m.endIndeterminate(-1, m.onePhaseUnanswered())
		m.endRound()
	case phasePreparing:
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonDeadline,
			Detail: "not every participant voted before the deadline"})
	case phaseCommitting:
		m.endCommit()
	case phaseAborting:
		m.endRound()
		m.phase = phaseFinished
	}
}

func (m *TxnMachine) onePhaseUnanswered() error {
	stream := ""
	for i := range m.participants {
		if m.participants[i].inRound {
			stream = m.participants[i].stream
		}
	}
	return fmt.Errorf("%w: no answer to the one-phase commit on %s", ErrIndeterminate, stream)
}

func (m *TxnMachine) onePhaseAnswered(reply *wire.MsgOutcome) {
	if reply.Code == engines.CodeUnknown {
		return
	}
	p := m.roundAnswered(reply.Request)
	if p == nil {
		return
	}
	if reply.Committed {
		m.decide(StatusCommitted, reply.CommitTimestamp, nil)
	} else {
		m.decide(StatusAborted, clock.Timestamp{}, abortedFrom(p.stream, reply.Code, reply.Reason))
	}
	m.endRound()
	m.phase = phaseFinished
}

func (m *TxnMachine) abortAnswered(reply *wire.MsgOutcome) {
	if m.roundAnswered(reply.Request) != nil && m.roundPending == 0 {
		m.endRound()
		m.phase = phaseFinished
	}
}

// voted takes a participant's vote: a refusal aborts the transaction; the
// last Prepared vote starts the commit round. A vote that comes before
// Commit (prepared ahead) is kept: a refusal as an abort notice, acted on
// at the next Execute, Commit or Cancel.
func (m *TxnMachine) voted(now int64, vote *wire.MsgVote) {
	if vote.Code == engines.CodeEarly {
		m.preparedEarly(vote)
		return
	}
	p := m.roundAnswered(vote.Request)
	switch {
	case p == nil:
	case !vote.Prepared && m.phase == phaseActive:
		if m.doom == nil {
			m.doom = abortedFrom(vote.Stream, vote.Code, vote.Reason)
		}
	case !vote.Prepared:
		m.abortAfterFailure(now, abortedFrom(vote.Stream, vote.Code, vote.Reason))
	default:
		p.prepareTimestamp = vote.PrepareTimestamp
		if m.roundPending == 0 && m.phase == phasePreparing {
			m.startCommit(now)
		}
	}
}

// startCommit appends Commit at the largest prepare timestamp (rule 4).
// Requires: every participant in the round voted Prepared.
func (m *TxnMachine) startCommit(now int64) {
	first := true
	for i := range m.participants {
		p := &m.participants[i]
		if !p.inRound {
			continue
		}
		if !p.answered {
			assert.Broken("coordinator: txn %v commits without a vote from %s", m.id, p.stream)
		}
		switch {
		case first:
			m.commitTimestamp = p.prepareTimestamp
		case bugs.Enabled(bugs.CommitAtMinPrepare): // planted bug: commits at the minimum prepare timestamp
			if p.prepareTimestamp.Less(m.commitTimestamp) {
				m.commitTimestamp = p.prepareTimestamp
			}
		default:
			m.commitTimestamp = m.commitTimestamp.Max(p.prepareTimestamp)
		}
		first = false
	}
	m.phase = phaseCommitting
	m.startRound(now, m.patience())
}

// commitAcknowledged takes the log's acknowledgement of a Commit append:
// the first at or before the deadline decides the commit (rule 6), and the
// round goes on until every participant has its Commit.
func (m *TxnMachine) commitAcknowledged(ack *wire.MsgAppendReply) {
	p := m.roundAnswered(ack.Request)
	if p == nil {
		return
	}
	inTime := ack.Timestamp.WallNanos <= m.deadlineNanos
	if bugs.Enabled(bugs.CommitAtDeadlineLate) { // planted bug: a Commit stamped at the deadline counts as late
		inTime = ack.Timestamp.WallNanos < m.deadlineNanos
	}
	if inTime {
		m.commitsInTime++
	}
	if m.outcome.Status == StatusActive && (inTime || bugs.Enabled(bugs.SuccessAfterDeadline)) { // planted bug: success after the deadline
		m.decide(StatusCommitted, m.commitTimestamp, nil)
	}
	if m.roundPending == 0 {
		m.endCommit()
	}
}

// endCommit ends the commit round; undecided, every Commit landed after
// the deadline (aborted) or some are unacknowledged (indeterminate).
func (m *TxnMachine) endCommit() {
	acknowledged, total, inTime := 0, 0, m.commitsInTime
	for i := range m.participants {
		if p := &m.participants[i]; p.inRound {
			total++
			if p.answered {
				acknowledged++
			}
		}
	}
	if m.outcome.Status == StatusCommitted && inTime == 0 && !bugs.Enabled(bugs.SuccessAfterDeadline) {
		assert.Broken("coordinator: txn %v committed with no Commit acknowledged by the deadline", m.id)
	}
	if m.outcome.Status == StatusActive {
		if inTime != 0 {
			assert.Broken("coordinator: txn %v undecided with %d Commits acknowledged in time", m.id, inTime)
		}
		if acknowledged == total {
			m.decide(StatusAborted, clock.Timestamp{}, &AbortedError{Reason: ReasonDeadline,
				Detail: "every Commit reached its log after the deadline"})
		} else {
			m.decide(StatusIndeterminate, clock.Timestamp{}, fmt.Errorf(
				"%w: no Commit acknowledged at or before the deadline, %d of %d unacknowledged",
				ErrIndeterminate, total-acknowledged, total))
		}
	}
	m.endRound()
	m.phase = phaseFinished
}
