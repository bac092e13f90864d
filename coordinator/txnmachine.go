package coordinator

import (
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// txnPhase is which exchange a transaction machine runs.
type txnPhase uint8

const (
	phaseActive     txnPhase = iota // operations may be executed (and be in flight)
	phaseAutoCommit                 // the one auto-commit operation is in flight
	phaseOnePhase                   // one-phase Commit appended, waiting for its outcome
	phasePreparing                  // Prepare appended, collecting votes
	phaseCommitting                 // Commit appended, collecting acknowledgements
	phaseAborting                   // decided aborted, Abort appended to participants
	phaseFinished                   // decided, nothing in flight
)

var phaseNames = [...]string{phaseActive: "active", phaseAutoCommit: "auto-commit", phaseOnePhase: "one-phase",
	phasePreparing: "preparing", phaseCommitting: "committing", phaseAborting: "aborting", phaseFinished: "finished"}

func (p txnPhase) String() string { return phaseNames[p] }

// TxnMachine is the coordinator's side of one read-write transaction, as a
// step machine: inputs are the client's calls (Execute, Commit, Abort,
// AutoCommit), replies (Step), the passing of time (Tick) and the client
// giving up (Cancel); each returns the messages to send and the operations
// that ended, and Outcome holds the decision once there is one. See the
// package documentation for the protocol. One goroutine drives a machine;
// machines share nothing but their MachineConfig.
type TxnMachine struct {
	config        *MachineConfig
	id            engines.TxnID
	deadlineNanos int64
	// Invariant: outcome.Status is active in phases active, auto-commit,
	// one-phase and preparing, decided in aborting and finished; committing
	// decides at the first Commit acknowledged in time, or at its end.
	outcome Outcome
	phase   txnPhase
	// doom is why a processor aborted the transaction on its own (its
	// abort notice), acted on at the next Execute, Commit or Cancel.
	doom *AbortedError
	// speculation holds the predictions sent at begin (nil: none).
	speculation *txnSpeculation
	// participants are the streams operations were sent to, in first-use
	// order. The first ones live in participantSlots, so a typical
	// transaction allocates no list of its own.
	participants     []participant
	participantSlots [participantSlotsLen]participant
	// inFlight are the operations sent and not answered, oldest first,
	// predictions no client operation took yet among them (handle -1).
	// Invariant: empty unless phase is active or auto-commit.
	inFlight      []sentOperation
	inFlightSlots [1]sentOperation
	// operationsStarted counts Execute and AutoCommit calls: the next handle.
	operationsStarted int
	// round times the exchange of the current phase with participants
	// (one-phase, preparing, committing, aborting); each participant in it
	// has its request and whether it answered. Invariant: roundPending is
	// the number of participants in the round that have not answered.
	round        timer
	roundPending int
	// abortCancellable is set when the abort round was asked for by the
	// client (Abort, or an abort notice): Cancel then stops it.
	abortCancellable bool
	// commitTimestamp is the Commit entries' timestamp while committing;
	// commitsInTime counts the Commit appends acknowledged at or before
	// the deadline.
	commitTimestamp clock.Timestamp
	commitsInTime   int
	// out and results are the Ready of the current input; their arrays are
	// reused from input to input.
	out         []Outbound
	outSlots    [participantSlotsLen]Outbound
	results     []OperationResult
	resultSlots [1]OperationResult
}

// participantSlotsLen is how many participants a machine holds inline.
const participantSlotsLen = 4

// participant is one stream the transaction sent an operation to.
type participant struct {
	stream string
	// start is the log position of the transaction's first entry on the
	// stream, once an operation's reply told it. Invariant: it only
	// decreases once set (replies may arrive out of order).
	start uint64
	// sequence is the number of operations sent. Invariant: it increases.
	sequence uint32
	// The round: inRound marks a participant the current exchange
	// addresses, with its request and whether it answered.
	inRound  bool
	answered bool
	request  wire.RequestID
	// prepareTimestamp is the participant's vote.
	prepareTimestamp clock.Timestamp
	// aheadRequest is the request of the Prepare appended ahead (zero:
	// none); its vote is taken even once the round renewed the request.
	// early is set when that Prepare came before its operations ran (it
	// is to be sent again under a new request).
	aheadRequest wire.RequestID
	early        bool
}

// sentOperation is one operation in flight.
type sentOperation struct {
	// handle is the client operation waiting for it; -1 for a prediction
	// no client operation took yet.
	handle      int
	participant int // index in participants
	request     wire.RequestID
	kind        wire.EntryKind // operation, or one-phase for an auto-commit
	sequence    uint32
	operation   []byte
	timer       timer
}

// NewTxnMachine returns the machine of transaction id, whose deadline D is
// deadlineNanos (compared with the participants' log timestamps).
func NewTxnMachine(config *MachineConfig, id engines.TxnID, deadlineNanos int64) *TxnMachine {
	m := &TxnMachine{}
	m.init(config, id, deadlineNanos)
	return m
}

// init sets up a zero machine. (Assigning fields one by one, not the
// whole struct, spares the write barriers of copying a large value.)
func (m *TxnMachine) init(config *MachineConfig, id engines.TxnID, deadlineNanos int64) {
	config.check()
	m.config, m.id, m.deadlineNanos = config, id, deadlineNanos
	m.participants = m.participantSlots[:0]
	m.inFlight = m.inFlightSlots[:0]
	m.out = m.outSlots[:0]
	m.results = m.resultSlots[:0]
}

// ID returns the transaction id.
func (m *TxnMachine) ID() engines.TxnID { return m.id }

// DeadlineNanos returns the deadline D.
func (m *TxnMachine) DeadlineNanos() int64 { return m.deadlineNanos }

// Outcome returns the decision (Status active until there is one). A
// decided transaction may still be busy: Commit entries still being
// delivered, or Abort entries.
func (m *TxnMachine) Outcome() Outcome { return m.outcome }

// Quiet reports whether nothing a client call waits for is in flight: no
// operation (predictions no client operation took yet do not count), and
// no exchange of the commit protocol or of an abort.
func (m *TxnMachine) Quiet() bool {
	return m.awaitedInFlight() == 0 && (m.phase == phaseActive || m.phase == phaseFinished)
}

// awaitedInFlight counts the operations in flight a client call waits for.
func (m *TxnMachine) awaitedInFlight() int {
	count := 0
	for i := range m.inFlight {
		if m.inFlight[i].handle >= 0 {
			count++
		}
	}
	return count
}

// WakeNanos is the local time of the next Tick the machine needs (a resend
// or a give-up). Meaningful when not Quiet; after a Tick it is later than
// the Tick's now.
func (m *TxnMachine) WakeNanos() int64 {
	wake := noWake
	for i := range m.inFlight {
		wake = min(wake, m.inFlight[i].timer.wake())
	}
	if m.inRound() {
		wake = min(wake, m.round.wake())
	}
	return wake
}

// Participants returns the streams operations were sent to, in first-use
// order.
func (m *TxnMachine) Participants() []string {
	streams := make([]string, len(m.participants))
	for i := range m.participants {
		streams[i] = m.participants[i].stream
	}
	return streams
}

// patience is how long past the deadline the coordinator keeps asking: log
// timestamps come from another clock, and answers about entries appended
// before the deadline may arrive after it.
func (m *TxnMachine) patience() int64 { return m.deadlineNanos + 4*int64(m.config.RetryInterval) }

func (m *TxnMachine) inRound() bool {
	switch m.phase {
	case phaseOnePhase, phasePreparing, phaseCommitting, phaseAborting:
		return true
	}
	return false
}

// Execute sends one operation on stream. The operation's end comes as an
// OperationResult with the returned handle: its result, an
// *engines.Refusal (the transaction stays usable), or an *AbortedError
// (the transaction is over). Several operations may be in flight; on one
// stream they are numbered in the order of the calls.
// Requires: no decision, no commit or abort begun.
func (m *TxnMachine) Execute(now int64, stream string, operation []byte) (int, Ready) {
	m.startInput()
	m.requireActive("Execute")
	handle := m.operationsStarted
	m.operationsStarted++
	if m.doom != nil {
		m.abortFromNotice(now)
		m.results = append(m.results, OperationResult{Operation: handle, Err: m.outcome.Err})
		return handle, m.ready(now)
	}
	index := m.participantIndex(stream)
	if m.speculation != nil && m.executePredicted(now, handle, index, operation) {
		return handle, m.ready(now)
	}
	p := &m.participants[index]
	p.sequence++
	m.launch(now, sentOperation{handle: handle, participant: index, kind: wire.EntryOperation, sequence: p.sequence,
		operation: operation})
	return handle, m.ready(now)
}

// AutoCommit sends operation on stream as a transaction of its own,
// prepared and committed in one entry (ad hoc). Its OperationResult is the
// answer; Outcome follows it (indeterminate when no answer came).
// Requires: a new machine.
func (m *TxnMachine) AutoCommit(now int64, stream string, operation []byte) (int, Ready) {
	m.startInput()
	m.requireActive("AutoCommit")
	if m.operationsStarted != 0 {
		assert.Broken("coordinator: txn %v: AutoCommit after %d operations", m.id, m.operationsStarted)
	}
	m.operationsStarted++
	m.phase = phaseAutoCommit
	index := m.participantIndex(stream)
	m.participants[index].sequence++
	m.launch(now, sentOperation{handle: 0, participant: index, kind: wire.EntryOnePhase, sequence: 1,
		operation: operation})
	return 0, m.ready(now)
}

func (m *TxnMachine) launch(now int64, op sentOperation) { m.launchUntil(now, op, m.patience()) }

// launchUntil sends an operation that gives up at untilNanos.
func (m *TxnMachine) launchUntil(now int64, op sentOperation, untilNanos int64) {
	op.request = m.config.Requests.NextRequest()
	op.timer = startTimer(now, m.config.resendInterval(), untilNanos)
	m.inFlight = append(m.inFlight, op)
	m.send(&op)
}

// send appends an operation in flight to its stream.
func (m *TxnMachine) send(op *sentOperation) {
	m.appendTo(m.participants[op.participant].stream, op.request, wire.Entry{Kind: op.kind, Txn: m.id,
		DeadlineNanos: m.deadlineNanos, Sequence: op.sequence, Operation: op.operation})
}

func (m *TxnMachine) participantIndex(stream string) int {
	for i := range m.participants {
		if m.participants[i].stream == stream {
			return i
		}
	}
	m.participants = append(m.participants, participant{stream: stream})
	return len(m.participants) - 1
}

func (m *TxnMachine) requireActive(input string) {
	if m.phase != phaseActive {
		assert.Broken("coordinator: %s on txn %v in phase %v", input, m.id, m.phase)
	}
	if m.outcome.Status != StatusActive {
		assert.Broken("coordinator: %s on txn %v, already %v", input, m.id, m.outcome.Status)
	}
}

// Step takes a message addressed to the coordinator. Messages that match
// no request in flight (late, duplicated, another transaction's) are
// ignored; an abort notice for this transaction is kept for the next
// Execute, Commit or Cancel.
func (m *TxnMachine) Step(now int64, message any) Ready {
	m.startInput()
	switch reply := message.(type) {
	case wire.MsgOperationReply:
		m.operationReplied(now, &reply)
	case wire.MsgVote:
		if m.phase == phasePreparing || (m.phase == phaseActive && m.speculation != nil && m.speculation.ahead) {
			m.voted(now, &reply)
		}
	case wire.MsgAppendReply:
		if m.phase == phaseCommitting {
			m.commitAcknowledged(&reply)
		}
	case wire.MsgOutcome:
		m.outcomeReceived(now, &reply)
	}
	return m.ready(now)
}

func (m *TxnMachine) outcomeReceived(now int64, reply *wire.MsgOutcome) {
	switch {
	case reply.Request == (wire.RequestID{}):
		if reply.Txn == m.id && !reply.Committed && m.outcome.Status == StatusActive {
			m.doom = abortedFrom(reply.Stream, reply.Code, reply.Reason)
			m.abortAheadNow(now)
		}
	case m.phase == phaseOnePhase:
		m.onePhaseAnswered(reply)
	case m.phase == phaseAborting:
		m.abortAnswered(reply)
	}
}

// operationReplied ends the operation the reply answers.
func (m *TxnMachine) operationReplied(now int64, reply *wire.MsgOperationReply) {
	index := -1
	for i := range m.inFlight {
		if m.inFlight[i].request == reply.Request {
			index = i
			break
		}
	}
	if index < 0 {
		return
	}
	op := m.inFlight[index]
	m.inFlight = append(m.inFlight[:index], m.inFlight[index+1:]...)
	p := &m.participants[op.participant]
	if p.start == 0 || (reply.Position != 0 && reply.Position < p.start) {
		p.start = reply.Position
	}
	m.config.Heads.observe(p.stream, reply.Position)
	if m.phase == phaseAutoCommit {
		m.autoCommitAnswered(op, reply)
		return
	}
	result := OperationResult{Operation: op.handle}
	switch {
	case reply.Status == engines.StatusDone:
		result.Result = reply.Result
	case reply.Code == engines.CodeAborted || reply.Code == engines.CodeDeadline:
		m.abortAfterFailure(now, abortedFrom(p.stream, reply.Code, reply.Error))
		result.Err = m.outcome.Err
	default:
		result.Err = &engines.Refusal{Code: reply.Code, Message: reply.Error}
	}
	if m.speculation != nil {
		m.speculation.answered(&op, result)
	}
	if op.handle >= 0 {
		m.results = append(m.results, result)
	}
}

func (m *TxnMachine) autoCommitAnswered(op sentOperation, reply *wire.MsgOperationReply) {
	stream := m.participants[op.participant].stream
	result := OperationResult{Operation: op.handle}
	switch {
	case reply.Status == engines.StatusDone:
		result.Result = reply.Result
		m.decide(StatusCommitted, clock.Timestamp{}, nil)
	case reply.Code == engines.CodeAborted || reply.Code == engines.CodeDeadline:
		result.Err = abortedFrom(stream, reply.Code, reply.Error)
		m.decide(StatusAborted, clock.Timestamp{}, result.Err)
	default:
		result.Err = &engines.Refusal{Code: reply.Code, Message: reply.Error}
		m.decide(StatusAborted, clock.Timestamp{}, result.Err)
	}
	m.results = append(m.results, result)
	m.phase = phaseFinished
}

// Tick tells the machine the local time: requests unanswered for a
// RetryInterval are sent again, and exchanges past their patience give up.
func (m *TxnMachine) Tick(now int64) Ready {
	m.startInput()
	m.settle(now)
	retry := m.config.resendInterval()
	for i := range m.inFlight {
		if op := &m.inFlight[i]; op.timer.due(now, retry) {
			m.send(op)
		}
	}
	if m.inRound() && m.round.due(now, retry) {
		m.renewAhead()
		m.sendRound()
	}
	if !m.Quiet() && m.WakeNanos() <= now {
		assert.Broken("coordinator: txn %v in phase %v wants a tick at %d, not after now %d", m.id, m.phase,
			m.WakeNanos(), now)
	}
	return m.output()
}

// settle gives up every exchange whose patience ran out at now: an
// operation unanswered (the transaction aborts, or an auto-commit is
// indeterminate), then the round (which may start the abort round, itself
// given up at once when its patience ran out too).
func (m *TxnMachine) settle(now int64) {
	if m.Quiet() {
		return
	}
	for len(m.inFlight) > 0 {
		index := -1
		for i := range m.inFlight {
			if m.inFlight[i].timer.expired(now) {
				index = i
				break
			}
		}
		if index < 0 {
			break
		}
		m.operationUnanswered(now, index)
	}
	for m.inRound() && m.round.expired(now) {
		m.roundUnanswered(now)
	}
}

func (m *TxnMachine) operationUnanswered(now int64, index int) {
	op := m.inFlight[index]
	stream := m.participants[op.participant].stream
	if m.phase == phaseAutoCommit {
		m.inFlight = m.inFlight[:0]
		m.endIndeterminate(op.handle, fmt.Errorf("%w: no answer to an auto-commit operation on %s", ErrIndeterminate, stream))
		return
	}
	if s := m.speculation; s != nil && s.ahead && op.sequence <= s.predicted[op.participant] {
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonConflict, Stream: stream, Detail: fmt.Sprintf(
			"prepared ahead, and predicted operation %d on %s was not answered within %v (it may wait for a "+
				"transaction that waits for this one)", op.sequence, stream, aheadWaitIntervals*m.config.RetryInterval)})
		return
	}
	m.abortAfterFailure(now, &AbortedError{Reason: ReasonDeadline, Stream: stream,
		Detail: "no answer to an operation before the deadline"})
}

// endIndeterminate ends an auto-commit (with the result for its handle) or
// a one-phase commit (handle < 0) without an answer.
func (m *TxnMachine) endIndeterminate(handle int, err error) {
	m.decide(StatusIndeterminate, clock.Timestamp{}, err)
	if handle >= 0 {
		m.results = append(m.results, OperationResult{Operation: handle, Err: err})
	}
	m.phase = phaseFinished
}

// Cancel tells the machine the client stopped waiting, with cause (its
// context's error). Before the decision the transaction aborts
// (ReasonCancelled; an abort notice received earlier takes precedence when
// nothing is in flight); a one-phase commit or an auto-commit in flight
// becomes indeterminate; Commit entries keep being delivered; an abort the
// client asked for stops (participants abort on their own at the
// deadline), one that follows a failure continues.
func (m *TxnMachine) Cancel(now int64, cause error) Ready {
	m.startInput()
	switch m.phase {
	case phaseActive:
		if m.doom != nil && m.awaitedInFlight() == 0 {
			m.abortFromNotice(now)
			m.stopCancellableAbort()
			break
		}
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonCancelled, Detail: cause.Error()})
	case phaseAutoCommit:
		op := m.inFlight[0]
		m.inFlight = m.inFlight[:0]
		m.endIndeterminate(op.handle, fmt.Errorf("%w: no answer to an auto-commit operation on %s", ErrIndeterminate,
			m.participants[op.participant].stream))
	case phaseOnePhase:
		m.endIndeterminate(-1, m.onePhaseUnanswered())
	case phasePreparing:
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonCancelled, Detail: cause.Error()})
	case phaseAborting:
		m.stopCancellableAbort()
	}
	return m.ready(now)
}

func (m *TxnMachine) stopCancellableAbort() {
	if m.phase == phaseAborting && m.abortCancellable {
		m.endRound()
		m.phase = phaseFinished
	}
}

// decide records the outcome. Committed needs no error; every other
// outcome needs one.
func (m *TxnMachine) decide(status Status, commitTimestamp clock.Timestamp, err error) {
	if m.outcome.Status != StatusActive {
		assert.Broken("coordinator: txn %v decided %v after %v", m.id, status, m.outcome.Status)
	}
	switch {
	case status == StatusActive:
		assert.Broken("coordinator: txn %v decided active", m.id)
	case status == StatusCommitted && err != nil:
		assert.Broken("coordinator: txn %v committed with error %v", m.id, err)
	case status != StatusCommitted && err == nil:
		assert.Broken("coordinator: txn %v %v without an error", m.id, status)
	}
	m.outcome = Outcome{Status: status, CommitTimestamp: commitTimestamp, Err: err}
	m.doom = nil
	if aborted, ok := err.(*AbortedError); ok && aborted.Reason == ReasonMispredicted && m.speculation != nil {
		m.speculation.mispredicted = true
	}
}

// appendTo sends an entry to a stream through the log service. Only
// Commit appends are acknowledged by the log (rule 6 needs the
// acknowledgement's timestamp); every other entry is answered by the
// stream's processor.
func (m *TxnMachine) appendTo(stream string, request wire.RequestID, entry wire.Entry) {
	entry.Request = request
	entry.ReplyTo = m.config.Self
	m.out = append(m.out, Outbound{To: m.config.logOf(stream), Message: wire.MsgAppend{Request: request,
		ReplyTo: m.config.Self, Stream: stream, Payload: entry.Encode(), Unacknowledged: entry.Kind != wire.EntryCommit}})
}

func (m *TxnMachine) startInput() {
	m.out = m.out[:0]
	m.results = m.results[:0]
}

// ready ends an input: exchanges whose patience ran out at now give up.
// (Resends that came due while the host waited, paused or had its clock
// jump, wait for the next Tick.)
func (m *TxnMachine) ready(now int64) Ready {
	m.settle(now)
	return m.output()
}

func (m *TxnMachine) output() Ready {
	if m.outcome.Status == StatusActive && m.phase == phaseFinished {
		assert.Broken("coordinator: txn %v finished undecided", m.id)
	}
	if len(m.inFlight) != 0 && m.phase != phaseActive && m.phase != phaseAutoCommit {
		assert.Broken("coordinator: txn %v in phase %v with %d operations in flight", m.id, m.phase, len(m.inFlight))
	}
	return Ready{Messages: m.out, Results: m.results}
}
