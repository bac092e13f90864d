package stream

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
	"pgregory.net/rapid"
)

// TestSerializableInCommitOrder runs interleaved transactions against the
// engine and checks every answer of every committed transaction against a
// serial model replayed in commit order; that every blocked operation
// waits for exactly the transactions the rules name; snapshot reads
// against the model as of their timestamp, blocked exactly by the
// prepared appenders when they look past the prefix; checkpoint and
// restore at random points; and that nothing is held at the end.
func TestSerializableInCommitOrder(t *testing.T) {
	rounds := 5
	if testing.Short() {
		rounds = 1
	}
	for round := range rounds {
		t.Run(fmt.Sprintf("round-%d", round), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := &harness{t: t, engine: NewEngine(), open: map[int64]*harnessTxn{}}
				for range rapid.IntRange(1, 150).Draw(t, "steps") {
					h.step()
				}
				h.finish()
			})
		})
	}
}

// model is the serial reference: the table as a plain slice.
type model []value.Value

// apply runs op serially on m and returns its answer.
func (m *model) apply(op operation) value.Value {
	switch op.kind {
	case operationAppend:
		for _, item := range op.values {
			decoded, err := value.Decode(item)
			if err != nil {
				panic(err)
			}
			*m = append(*m, decoded)
		}
		return value.Null()
	case operationReadFrom:
		first := min(op.position-1, uint64(len(*m)))
		return value.List((*m)[first:min(first+op.limit, uint64(len(*m)))]...)
	}
	return value.Int(int64(len(*m)))
}

type harnessTxn struct {
	number           int64
	prepared         bool
	prepareTimestamp int64
	// operations and answers of the Done operations, in order.
	operations []operation
	answers    []value.Value
	// appends and tail mirror the engine's claims of the transaction.
	appends int
	tail    bool
}

type harness struct {
	t      *rapid.T
	engine engines.Engine
	// now is the last timestamp handed out; every prepare and commit
	// timestamp is new, so it exceeds every snapshot served before.
	now                 int64
	lastCommitTimestamp int64
	txnNext, valueNext  int64
	open                map[int64]*harnessTxn
	// latest is the serial model after every commit so far; commits holds
	// each commit timestamp and the table's length after it.
	latest  model
	commits []committedLength
}

type committedLength struct{ commitTimestamp, length int64 }

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
	actions := []string{"begin", "operation", "operation", "operation", "prepare", "commit", "abort", "read", "checkpoint", "garbage"}
	switch rapid.SampledFrom(actions).Draw(h.t, "action") {
	case "begin":
		if len(h.open) < 4 {
			h.txnNext++
			txn := &harnessTxn{number: h.txnNext}
			h.open[txn.number] = txn
			h.operate(txn)
		}
	case "operation":
		if txn := h.pick(false); txn != nil {
			h.operate(txn)
		}
	case "prepare":
		if txn := h.pick(false); txn != nil {
			h.prepare(txn)
		}
	case "commit":
		if txn := h.pick(true); txn != nil {
			h.commit(txn)
		}
	case "abort":
		if txn := h.pick(true); txn != nil {
			h.abort(txn)
		}
	case "read":
		h.snapshotRead()
	case "checkpoint":
		h.checkpointRestore()
	case "garbage":
		h.garbage()
	}
}

// pick draws an open transaction (only active ones unless prepared is
// allowed), or nil when there is none.
func (h *harness) pick(preparedToo bool) *harnessTxn {
	var numbers []int64
	for _, number := range h.openNumbers() {
		if preparedToo || !h.open[number].prepared {
			numbers = append(numbers, number)
		}
	}
	if len(numbers) == 0 {
		return nil
	}
	return h.open[rapid.SampledFrom(numbers).Draw(h.t, "txn")]
}

func (h *harness) drawOperation(kinds ...operationKind) operation {
	op := operation{kind: rapid.SampledFrom(kinds).Draw(h.t, "kind")}
	switch op.kind {
	case operationAppend:
		for range rapid.IntRange(1, 3).Draw(h.t, "values") {
			h.valueNext++
			op.values = append(op.values, value.Append(nil, value.Int(h.valueNext)))
		}
	case operationReadFrom:
		op.position = uint64(rapid.IntRange(1, len(h.latest)+3).Draw(h.t, "position"))
		op.limit = uint64(rapid.IntRange(0, 4).Draw(h.t, "limit"))
	}
	return op
}

func operationBytes(op operation) []byte {
	switch op.kind {
	case operationAppend:
		values := make([]value.Value, len(op.values))
		for index, item := range op.values {
			values[index], _ = value.Decode(item)
		}
		return encodeAppend(values)
	case operationReadFrom:
		return encodeReadFrom(int64(op.position), int(op.limit))
	}
	return encodeLatestPosition()
}

// observesTail reports whether op, in a read-write transaction, looks
// past the committed items.
func (h *harness) observesTail(op operation) bool {
	return op.kind == operationLatestPosition ||
		op.kind == operationReadFrom && op.limit > 0 && op.position+op.limit-1 > uint64(len(h.latest))
}

// operate applies a drawn operation of txn, checking its blockers,
// wounding younger unprepared blockers (wound-wait) or aborting txn when
// it must wait.
func (h *harness) operate(txn *harnessTxn) {
	op := h.drawOperation(operationAppend, operationAppend, operationReadFrom, operationReadFrom, operationLatestPosition)
	for attempt := 0; ; attempt++ {
		outcome := h.engine.Apply(txnID(txn.number), operationBytes(op), timestamp(h.now))
		h.checkBlockers(txn, op, outcome)
		if outcome.Status == engines.StatusDone {
			h.record(txn, op, outcome)
			return
		}
		if attempt > 8 || !h.woundAll(txn, outcome.Blockers) {
			h.abort(txn)
			return
		}
	}
}

// checkBlockers checks that op of txn waits for exactly the transactions
// the rules name: an append for the other tail holders, a read that
// observes the tail for the other appenders.
func (h *harness) checkBlockers(txn *harnessTxn, op operation, outcome engines.Outcome) {
	var want []engines.TxnID
	for _, number := range h.openNumbers() {
		other := h.open[number]
		if number == txn.number {
			continue
		}
		if op.kind == operationAppend && other.tail || h.observesTail(op) && other.appends > 0 {
			want = append(want, txnID(number))
		}
	}
	wantOutcome := "done"
	if len(want) > 0 {
		wantOutcome = formatOutcome(engines.Blocked(engines.WaitForFinished, want...))
	}
	if got := formatOutcome(outcome); outcome.Status != engines.StatusDone && got != wantOutcome ||
		outcome.Status == engines.StatusDone && len(want) > 0 {
		h.t.Fatalf("txn %d: %v: %s, want %s", txn.number, op.kind, got, wantOutcome)
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

// record keeps a Done answer and mirrors the transaction's claims.
func (h *harness) record(txn *harnessTxn, op operation, outcome engines.Outcome) {
	answer, err := value.Decode(outcome.Result)
	if err != nil {
		h.t.Fatalf("txn %d: %v answer %x: %v", txn.number, op.kind, outcome.Result, err)
	}
	txn.operations = append(txn.operations, op)
	txn.answers = append(txn.answers, answer)
	if op.kind == operationAppend {
		txn.appends += len(op.values)
	}
	txn.tail = txn.tail || h.observesTail(op)
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
			h.t.Fatalf("txn %d committed at %d: operation %d (%v) answered %v, serial order says %v",
				txn.number, commitTimestamp, index, op.kind, got, want)
		}
	}
	h.commits = append(h.commits, committedLength{commitTimestamp: commitTimestamp, length: int64(len(h.latest))})
}

func (h *harness) abort(txn *harnessTxn) {
	h.engine.Abort(txnID(txn.number))
	delete(h.open, txn.number)
}

// snapshotRead reads at a past timestamp and checks the answer against
// the model as of that timestamp, and blocking against the prepared
// appenders when the read looks past that prefix.
func (h *harness) snapshotRead() {
	snapshot := rapid.Int64Range(0, h.now).Draw(h.t, "snapshot")
	op := h.drawOperation(operationReadFrom, operationLatestPosition)
	length := int64(0)
	for _, committed := range h.commits {
		if committed.commitTimestamp <= snapshot {
			length = committed.length
		}
	}
	prefix := h.latest[:length]
	outcome := h.engine.Read(operationBytes(op), timestamp(snapshot))
	var wantBlockers []engines.TxnID
	past := op.kind == operationLatestPosition || op.limit > 0 && op.position+op.limit-1 > uint64(length)
	for _, number := range h.openNumbers() {
		if txn := h.open[number]; past && txn.prepared && txn.prepareTimestamp <= snapshot && txn.appends > 0 {
			wantBlockers = append(wantBlockers, txnID(number))
		}
	}
	want := "done " + prefix.apply(op).String()
	if len(wantBlockers) > 0 {
		want = formatOutcome(engines.Blocked(engines.WaitForFinished, wantBlockers...))
	}
	if got := formatOutcome(outcome); got != want {
		h.t.Fatalf("read %v at %d: %s, want %s", op.kind, snapshot, got, want)
	}
}

func (h *harness) checkpointRestore() { h.engine = enginetest.RestoreSame(h.t, h.engine, Restore) }

// garbage applies bad operation bytes: refused as invalid, no effect.
func (h *harness) garbage() {
	bad := rapid.SliceOfN(rapid.Byte(), 0, 12).Draw(h.t, "garbage")
	txn := h.pick(false)
	if txn == nil {
		return
	}
	before := h.engine.Held()
	outcome := h.engine.Apply(txnID(txn.number), bad, timestamp(h.now))
	if outcome.Status != engines.StatusFailed || !errors.Is(outcome.Err, engines.ErrInvalid) {
		h.t.Fatalf("garbage %x: %s", bad, formatOutcome(outcome))
	}
	if after := h.engine.Held(); after != before {
		h.t.Fatalf("garbage %x changed holdings %+v to %+v", bad, before, after)
	}
}

// finish ends every open transaction, checks that nothing is held and
// reads the whole table above every commit.
func (h *harness) finish() {
	for _, number := range h.openNumbers() {
		if rapid.Bool().Draw(h.t, "commit at end") {
			h.commit(h.open[number])
		} else {
			h.abort(h.open[number])
		}
	}
	if held := h.engine.Held(); !held.IsZero() {
		h.t.Fatalf("all transactions finished but the engine holds %+v", held)
	}
	all := operation{kind: operationReadFrom, position: 1, limit: ReadLimitMax}
	outcome := h.engine.Read(operationBytes(all), timestamp(h.tick()))
	if got, want := formatOutcome(outcome), "done "+h.latest.apply(all).String(); got != want {
		h.t.Fatalf("final read: %s, want %s", got, want)
	}
}
