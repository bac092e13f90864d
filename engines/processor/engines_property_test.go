package processor_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// These properties drive a processor over each real engine (kv, queue,
// resource, stream) with random interleaved transactions appended straight
// into one stream, the way a coordinator would, and check that
//   (a) every reply of every committed transaction, and the final state
//       (read by probes appended at the end), equal a serial execution of
//       the committed transactions in commit-timestamp order;
//   (b) nothing deadlocks: every operation completes or its transaction
//       aborts, and afterwards nothing is active, prepared, pending,
//       deferred or held;
//   (c) crashing after any entry, restoring a checkpoint taken at an
//       earlier entry and replaying reaches a byte-identical checkpoint.

// engineSpec adapts one engine to the generic driver. Operations are
// written as fields (`put a1 7`, `transfer a b 1.25`); the typed client
// encodes them and decodes their answers into canonical text, which the
// serial model produces too.
type engineSpec struct {
	restore engines.Restorer
	// setup are ad-hoc operations applied first (creating a token...).
	setup [][]string
	draw  func(t *rapid.T, value int64) []string
	// probes are ad-hoc operations appended after every transaction
	// finished; `dequeue` probes repeat until the answer is "none".
	probes [][]string
	// allowed, when set, filters a drawn operation given the earlier ones
	// of its transaction (see resourceAllowed).
	allowed  func(earlier []issuedOperation, fields []string) bool
	newModel func() serialModel
	// run performs fields through the engine's typed client over executor
	// and returns the canonical answer.
	run func(executor engines.Executor, fields []string) (string, error)
}

// serialModel executes operations one after the other, as a serial
// history of the committed transactions would.
type serialModel interface {
	apply(fields []string) string
}

// recordExecutor is the executor behind the typed clients: it records the
// operation bytes and answers with a reply recorded earlier.
type recordExecutor struct {
	operation []byte
	result    []byte
	err       error
}

func (e *recordExecutor) Execute(_ context.Context, _ string, operation []byte) ([]byte, error) {
	e.operation = operation
	return e.result, e.err
}

var errNotExecuted = errors.New("processor_test: only encoding")

// encode returns the operation bytes the typed client builds for fields.
func (s *engineSpec) encode(fields []string) []byte {
	executor := &recordExecutor{err: errNotExecuted}
	_, _ = s.run(executor, fields)
	if executor.operation == nil {
		panic("processor_test: the client encoded nothing for " + strings.Join(fields, " "))
	}
	return executor.operation
}

// answer decodes a reply through the typed client into canonical text.
func (s *engineSpec) answer(fields []string, reply wire.MsgOperationReply) string {
	executor := &recordExecutor{result: reply.Result}
	if reply.Status == engines.StatusFailed {
		executor.err = &engines.Refusal{Code: reply.Code, Message: reply.Error}
	}
	text, err := s.run(executor, fields)
	if err != nil {
		return "failed " + string(engines.AsRefusal(err).Code)
	}
	return text
}

// liveTxn is the test coordinator's view of a transaction in flight.
type liveTxn struct {
	id         engines.TxnID
	sequence   uint32
	waiting    wire.RequestID  // an operation not answered yet
	prepared   clock.Timestamp // the vote's prepare timestamp
	adHoc      bool            // a one-phase entry with its operation
	operations int
}

type issuedOperation struct {
	request wire.RequestID
	fields  []string
}

type commitRecord struct {
	id    engines.TxnID
	stamp clock.Timestamp
}

// history is one generated run and what the processor answered.
type history struct {
	spec       *engineSpec
	log        *memLog
	live       []*liveTxn
	nextTxn    int64
	operations map[engines.TxnID][]issuedOperation
	fields     map[wire.RequestID][]string
	answers    map[wire.RequestID]string
	commits    []commitRecord
	committed  map[engines.TxnID]bool
	maxCommit  clock.Timestamp
	// Coverage counters.
	wounds, deferrals, outOfOrderCommits, checkedAnswers int
}

func newHistory(spec *engineSpec) *history {
	engine, err := spec.restore(nil)
	if err != nil {
		panic(err)
	}
	return &history{spec: spec, log: newMemLog(engine), nextTxn: 1,
		operations: map[engines.TxnID][]issuedOperation{}, fields: map[wire.RequestID][]string{},
		answers: map[wire.RequestID]string{}, committed: map[engines.TxnID]bool{}}
}

func (h *history) find(id engines.TxnID) *liveTxn {
	for _, txn := range h.live {
		if txn.id == id {
			return txn
		}
	}
	return nil
}

func (h *history) drop(id engines.TxnID) {
	h.live = slices.DeleteFunc(h.live, func(txn *liveTxn) bool { return txn.id == id })
}

func (h *history) recordCommit(id engines.TxnID, stamp clock.Timestamp) {
	if h.committed[id] {
		return
	}
	h.committed[id] = true
	if stamp.Less(h.maxCommit) {
		h.outOfOrderCommits++
	}
	h.maxCommit = h.maxCommit.Max(stamp)
	h.commits = append(h.commits, commitRecord{id: id, stamp: stamp})
}

// absorb reads the processor's answers like a coordinator: answered
// operations, votes, outcomes and transactions the processor aborted.
func (h *history) absorb() {
	for _, message := range h.log.take() {
		switch m := message.(type) {
		case wire.MsgOperationReply:
			h.absorbReply(m)
		case wire.MsgVote:
			if txn := h.find(m.Txn); txn != nil && m.Prepared {
				txn.prepared = m.PrepareTimestamp
			} else {
				h.drop(m.Txn)
			}
		case wire.MsgOutcome:
			if m.Committed {
				h.recordCommit(m.Txn, m.CommitTimestamp)
			} else if strings.Contains(m.Reason, "wounded") {
				h.wounds++
			}
			h.drop(m.Txn)
		}
	}
}

func (h *history) absorbReply(m wire.MsgOperationReply) {
	if _, seen := h.answers[m.Request]; !seen {
		h.answers[m.Request] = h.spec.answer(h.fields[m.Request], m)
	}
	txn := h.find(m.Txn)
	if txn == nil || txn.waiting != m.Request {
		return
	}
	txn.waiting = wire.RequestID{}
	switch {
	case txn.adHoc && m.Status == engines.StatusDone:
		h.recordCommit(m.Txn, m.Timestamp)
		h.drop(m.Txn)
	case txn.adHoc, m.Code == engines.CodeAborted, m.Code == engines.CodeDeadline:
		if strings.Contains(m.Error, "wounded") {
			h.wounds++
		}
		h.drop(m.Txn)
	}
}

// deadlineNanos is far beyond any entry of these runs.
const deadlineNanos = 1 << 50

func (h *history) appendEntry(entry wire.Entry) wire.RequestID {
	entry.DeadlineNanos = deadlineNanos
	return h.log.append(entry)
}

// operate appends the next operation of txn and notes whether it was
// deferred (no answer yet).
func (h *history) operate(txn *liveTxn, fields []string) {
	txn.sequence++
	txn.operations++
	kind := wire.EntryOperation
	if txn.adHoc {
		kind = wire.EntryOnePhase
	}
	entry := wire.Entry{Kind: kind, Txn: txn.id, Sequence: txn.sequence, Operation: h.spec.encode(fields)}
	txn.waiting = wire.RequestID{Origin: uint64(memCoordinatorAddress), Sequence: h.log.requests + 1}
	h.fields[txn.waiting] = fields
	h.operations[txn.id] = append(h.operations[txn.id], issuedOperation{request: txn.waiting, fields: fields})
	request := h.appendEntry(entry)
	h.absorb()
	if _, answered := h.answers[request]; !answered {
		h.deferrals++
	}
}

func (h *history) begin(adHoc bool) *liveTxn {
	txn := &liveTxn{id: engines.TxnID{WallNanos: h.nextTxn, Node: 9}, adHoc: adHoc}
	h.nextTxn++
	h.live = append(h.live, txn)
	return txn
}

// ready lists the transactions that may take a step: not waiting, not
// ad-hoc.
func (h *history) ready() []*liveTxn {
	var list []*liveTxn
	for _, txn := range h.live {
		if !txn.adHoc && txn.waiting == (wire.RequestID{}) {
			list = append(list, txn)
		}
	}
	return list
}

func (h *history) prepared() []*liveTxn {
	var list []*liveTxn
	for _, txn := range h.ready() {
		if !txn.prepared.IsZero() {
			list = append(list, txn)
		}
	}
	return list
}

// finish commits or aborts txn as its coordinator would.
func (h *history) finish(txn *liveTxn, commit bool, commitTimestamp clock.Timestamp) {
	switch {
	case txn.operations == 0:
		h.drop(txn.id) // the stream never heard of it
		return
	case !commit:
		h.appendEntry(wire.Entry{Kind: wire.EntryAbort, Txn: txn.id})
	case txn.prepared.IsZero():
		h.appendEntry(wire.Entry{Kind: wire.EntryOnePhase, Txn: txn.id})
	default:
		h.appendEntry(wire.Entry{Kind: wire.EntryCommit, Txn: txn.id, CommitTimestamp: commitTimestamp})
	}
	h.drop(txn.id)
	h.absorb()
}

// step draws and performs one coordinator action.
func (h *history) step(t *rapid.T) {
	candidates := h.ready()
	unprepared := slices.DeleteFunc(slices.Clone(candidates), func(txn *liveTxn) bool { return !txn.prepared.IsZero() })
	action := rapid.IntRange(0, 11).Draw(t, "action")
	switch {
	case action <= 1 || len(candidates) == 0:
		h.begin(false)
	case action <= 5 && len(unprepared) > 0:
		txn := rapid.SampledFrom(unprepared).Draw(t, "txn")
		fields := h.spec.draw(t, txn.id.WallNanos*100+int64(txn.sequence))
		if h.spec.allowed == nil || h.spec.allowed(h.operations[txn.id], fields) {
			h.operate(txn, fields)
		}
	case action == 6 && len(unprepared) > 0:
		txn := rapid.SampledFrom(unprepared).Draw(t, "txn")
		if txn.operations > 0 {
			h.appendEntry(wire.Entry{Kind: wire.EntryPrepare, Txn: txn.id, Participants: []wire.Participant{
				{Stream: memStream, StartPosition: 1}, {Stream: "peer", StartPosition: 1}}})
			h.absorb()
		}
	case action == 7 && len(h.prepared()) > 0:
		txn := rapid.SampledFrom(h.prepared()).Draw(t, "txn")
		h.finish(txn, true, h.drawCommitTimestamp(t, txn.prepared))
	case action == 7:
		h.finish(rapid.SampledFrom(candidates).Draw(t, "txn"), true, clock.Timestamp{})
	case action == 8:
		live := slices.DeleteFunc(slices.Clone(h.live), func(txn *liveTxn) bool { return txn.adHoc })
		if len(live) > 0 {
			h.finish(rapid.SampledFrom(live).Draw(t, "txn"), false, clock.Timestamp{})
		}
	case action == 9:
		txn := h.begin(true)
		h.operate(txn, h.spec.draw(t, txn.id.WallNanos*100))
	default:
		h.appendEntry(wire.Entry{Kind: wire.EntryTick})
		h.absorb()
	}
}

// drawCommitTimestamp is the vote's prepare timestamp, or sometimes a
// larger one, as when another participant voted higher.
func (h *history) drawCommitTimestamp(t *rapid.T, prepared clock.Timestamp) clock.Timestamp {
	if rapid.Bool().Draw(t, "peerVotedHigher") {
		return clock.Timestamp{WallNanos: prepared.WallNanos + rapid.Int64Range(1, 300).Draw(t, "peerAheadNanos"), Node: 2}
	}
	return prepared
}

// adHoc runs an ad-hoc operation that nothing can block and returns its
// answer.
func (h *history) adHoc(t interface{ Fatalf(string, ...any) }, fields []string) string {
	txn := h.begin(true)
	h.operate(txn, fields)
	answer, answered := h.answers[h.operations[txn.id][0].request]
	if !answered {
		t.Fatalf("ad-hoc %q with nothing else in flight was not answered", strings.Join(fields, " "))
	}
	return answer
}

// generateHistory runs setup, random steps, finishes every transaction
// (checking for deadlock) and appends the probes.
func generateHistory(t *rapid.T, spec *engineSpec) *history {
	h := newHistory(spec)
	for _, fields := range spec.setup {
		h.adHoc(t, fields)
	}
	for range rapid.IntRange(1, 80).Draw(t, "steps") {
		h.step(t)
	}
	for len(h.live) > 0 {
		candidates := h.ready()
		if len(candidates) == 0 {
			t.Fatalf("deadlock: every one of %d live transactions waits", len(h.live))
		}
		h.finish(candidates[0], true, candidates[0].prepared)
	}
	for _, fields := range spec.probes {
		for index := 0; h.adHoc(t, fields) != "none" && fields[0] == "dequeue"; index++ {
			if index > 1000 {
				t.Fatalf("probe %q never reached an empty queue", strings.Join(fields, " "))
			}
		}
	}
	return h
}

// checkSerial replays the committed transactions in commit-timestamp order
// through the serial model and compares every answer.
func (h *history) checkSerial(t *rapid.T) {
	slices.SortFunc(h.commits, func(a, b commitRecord) int { return a.stamp.Compare(b.stamp) })
	model := h.spec.newModel()
	for _, commit := range h.commits {
		for _, operation := range h.operations[commit.id] {
			got, answered := h.answers[operation.request]
			if !answered {
				t.Fatalf("committed %v: %q never answered", commit.id, strings.Join(operation.fields, " "))
			}
			if want := model.apply(operation.fields); got != want {
				t.Fatalf("committed %v at %v: %q answered %q, the serial order says %q",
					commit.id, commit.stamp, strings.Join(operation.fields, " "), got, want)
			}
			h.checkedAnswers++
		}
	}
}

func checkQuiet(t *rapid.T, status processor.Status) {
	if status.Active != 0 || status.Prepared != 0 || status.PendingCommits != 0 || status.Deferred != 0 {
		t.Fatalf("transactions left behind: %+v", status)
	}
	if !status.Held.IsZero() {
		t.Fatalf("the engine still holds %+v", status.Held)
	}
}

// checkReplay crashes after a random entry, recovers from a checkpoint
// taken at a random earlier entry and replays the rest of the log.
func (h *history) checkReplay(t *rapid.T) {
	final := h.log.processor.Checkpoint()
	entries := h.log.entries
	engine, err := h.spec.restore(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := processor.New(memConfig(), engine)
	checkpointAt := rapid.IntRange(0, len(entries)).Draw(t, "checkpointAt")
	crashAt := rapid.IntRange(checkpointAt, len(entries)).Draw(t, "crashAt")
	replay(p, entries[:checkpointAt])
	checkpoint := p.Checkpoint()
	replay(p, entries[checkpointAt:crashAt])
	recovered, err := processor.Recover(memConfig(), checkpoint, h.spec.restore)
	if err != nil {
		t.Fatalf("recover from the checkpoint at entry %d: %v", checkpointAt, err)
	}
	replay(recovered, entries[recovered.AppliedPosition():])
	if !bytes.Equal(recovered.Checkpoint(), final) {
		t.Fatalf("checkpoint at %d, crash after %d: replay differs from the uninterrupted run", checkpointAt, crashAt)
	}
}

// checkThroughProcessor runs the three properties over spec's engine and
// makes sure the generator is not tame.
func checkThroughProcessor(t *testing.T, spec *engineSpec) {
	var wounds, deferrals, outOfOrder, checked int
	rapid.Check(t, func(t *rapid.T) {
		h := generateHistory(t, spec)
		checkQuiet(t, h.log.processor.Status())
		h.checkSerial(t)
		h.checkReplay(t)
		wounds += h.wounds
		deferrals += h.deferrals
		outOfOrder += h.outOfOrderCommits
		checked += h.checkedAnswers
	})
	t.Logf("coverage: %d wounds, %d deferrals, %d out-of-order commits, %d answers of committed transactions checked",
		wounds, deferrals, outOfOrder, checked)
	if !t.Failed() && (wounds == 0 || deferrals == 0 || outOfOrder == 0 || checked < 500) {
		t.Errorf("the generator is too tame: %d wounds, %d deferrals, %d out-of-order commits, %d answers checked",
			wounds, deferrals, outOfOrder, checked)
	}
}
