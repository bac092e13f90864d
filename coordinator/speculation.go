package coordinator

import (
	"bytes"
	"fmt"

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
	m.startInput()
	m.requireActive("Predict")
	if m.operationsStarted != 0 || m.speculation != nil {
		assert.Broken("coordinator: txn %v: Predict after %d operations", m.id, m.operationsStarted)
	}
	if len(predicted) == 0 {
		return m.ready(now)
	}
	s := &txnSpeculation{}
	m.speculation = s
	for _, op := range predicted {
		index := m.participantIndex(op.Stream)
		s.grow(len(m.participants))
		p := &m.participants[index]
		p.sequence++
		s.predicted[index]++
		s.predictions = append(s.predictions, prediction{participant: index, sequence: p.sequence,
			operation: op.Operation, handle: -1})
		m.launch(now, sentOperation{handle: -1, participant: index, kind: wire.EntryOperation, sequence: p.sequence,
			operation: op.Operation})
	}
	return m.ready(now)
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
