package coordinator

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// Speculative execution in a TxnMachine: Predict sends the predicted
// operations at begin, each an ordinary operation numbered on its stream
// (1, 2, ... in prediction order); the client's k-th operation on a
// stream takes the k-th prediction there when their bytes are equal, and
// aborts the transaction (ReasonMispredicted) when they differ; client
// operations beyond the predictions are sent as usual, numbered on. At
// Commit the predictions no client operation took are discarded: if one
// already ran on a stream the client used, the transaction aborts
// (mispredicted) at once; otherwise Prepare (or the one-phase commit)
// tells each stream how many operations were used (Entry.Sequence), and
// its processor drops the others or, if one ran meanwhile, votes no.
// Streams the client never used are left out of the commit and get an
// Abort (unacknowledged by the machine: an optimization, since their
// processors abort at the deadline anyway).

// Prepared ahead (PredictWhole): when the prediction is the whole
// transaction (the predictor learned that the category's transactions
// end there), the machine also appends a Prepare to every stream right
// behind its predicted operations, saying all of them are used
// (Entry.Sequence), so the participants vote while the client is still
// taking the predictions' results, and Commit has only the Commit round
// left to run. The votes are taken as they come. The price is that the
// transaction is prepared on a stream while the client may still use
// another (whose operations may be waiting for a lock):
//   - Anything but exactly the predicted operations aborts it
//     (mispredicted): an operation beyond the predictions, on any stream,
//     and a Commit with a prediction untaken; its Prepares said otherwise.
//   - A prepared transaction cannot be wounded, so two transactions each
//     prepared on a stream where the other waits would wait for each
//     other until the deadline. A processor whose older transaction waits
//     for one prepared ahead sends that one's coordinator an abort notice,
//     which a transaction prepared ahead acts on at once, before it
//     commits (abortAheadNow); and in case the notice is lost, a
//     predicted operation of a transaction prepared ahead waits at most
//     aheadWaitIntervals RetryIntervals for its answer, then the
//     transaction aborts (ReasonConflict), releasing what it holds.
//   - A Prepare that reaches a processor before the operations it counts
//     have run there, or while one waits, has no effect and is answered
//     engines.CodeEarly (see engines/processor); it is sent again under a
//     new request at Commit (at once if Commit is waiting for it).

// aheadWaitIntervals bounds, in RetryIntervals, how long a predicted
// operation of a transaction prepared ahead waits for its answer.
const aheadWaitIntervals = 2

// txnSpeculation is what a speculating transaction predicted.
type txnSpeculation struct {
	// predictions are the operations sent at begin, in order.
	predictions []prediction
	// predicted and used count, per participant index, the predictions
	// sent there (sequences 1 to predicted) and the client's operations.
	predicted, used []uint32
	// taken counts the predictions a client operation took.
	taken        int
	mispredicted bool
	// ahead is set when the Prepares were appended behind the predictions
	// (PredictWhole); renewed once Commit's vote round gave the Prepares
	// still unanswered new requests.
	ahead, renewed bool
}

// prediction is one predicted operation.
type prediction struct {
	participant int
	sequence    uint32
	operation   []byte
	// handle is the client operation that took it (-1: none yet).
	handle int
	// answered is set once its reply came; result holds the reply while
	// no client operation took it.
	answered bool
	result   OperationResult
}

// Predict sends operations the transaction is expected to execute, in
// the order expected, before the client asks for them: they run on their
// streams at once, in parallel, and the client's operations take their
// results (see speculation.go). Nothing is awaited: the machine stays
// Quiet.
// Requires: a new machine (no operation executed, no decision).
func (m *TxnMachine) Predict(now int64, predicted []PredictedOperation) Ready {
	m.predict(now, predicted, false)
	return m.ready(now)
}

// PredictWhole is Predict for a prediction of the whole transaction: with
// two streams or more, a Prepare is appended to each right behind its
// predicted operations (prepared ahead, see speculation.go), so that
// Commit has only the Commit round left when the client used exactly the
// predictions; anything else aborts the transaction (mispredicted).
// Nothing is awaited.
// Requires: a new machine.
func (m *TxnMachine) PredictWhole(now int64, predicted []PredictedOperation) Ready {
	streams := 0
	for i, op := range predicted {
		if !slices.ContainsFunc(predicted[:i], func(earlier PredictedOperation) bool { return earlier.Stream == op.Stream }) {
			streams++
		}
	}
	m.predict(now, predicted, streams > 1)
	if m.speculation != nil && m.speculation.ahead {
		m.prepareAhead()
	}
	return m.ready(now)
}

func (m *TxnMachine) predict(now int64, predicted []PredictedOperation, ahead bool) {
	m.startInput()
	m.requireActive("Predict")
	if m.operationsStarted != 0 || m.speculation != nil {
		assert.Broken("coordinator: txn %v: Predict after %d operations", m.id, m.operationsStarted)
	}
	if len(predicted) == 0 {
		return
	}
	s := &txnSpeculation{ahead: ahead}
	m.speculation = s
	until := m.patience()
	if ahead {
		until = min(until, now+aheadWaitIntervals*int64(m.config.RetryInterval))
	}
	for _, op := range predicted {
		index := m.participantIndex(op.Stream)
		s.grow(len(m.participants))
		p := &m.participants[index]
		p.sequence++
		s.predicted[index]++
		s.predictions = append(s.predictions, prediction{participant: index, sequence: p.sequence,
			operation: op.Operation, handle: -1})
		m.launchUntil(now, sentOperation{handle: -1, participant: index, kind: wire.EntryOperation,
			sequence: p.sequence, operation: op.Operation}, until)
	}
}

// prepareAhead appends a Prepare to every participant, saying every
// prediction sent there is used; the votes are taken as they come, and
// Commit's vote round (commitAhead) resends to those that did not vote.
// The participants' start positions are not known yet: each peer's is
// given as a lower bound, the head of its log as the coordinator's
// earlier replies showed it (MachineConfig.Heads; 0 when unknown: a
// termination then reads that stream from its first retained entry),
// and the receiving stream's own as 0, which marks the Prepare as one
// appended ahead (a stream's processor knows its own start; any other
// Prepare gives it, at least 1).
func (m *TxnMachine) prepareAhead() {
	for i := range m.participants {
		p := &m.participants[i]
		p.inRound, p.answered, p.request = true, false, m.config.Requests.NextRequest()
		p.aheadRequest = p.request
	}
	m.roundPending = len(m.participants)
	var listSlots [participantSlotsLen]wire.Participant
	for i := range m.participants {
		entry := wire.Entry{Kind: wire.EntryPrepare, Txn: m.id, DeadlineNanos: m.deadlineNanos,
			Participants: listSlots[:0], Sequence: m.speculation.predicted[i]}
		for j := range m.participants {
			start := m.config.Heads.of(m.participants[j].stream)
			if j == i {
				start = 0
			}
			entry.Participants = append(entry.Participants, wire.Participant{Stream: m.participants[j].stream,
				StartPosition: start})
		}
		m.appendTo(m.participants[i].stream, m.participants[i].request, entry)
	}
}

// abortAheadNow acts at once on the abort notice of a transaction
// prepared ahead that has not begun committing: it may hold an older
// transaction up (it is prepared on one stream while waiting on another,
// and a processor cannot wound a prepared transaction, so it asks the
// coordinator to), and it is over anyway.
func (m *TxnMachine) abortAheadNow(now int64) {
	if s := m.speculation; s != nil && s.ahead && (m.phase == phaseActive || m.phase == phasePreparing) {
		m.abortAfterFailure(now, m.doom)
	}
}

// preparedEarly takes the answer to a Prepare that reached its log
// before the operations it counts ran there: before Commit, it is sent
// again under a new request at Commit; while Commit waits for votes, at
// once.
func (m *TxnMachine) preparedEarly(vote *wire.MsgVote) {
	for i := range m.participants {
		p := m.roundRequest(i, vote.Request)
		if p == nil {
			continue
		}
		p.early = true
		if m.phase == phasePreparing {
			m.prepareAgain(i)
		}
	}
}

// prepareAgain sends participant i its Prepare again, under a new request.
func (m *TxnMachine) prepareAgain(i int) {
	p := &m.participants[i]
	p.early, p.request = false, m.config.Requests.NextRequest()
	var listSlots [participantSlotsLen]wire.Participant
	entry := m.prepareEntry(listSlots[:0])
	entry.Sequence = m.usedSequence(i)
	m.appendTo(p.stream, p.request, entry)
}

// renewAhead gives the Prepares of a transaction prepared ahead that
// are still unanswered at the first resend of Commit's vote round new
// requests. The log drops a resend under the same request as a
// duplicate, so when the answer to the Prepare appended ahead was lost
// (a vote, or a CodeEarly that would have had it sent again), only a new
// request reaches the processor again. A vote for the first request is
// still taken.
func (m *TxnMachine) renewAhead() {
	s := m.speculation
	if s == nil || !s.ahead || s.renewed || m.phase != phasePreparing {
		return
	}
	s.renewed = true
	for i := range m.participants {
		if p := &m.participants[i]; p.inRound && !p.answered {
			p.request = m.config.Requests.NextRequest()
		}
	}
}

// commitAhead is Commit for a transaction prepared ahead: it commits only
// when the client took every prediction (its Prepares said so), and then
// only the votes not come yet are awaited, the Prepares resent to them
// every RetryInterval (renewAhead).
func (m *TxnMachine) commitAhead(now int64) {
	s := m.speculation
	m.dropPredictions()
	if s.taken != len(s.predictions) {
		for i := range s.predictions {
			if pr := &s.predictions[i]; pr.handle < 0 {
				stream := m.participants[pr.participant].stream
				m.decide(StatusAborted, clock.Timestamp{}, &AbortedError{Reason: ReasonMispredicted, Stream: stream,
					Detail: fmt.Sprintf("prepared ahead, and predicted operation %d on %s was not used", pr.sequence,
						stream)})
				break
			}
		}
		m.endRound()
		m.startAbort(now, false)
		return
	}
	m.phase = phasePreparing
	m.round = startTimer(now, m.config.resendInterval(), m.patience())
	if m.roundPending == 0 {
		m.startCommit(now)
		return
	}
	for i := range m.participants {
		if m.participants[i].early {
			m.prepareAgain(i)
		}
	}
}

// Speculation reports how many operations were predicted, how many of
// them a client operation took, and whether the transaction mispredicted.
func (m *TxnMachine) Speculation() (predicted, taken int, mispredicted bool) {
	if m.speculation == nil {
		return 0, 0, false
	}
	return len(m.speculation.predictions), m.speculation.taken, m.speculation.mispredicted
}

// grow gives every participant its counters.
func (s *txnSpeculation) grow(participants int) {
	for len(s.predicted) < participants {
		s.predicted = append(s.predicted, 0)
		s.used = append(s.used, 0)
	}
}

// find returns the prediction of a participant's sequence.
func (s *txnSpeculation) find(participant int, sequence uint32) *prediction {
	for i := range s.predictions {
		if pr := &s.predictions[i]; pr.participant == participant && pr.sequence == sequence {
			return pr
		}
	}
	return nil
}

// executePredicted matches the client's next operation on a participant
// against its prediction. It reports false when there is none left there
// (the operation is then sent as usual).
func (m *TxnMachine) executePredicted(now int64, handle int, index int, operation []byte) bool {
	s := m.speculation
	s.grow(len(m.participants))
	s.used[index]++
	sequence := s.used[index]
	if sequence > s.predicted[index] && s.ahead {
		stream := m.participants[index].stream
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonMispredicted, Stream: stream,
			Detail: fmt.Sprintf("prepared ahead, and operation %d on %s was not predicted", sequence, stream)})
		m.results = append(m.results, OperationResult{Operation: handle, Err: m.outcome.Err})
		return true
	}
	if sequence > s.predicted[index] {
		if m.participants[index].sequence != sequence-1 {
			assert.Broken("coordinator: txn %v: operation %d on %s after %d sent", m.id, sequence,
				m.participants[index].stream, m.participants[index].sequence)
		}
		return false
	}
	pr := s.find(index, sequence)
	if !bytes.Equal(pr.operation, operation) {
		stream := m.participants[index].stream
		m.abortAfterFailure(now, &AbortedError{Reason: ReasonMispredicted, Stream: stream,
			Detail: fmt.Sprintf("operation %d on %s differs from its prediction", sequence, stream)})
		m.results = append(m.results, OperationResult{Operation: handle, Err: m.outcome.Err})
		return true
	}
	pr.handle = handle
	s.taken++
	if pr.answered {
		m.results = append(m.results, take(&pr.result, handle))
		return true
	}
	for i := range m.inFlight {
		if op := &m.inFlight[i]; op.participant == index && op.sequence == sequence {
			op.handle = handle
			return true
		}
	}
	assert.Broken("coordinator: txn %v: prediction %d on %s neither answered nor in flight", m.id, sequence,
		m.participants[index].stream)
	return true
}

// answered records the reply to an operation that was predicted: kept
// for the client operation that takes it, if none did yet.
func (s *txnSpeculation) answered(op *sentOperation, result OperationResult) {
	if op.sequence > s.predicted[op.participant] {
		return // not a prediction
	}
	pr := s.find(op.participant, op.sequence)
	pr.answered = true
	if op.handle < 0 {
		pr.result = result
	}
}

// dropPredictions forgets the predictions in flight that no client
// operation took: their replies will match nothing.
func (m *TxnMachine) dropPredictions() {
	kept := m.inFlight[:0]
	for _, op := range m.inFlight {
		if op.handle >= 0 {
			kept = append(kept, op)
		}
	}
	m.inFlight = kept
}

// settlePredictions discards, at Commit, the predictions no client
// operation took. When one of them ran on a stream the client used, the
// transaction cannot commit: it is aborted (mispredicted) and false
// returned. Otherwise streams the client never used get an Abort.
func (m *TxnMachine) settlePredictions(now int64) bool {
	s := m.speculation
	m.dropPredictions()
	s.grow(len(m.participants))
	for i := range s.predictions {
		pr := &s.predictions[i]
		if pr.handle < 0 && pr.answered && s.used[pr.participant] > 0 {
			stream := m.participants[pr.participant].stream
			m.decide(StatusAborted, clock.Timestamp{}, &AbortedError{Reason: ReasonMispredicted, Stream: stream,
				Detail: fmt.Sprintf("predicted operation %d on %s ran and was not used", pr.sequence, stream)})
			m.startAbort(now, false)
			return false
		}
	}
	for i := range m.participants {
		if s.predicted[i] > 0 && s.used[i] == 0 {
			m.appendTo(m.participants[i].stream, m.config.Requests.NextRequest(),
				wire.Entry{Kind: wire.EntryAbort, Txn: m.id, DeadlineNanos: m.deadlineNanos})
		}
	}
	return true
}

// used reports whether the client used participant i (always, without
// speculation: every participant was sent a client operation).
func (m *TxnMachine) used(i int) bool {
	return m.speculation == nil || m.speculation.used[i] > 0
}

// usedSequence is what a Prepare or one-phase commit tells participant i
// of the operations used: their number when predictions were sent there,
// zero (no claim) otherwise.
func (m *TxnMachine) usedSequence(i int) uint32 {
	if s := m.speculation; s != nil && s.predicted[i] > 0 {
		return s.used[i]
	}
	return 0
}

// Speculative execution in a ReadMachine: Predict sends the predicted
// reads at begin as snapshot reads at the snapshot, in parallel. A
// snapshot read's answer depends only on the operation and the snapshot,
// so a client read takes the result of any predicted read with the same
// stream and bytes not taken yet, in whatever order; a read that matches
// none is sent as usual (the fallback to normal execution), and counts as
// a misprediction while predictions were left untaken. A predicted read
// that is never taken is forgotten; one unanswered within the read
// timeout is forgotten too (a client read matching it is then sent anew).

// readSpeculation is what a speculating read-only transaction predicted.
type readSpeculation struct {
	predictions  []readPrediction
	taken        int
	mispredicted bool
}

// readPrediction is one predicted read.
type readPrediction struct {
	stream    string
	operation []byte
	request   wire.RequestID
	// taken: a client read took it; answered: its reply came, kept in
	// result while untaken; forgotten: it will never be answered.
	taken, answered, forgotten bool
	result                     OperationResult
}

// Predict sends reads the transaction is expected to make, as snapshot
// reads at its snapshot, before the client asks for them. Nothing is
// awaited: the machine stays Quiet.
// Requires: a new machine (no read made).
func (r *ReadMachine) Predict(now int64, predicted []PredictedOperation) Ready {
	r.startInput()
	if r.readsStarted != 0 || r.speculation != nil {
		assert.Broken("coordinator: read-only Predict after %d reads", r.readsStarted)
	}
	if len(predicted) == 0 {
		return r.ready(now)
	}
	r.speculation = &readSpeculation{}
	for _, op := range predicted {
		r.launch(now, -1, op.Stream, op.Operation)
		request := r.inFlight[len(r.inFlight)-1].message.Request
		r.speculation.predictions = append(r.speculation.predictions, readPrediction{stream: op.Stream,
			operation: op.Operation, request: request})
	}
	return r.ready(now)
}

// Speculation reports how many reads were predicted, how many of them a
// client read took, and whether a client read matched none while some
// were left.
func (r *ReadMachine) Speculation() (predicted, taken int, mispredicted bool) {
	if r.speculation == nil {
		return 0, 0, false
	}
	return len(r.speculation.predictions), r.speculation.taken, r.speculation.mispredicted
}

// readPredicted gives a client read the result of a matching predicted
// read, now or when it comes. It reports false when none matches.
func (r *ReadMachine) readPredicted(handle int, stream string, operation []byte) bool {
	s := r.speculation
	left := false
	for i := range s.predictions {
		pr := &s.predictions[i]
		if pr.taken || pr.forgotten {
			continue
		}
		left = true
		if pr.stream != stream || !bytes.Equal(pr.operation, operation) {
			continue
		}
		pr.taken = true
		s.taken++
		if pr.answered {
			r.results = append(r.results, take(&pr.result, handle))
			return true
		}
		for j := range r.inFlight {
			if r.inFlight[j].message.Request == pr.request {
				r.inFlight[j].handle = handle
				return true
			}
		}
		assert.Broken("coordinator: predicted read %v neither answered nor in flight", pr.request)
	}
	s.mispredicted = s.mispredicted || left
	return false
}

// answered keeps the result of a predicted read no client read took yet.
func (s *readSpeculation) answered(request wire.RequestID, result OperationResult) {
	for i := range s.predictions {
		if pr := &s.predictions[i]; pr.request == request {
			pr.answered, pr.result = true, result
			return
		}
	}
}

// forget drops predicted read i from the reads in flight, untaken.
func (r *ReadMachine) forget(i int) {
	request := r.inFlight[i].message.Request
	r.inFlight = append(r.inFlight[:i], r.inFlight[i+1:]...)
	for j := range r.speculation.predictions {
		if pr := &r.speculation.predictions[j]; pr.request == request {
			pr.forgotten = true
		}
	}
}

// take hands the result kept for a prediction to client operation handle.
func take(kept *OperationResult, handle int) OperationResult {
	result := *kept
	result.Operation = handle
	*kept = OperationResult{}
	return result
}
