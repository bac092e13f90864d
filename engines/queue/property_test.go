package queue

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// TestSerializableInCommitOrder runs interleaved transactions against the
// engine and checks every answer of every committed transaction against a
// serial model replayed in commit order, snapshot reads against the model
// as of their timestamp, exact blocking of snapshot reads by prepared
// transactions, and that nothing is held at the end.
//
// Some interleavings that break the rules need about a thousand cases to
// show up, so the property runs in rounds of rapid's default count (one
// round with -short).
func TestSerializableInCommitOrder(t *testing.T) {
	rounds := 10
	if testing.Short() {
		rounds = 1
	}
	for round := range rounds {
		t.Run(fmt.Sprintf("round-%d", round), func(t *testing.T) {
			rapid.Check(t, checkSerializableInCommitOrder)
		})
	}
}

func checkSerializableInCommitOrder(t *rapid.T) {
	h := newHarness(t)
	steps := rapid.IntRange(1, 150).Draw(t, "steps")
	for range steps {
		h.step()
	}
	h.finish()
}

// harnessTxn is one transaction of the harness.
type harnessTxn struct {
	number           int64
	prepared         bool
	prepareTimestamp int64
	// operations and answers of the Done operations, in order.
	operations []operation
	answers    []value.Value
	// effects mirrors what the transaction will change per queue, to
	// predict which prepared transactions block snapshot reads.
	effects map[string]*effect
}

type effect struct {
	enqueued, dequeued int
	cleared            bool
}

func (e *effect) changes() bool { return e.enqueued > 0 || e.dequeued > 0 || e.cleared }

type committedState struct {
	commitTimestamp int64
	state           model
}

type harness struct {
	t      *rapid.T
	engine engines.Engine
	// now is the last timestamp handed out; every prepare and commit
	// timestamp is new, so it exceeds every snapshot served before.
	now                 int64
	lastCommitTimestamp int64
	txnNext             int64
	valueNext           int64
	open                map[int64]*harnessTxn
	// latest is the serial model after every commit so far; history holds
	// it after each commit.
	latest  model
	history []committedState
	// watermark is the garbage-collection watermark: snapshot reads go
	// at or above it.
	watermark int64
}

func newHarness(t *rapid.T) *harness {
	return &harness{t: t, engine: NewEngine(), open: map[int64]*harnessTxn{}, latest: model{},
		history: []committedState{{state: model{}}}}
}

func (h *harness) tick() int64 {
	h.now++
	return h.now
}

func (h *harness) openNumbers() []int64 {
	numbers := make([]int64, 0, len(h.open))
	for number := range h.open {
		numbers = append(numbers, number)
	}
	slices.Sort(numbers)
	return numbers
}

func (h *harness) step() {
	actions := []string{"begin", "operation", "operation", "operation", "prepare", "commit", "abort", "read", "checkpoint",
		"garbage", "collect"}
	switch rapid.SampledFrom(actions).Draw(h.t, "action") {
	case "begin":
		if len(h.open) < 4 {
			h.txnNext++
			txn := &harnessTxn{number: h.txnNext, effects: map[string]*effect{}}
			h.open[txn.number] = txn
			h.operate(txn)
		}
	case "operation":
		if txn := h.pickActive(); txn != nil {
			h.operate(txn)
		}
	case "prepare":
		if txn := h.pickActive(); txn != nil {
			h.prepare(txn)
		}
	case "commit":
		if txn := h.pickOpen(); txn != nil {
			h.commit(txn)
		}
	case "abort":
		if txn := h.pickOpen(); txn != nil {
			h.abort(txn)
		}
	case "read":
		h.snapshotRead()
	case "checkpoint":
		h.checkpointRestore()
	case "garbage":
		h.garbage()
	case "collect":
		h.collect()
	}
}

// collect raises the engine's garbage-collection watermark to a random
// time at or below now, strictly below every prepare timestamp (as the
// processor does); snapshot reads at or above it must not change.
func (h *harness) collect() {
	limit := h.now
	for _, number := range h.openNumbers() {
		if txn := h.open[number]; txn.prepared {
			limit = min(limit, txn.prepareTimestamp-1)
		}
	}
	if limit <= h.watermark {
		return
	}
	h.watermark = rapid.Int64Range(h.watermark+1, limit).Draw(h.t, "watermark")
	h.engine.(engines.Collector).Collect(timestamp(h.watermark))
}

func (h *harness) pickOpen() *harnessTxn {
	numbers := h.openNumbers()
	if len(numbers) == 0 {
		return nil
	}
	return h.open[rapid.SampledFrom(numbers).Draw(h.t, "txn")]
}

func (h *harness) pickActive() *harnessTxn {
	var active []int64
	for _, number := range h.openNumbers() {
		if !h.open[number].prepared {
			active = append(active, number)
		}
	}
	if len(active) == 0 {
		return nil
	}
	return h.open[rapid.SampledFrom(active).Draw(h.t, "txn")]
}

func (h *harness) drawOperation(kinds []operationKind) operation {
	op := operation{
		kind:  rapid.SampledFrom(kinds).Draw(h.t, "kind"),
		queue: rapid.SampledFrom([]string{"a", "b"}).Draw(h.t, "queue"),
	}
	if op.kind == operationEnqueue {
		h.valueNext++
		op.item = value.Append(nil, value.Int(h.valueNext))
	}
	return op
}

func operationBytes(op operation) []byte {
	if op.kind == operationEnqueue {
		value, _ := value.Decode(op.item)
		return encodeEnqueue(op.queue, value)
	}
	return encodeOperation(op.kind, op.queue)
}

var allKinds = []operationKind{operationEnqueue, operationEnqueue, operationDequeue, operationPeek,
	operationSize, operationIsEmpty, operationClear}

// operate applies a drawn operation of txn, wounding younger unprepared
// blockers (wound-wait) or aborting txn when it must wait.
func (h *harness) operate(txn *harnessTxn) {
	op := h.drawOperation(allKinds)
	for attempt := 0; ; attempt++ {
		outcome := h.engine.Apply(txnID(txn.number), operationBytes(op), timestamp(h.now))
		switch outcome.Status {
		case engines.StatusDone:
			h.record(txn, op, outcome)
			return
		case engines.StatusFailed:
			h.t.Fatalf("txn %d: %v failed: %v", txn.number, op.kind, outcome.Err)
		}
		h.checkBlockers(txn, outcome)
		if attempt > 8 || !h.woundAll(txn, outcome.Blockers) {
			h.abort(txn)
			return
		}
	}
}

func (h *harness) checkBlockers(txn *harnessTxn, outcome engines.Outcome) {
	if outcome.WaitFor != engines.WaitForFinished || len(outcome.Blockers) == 0 {
		h.t.Fatalf("txn %d: blocked outcome %s", txn.number, formatOutcome(outcome))
	}
	for _, blocker := range outcome.Blockers {
		if blocker.WallNanos == txn.number || h.open[blocker.WallNanos] == nil {
			h.t.Fatalf("txn %d: blocked on %d, not another open transaction", txn.number, blocker.WallNanos)
		}
	}
}

// woundAll aborts the blockers if txn is older than each and none is
// prepared, and reports whether it did.
func (h *harness) woundAll(txn *harnessTxn, blockers []engines.TxnID) bool {
	for _, blocker := range blockers {
		if blocker.WallNanos < txn.number || h.open[blocker.WallNanos].prepared {
			return false
		}
	}
	for _, blocker := range blockers {
		h.abort(h.open[blocker.WallNanos])
	}
	return true
}

// record keeps a Done answer and mirrors the transaction's effect.
func (h *harness) record(txn *harnessTxn, op operation, outcome engines.Outcome) {
	answer, err := value.Decode(outcome.Result)
	if err != nil {
		h.t.Fatalf("txn %d: %v answer %x: %v", txn.number, op.kind, outcome.Result, err)
	}
	txn.operations = append(txn.operations, op)
	txn.answers = append(txn.answers, answer)
	e := txn.effects[op.queue]
	if e == nil {
		e = &effect{}
		txn.effects[op.queue] = e
	}
	switch {
	case op.kind == operationEnqueue:
		e.enqueued++
	case op.kind == operationClear:
		*e = effect{cleared: true}
	case op.kind == operationDequeue && answer.Len() == 1:
		if !e.cleared && len(h.latest[op.queue])-e.dequeued > 0 {
			e.dequeued++
			return
		}
		if e.enqueued == 0 {
			h.t.Fatalf("txn %d: dequeued %v from nowhere", txn.number, answer)
		}
		e.enqueued--
	}
}

func (h *harness) prepare(txn *harnessTxn) {
	prepareTimestamp := h.tick()
	if err := h.engine.Prepare(txnID(txn.number), timestamp(prepareTimestamp)); err != nil {
		h.t.Fatalf("prepare txn %d: %v", txn.number, err)
	}
	txn.prepared = true
	txn.prepareTimestamp = prepareTimestamp
}

// commit commits txn (one-phase when active) and checks its answers
// against the serial model at this point of the commit order.
func (h *harness) commit(txn *harnessTxn) {
	commitTimestamp := h.tick()
	if txn.prepared && txn.prepareTimestamp > h.lastCommitTimestamp && rapid.Bool().Draw(h.t, "commit at prepare") {
		commitTimestamp = txn.prepareTimestamp
	}
	if err := h.engine.Commit(txnID(txn.number), timestamp(commitTimestamp)); err != nil {
		h.t.Fatalf("commit txn %d at %d: %v", txn.number, commitTimestamp, err)
	}
	h.lastCommitTimestamp = commitTimestamp
	delete(h.open, txn.number)
	for index, op := range txn.operations {
		want := h.latest.apply(op)
		if got := txn.answers[index]; !got.Equal(want) {
			h.t.Fatalf("txn %d committed at %d: operation %d (%v %q) answered %v, serial order says %v",
				txn.number, commitTimestamp, index, op.kind, op.queue, got, want)
		}
	}
	h.history = append(h.history, committedState{commitTimestamp: commitTimestamp, state: h.latest.clone()})
}

func (h *harness) abort(txn *harnessTxn) {
	h.engine.Abort(txnID(txn.number))
	delete(h.open, txn.number)
}

// snapshotRead reads at a past timestamp and checks the answer against
// the model as of that timestamp, and blocking against the prepared
// transactions that change the queue.
func (h *harness) snapshotRead() {
	snapshot := rapid.Int64Range(h.watermark, max(h.watermark, h.now)).Draw(h.t, "snapshot")
	op := h.drawOperation([]operationKind{operationPeek, operationSize, operationIsEmpty})
	outcome := h.engine.Read(operationBytes(op), timestamp(snapshot))
	var wantBlockers []engines.TxnID
	for _, number := range h.openNumbers() {
		txn := h.open[number]
		if e := txn.effects[op.queue]; txn.prepared && txn.prepareTimestamp <= snapshot && e != nil && e.changes() {
			wantBlockers = append(wantBlockers, txnID(number))
		}
	}
	if len(wantBlockers) > 0 {
		want := formatOutcome(engines.Blocked(engines.WaitForFinished, wantBlockers...))
		if got := formatOutcome(outcome); got != want {
			h.t.Fatalf("read %v %q at %d: %s, want %s", op.kind, op.queue, snapshot, got, want)
		}
		return
	}
	if outcome.Status != engines.StatusDone {
		h.t.Fatalf("read %v %q at %d: %s", op.kind, op.queue, snapshot, formatOutcome(outcome))
	}
	state := h.history[0].state
	for _, committed := range h.history {
		if committed.commitTimestamp <= snapshot {
			state = committed.state
		}
	}
	want := state.clone().apply(op)
	if got, _ := value.Decode(outcome.Result); !got.Equal(want) {
		h.t.Fatalf("read %v %q at %d: %v, want %v", op.kind, op.queue, snapshot, got, want)
	}
}

func (h *harness) checkpointRestore() {
	data := h.engine.Checkpoint()
	restored, err := Restore(data)
	if err != nil {
		h.t.Fatalf("restore: %v", err)
	}
	if again := restored.Checkpoint(); string(again) != string(data) {
		h.t.Fatalf("restored engine checkpoints to different bytes")
	}
	if restored.Held() != h.engine.Held() {
		h.t.Fatalf("restored engine holds %+v, not %+v", restored.Held(), h.engine.Held())
	}
	h.engine = restored
}

// garbage applies bad operation bytes: refused as invalid, no effect.
func (h *harness) garbage() {
	bad := rapid.SliceOfN(rapid.Byte(), 0, 12).Draw(h.t, "garbage")
	txn := h.pickActive()
	if txn == nil {
		return
	}
	before := h.engine.Held()
	outcome := h.engine.Apply(txnID(txn.number), bad, timestamp(h.now))
	if outcome.Status != engines.StatusFailed || !errors.Is(outcome.Err, engines.ErrInvalid) {
		h.t.Fatalf("garbage %x: %s", bad, formatOutcome(outcome))
	}
	if after := h.engine.Held(); after.Locks != before.Locks || after.Reservations != before.Reservations {
		h.t.Fatalf("garbage %x changed holdings %+v to %+v", bad, before, after)
	}
}

// finish ends every open transaction, drains the queues in one more
// transaction and checks the contents and that nothing is held.
func (h *harness) finish() {
	for _, number := range h.openNumbers() {
		txn := h.open[number]
		if rapid.Bool().Draw(h.t, "commit at end") {
			h.commit(txn)
		} else {
			h.abort(txn)
		}
	}
	if held := h.engine.Held(); !held.IsZero() {
		h.t.Fatalf("all transactions finished but the engine holds %+v", held)
	}
	h.checkLatestReads()
	h.txnNext++
	drainer := &harnessTxn{number: h.txnNext, effects: map[string]*effect{}}
	for _, name := range []string{"a", "b"} {
		for {
			op := operation{kind: operationDequeue, queue: name}
			outcome := h.engine.Apply(txnID(drainer.number), operationBytes(op), timestamp(h.now))
			if outcome.Status != engines.StatusDone {
				h.t.Fatalf("drain %q: %s", name, formatOutcome(outcome))
			}
			h.record(drainer, op, outcome)
			if answer, _ := value.Decode(outcome.Result); answer.Len() == 0 {
				break
			}
		}
	}
	h.open[drainer.number] = drainer
	h.commit(drainer)
	if held := h.engine.Held(); !held.IsZero() {
		h.t.Fatalf("after draining the engine holds %+v", held)
	}
}

// checkLatestReads reads every queue above every commit.
func (h *harness) checkLatestReads() {
	snapshot := h.tick()
	for _, name := range []string{"a", "b"} {
		for _, kind := range []operationKind{operationPeek, operationSize, operationIsEmpty} {
			op := operation{kind: kind, queue: name}
			outcome := h.engine.Read(operationBytes(op), timestamp(snapshot))
			want := h.latest.clone().apply(op)
			if got, _ := value.Decode(outcome.Result); outcome.Status != engines.StatusDone || !got.Equal(want) {
				h.t.Fatalf("final read %v %q: %s, want %v", kind, name, formatOutcome(outcome), want)
			}
		}
	}
}
