package kv

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"pgregory.net/rapid"
)

// TestSerializable drives interleaved transactions against the engine with
// a simple wound-wait in the harness, then checks, transaction by
// transaction in commit order, that every recorded result of every
// committed transaction equals what the serial model answers at that point
// (strict serializability in commit order). Snapshot reads at random
// timestamps must equal the model's state as of that timestamp, or be
// blocked exactly when a prepared transaction at or below the snapshot
// wrote what they read. Checkpoint and restore happen at random points;
// the run continues on the restored engine.
func TestSerializable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newHarness()
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for range steps {
			h.step(t)
		}
		h.finishAll(t)
		h.checkFinalState(t)
	})
}

// harnessTxn is one open transaction of the harness.
type harnessTxn struct {
	id       engines.TxnID
	results  []recordedResult
	prepared bool
	// prepareWall is the prepare timestamp's wall time, when prepared.
	prepareWall int64
	// writes are the keys the transaction holds intents on: every put, and
	// every delete that found the key.
	writes map[string]bool
}

// recordedResult is one Done operation and the result the engine gave.
type recordedResult struct {
	operation Operation
	result    []byte
}

// committedState is the model after a commit at wall time commitWall.
type committedState struct {
	commitWall int64
	state      model
}

type harness struct {
	engine *Engine
	// clockWall is the last timestamp handed out; prepare and commit
	// timestamps take the next ones, snapshots are at most clockWall.
	clockWall int64
	nextTxn   int64
	open      []*harnessTxn
	model     model
	// history holds the model after each commit, in commit order.
	history []committedState
	// chain is a full checkpoint and the deltas after it (nil: none).
	chain [][]byte
}

func newHarness() *harness {
	return &harness{engine: NewEngine(), model: model{}, history: []committedState{{state: model{}}}}
}

func (h *harness) step(t *rapid.T) {
	action := rapid.IntRange(0, 9).Draw(t, "action")
	switch {
	case action <= 1 && len(h.open) < 4:
		h.nextTxn++
		txn := &harnessTxn{id: engines.TxnID{WallNanos: h.nextTxn, Node: 1}, writes: map[string]bool{}}
		h.open = append(h.open, txn)
		h.apply(t, txn, drawOperation(t))
	case action <= 4 && len(h.activeTxns()) > 0:
		h.apply(t, rapid.SampledFrom(h.activeTxns()).Draw(t, "txn"), drawOperation(t))
	case action == 5 && len(h.activeTxns()) > 0:
		h.prepare(t, rapid.SampledFrom(h.activeTxns()).Draw(t, "txn"))
	case action == 6 && len(h.open) > 0:
		h.commit(t, rapid.SampledFrom(h.open).Draw(t, "txn"))
	case action == 7 && len(h.open) > 0:
		h.abort(rapid.SampledFrom(h.open).Draw(t, "txn"))
	case action == 8:
		h.checkpointRestore(t)
	default:
		h.snapshotRead(t, drawReadOperation(t), rapid.Int64Range(0, h.clockWall).Draw(t, "snapshot"))
	}
	if held := h.engine.Held(); held.Transactions != len(h.open) || held.Reservations != 0 {
		t.Fatalf("held %+v with %d open transactions", held, len(h.open))
	}
}

var harnessKeys = []string{"", "a", "ab", "b", "ba", "c", "\xff"}

func drawKey(t *rapid.T, label string) string { return rapid.SampledFrom(harnessKeys).Draw(t, label) }

func drawOperation(t *rapid.T) Operation {
	switch rapid.IntRange(0, 4).Draw(t, "kind") {
	case 0:
		return Operation{Kind: OperationPut, Key: drawKey(t, "key"), Value: value.Int(rapid.Int64Range(0, 9).Draw(t, "value"))}
	case 1:
		return Operation{Kind: OperationDelete, Key: drawKey(t, "key")}
	}
	return drawReadOperation(t)
}

func drawReadOperation(t *rapid.T) Operation {
	switch rapid.IntRange(0, 2).Draw(t, "read") {
	case 0:
		return Operation{Kind: OperationGet, Key: drawKey(t, "key")}
	case 1:
		return Operation{Kind: OperationScanPrefix, Prefix: rapid.SampledFrom([]string{"", "a", "b", "\xff"}).Draw(t, "prefix"),
			Limit: rapid.IntRange(0, 3).Draw(t, "limit"), Reverse: rapid.Bool().Draw(t, "reverse")}
	}
	return Operation{Kind: OperationScan, Start: drawKey(t, "start"), End: drawKey(t, "end"), EndUnbounded: rapid.Bool().Draw(t, "unbounded"),
		Limit: rapid.IntRange(0, 3).Draw(t, "limit"), Reverse: rapid.Bool().Draw(t, "reverse")}
}

func (h *harness) activeTxns() []*harnessTxn {
	var active []*harnessTxn
	for _, txn := range h.open {
		if !txn.prepared {
			active = append(active, txn)
		}
	}
	return active
}

func (h *harness) find(id engines.TxnID) *harnessTxn {
	for _, txn := range h.open {
		if txn.id == id {
			return txn
		}
	}
	return nil
}

func (h *harness) remove(txn *harnessTxn) {
	h.open = slices.DeleteFunc(h.open, func(other *harnessTxn) bool { return other == txn })
}

// apply runs one operation; on Blocked it plays wound-wait: an older
// requester wounds younger unprepared blockers and retries (which must then
// succeed), otherwise the requester aborts.
func (h *harness) apply(t *rapid.T, txn *harnessTxn, operation Operation) {
	outcome := h.engine.Apply(txn.id, operation.Encode(), clock.Timestamp{})
	if outcome.Status == engines.StatusBlocked {
		if !h.wound(t, txn, outcome) {
			h.abort(txn)
			return
		}
		outcome = h.engine.Apply(txn.id, operation.Encode(), clock.Timestamp{})
		if outcome.Status != engines.StatusDone {
			t.Fatalf("%s by %v after wounding every blocker: %v %v", operation, txn.id, outcome.Status, outcome.Blockers)
		}
	}
	if outcome.Status != engines.StatusDone {
		t.Fatalf("%s by %v: %v %v", operation, txn.id, outcome.Status, outcome.Err)
	}
	txn.results = append(txn.results, recordedResult{operation: operation, result: outcome.Result})
	if operation.Kind == OperationPut {
		txn.writes[operation.Key] = true
	}
	if operation.Kind == OperationDelete && bytes.Equal(outcome.Result, value.Append(nil, value.Bool(true))) {
		txn.writes[operation.Key] = true
	}
}

// wound aborts the blockers when txn is older than each and none is
// prepared; it reports whether it did.
func (h *harness) wound(t *rapid.T, txn *harnessTxn, outcome engines.Outcome) bool {
	if outcome.WaitFor != engines.WaitForFinished || len(outcome.Blockers) == 0 {
		t.Fatalf("blocked outcome %+v", outcome)
	}
	blockers := make([]*harnessTxn, 0, len(outcome.Blockers))
	for _, id := range outcome.Blockers {
		blocker := h.find(id)
		if blocker == nil || blocker == txn {
			t.Fatalf("%v blocked by %v, which is not another open transaction", txn.id, id)
		}
		if blocker.prepared || !txn.id.Less(id) {
			return false
		}
		blockers = append(blockers, blocker)
	}
	for _, blocker := range blockers {
		h.abort(blocker)
	}
	return true
}

func (h *harness) prepare(t *rapid.T, txn *harnessTxn) {
	h.clockWall++
	if err := h.engine.Prepare(txn.id, clock.Timestamp{WallNanos: h.clockWall}); err != nil {
		t.Fatalf("prepare of %v: %v", txn.id, err)
	}
	txn.prepared, txn.prepareWall = true, h.clockWall
}

// commit commits txn (one-phase when it is not prepared) and checks its
// recorded results against the serial model at this point of the commit
// order.
func (h *harness) commit(t *rapid.T, txn *harnessTxn) {
	h.clockWall++
	if err := h.engine.Commit(txn.id, clock.Timestamp{WallNanos: h.clockWall}); err != nil {
		t.Fatalf("commit of %v: %v", txn.id, err)
	}
	h.remove(txn)
	for index, recorded := range txn.results {
		want := h.model.apply(recorded.operation)
		if !bytes.Equal(want, recorded.result) {
			t.Fatalf("txn %v committed at %d, operation %d (%s): engine answered %s, serial model %s",
				txn.id, h.clockWall, index, recorded.operation, showBytes(recorded.result), showBytes(want))
		}
	}
	h.history = append(h.history, committedState{commitWall: h.clockWall, state: h.model.clone()})
}

func (h *harness) abort(txn *harnessTxn) {
	h.engine.Abort(txn.id)
	h.remove(txn)
}

func (h *harness) checkpointRestore(t *rapid.T) {
	if rapid.Bool().Draw(t, "incremental") {
		h.deltaRestore(t)
		return
	}
	h.chain = nil
	data := h.engine.Checkpoint()
	checkAppendCheckpoint(t, h.engine, data)
	restored, err := restore(data)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if again := restored.Checkpoint(); !bytes.Equal(again, data) {
		t.Fatalf("restored engine checkpoints to different bytes")
	}
	h.engine = restored
}

// deltaRestore starts a chain of checkpoints (a full one, then changes
// tracked) or adds a delta to it; the chain restores the engine byte for
// byte (Restore, then ApplyCheckpointDelta of each delta), and the
// restored engine carries on.
func (h *harness) deltaRestore(t *rapid.T) {
	if h.chain == nil {
		h.chain = [][]byte{h.engine.Checkpoint()}
		h.engine.TrackChanges()
		return
	}
	h.chain = append(h.chain, h.engine.CheckpointDelta())
	restored, err := restore(h.chain[0])
	var engine engines.Engine = restored
	for index := 1; err == nil && index < len(h.chain); index++ {
		engine, err = engine.(*Engine).ApplyCheckpointDelta(h.chain[index])
	}
	if err != nil {
		t.Fatalf("restore of a chain of %d deltas: %v", len(h.chain)-1, err)
	}
	if !bytes.Equal(engine.Checkpoint(), h.engine.Checkpoint()) {
		t.Fatalf("a chain of %d deltas restores another state", len(h.chain)-1)
	}
	h.engine = engine.(*Engine)
	h.engine.TrackChanges()
}

// snapshotRead checks a Read at snapshotWall against the model history and
// the prepared transactions' writes.
func (h *harness) snapshotRead(t *rapid.T, operation Operation, snapshotWall int64) {
	outcome := h.engine.Read(operation.Encode(), clock.Timestamp{WallNanos: snapshotWall})
	state := h.stateAt(snapshotWall)
	blocker, blocked := h.expectedBlocker(operation, state, snapshotWall)
	switch {
	case blocked:
		if outcome.Status != engines.StatusBlocked || !slices.Equal(outcome.Blockers, []engines.TxnID{blocker}) {
			t.Fatalf("read %s at %d: got %v %v, want blocked on %v", operation, snapshotWall, outcome.Status, outcome.Blockers, blocker)
		}
	case outcome.Status != engines.StatusDone:
		t.Fatalf("read %s at %d: got %v %v %v, want done", operation, snapshotWall, outcome.Status, outcome.Blockers, outcome.Err)
	default:
		if want := state.clone().apply(operation); !bytes.Equal(want, outcome.Result) {
			t.Fatalf("read %s at %d: got %s, want %s", operation, snapshotWall, showBytes(outcome.Result), showBytes(want))
		}
	}
}

// stateAt returns the model as of the last commit at or before wall.
func (h *harness) stateAt(wall int64) model {
	state := h.history[0].state
	for _, entry := range h.history {
		if entry.commitWall <= wall {
			state = entry.state
		}
	}
	return state
}

// expectedBlocker walks what a snapshot read touches, in its order: a key
// written by a prepared transaction at or below the snapshot blocks it.
func (h *harness) expectedBlocker(operation Operation, state model, snapshotWall int64) (engines.TxnID, bool) {
	writers := map[string]engines.TxnID{}
	for _, txn := range h.open {
		if !txn.prepared || txn.prepareWall > snapshotWall {
			continue
		}
		for key := range txn.writes {
			writers[key] = txn.id
		}
	}
	if operation.Kind == OperationGet {
		writer, ok := writers[operation.Key]
		return writer, ok
	}
	merged := state.clone()
	for key := range writers {
		if scanSelects(operation, key) {
			merged[key] = value.Null()
		}
	}
	for _, key := range merged.scanKeys(operation) {
		if writer, ok := writers[key]; ok {
			return writer, true
		}
	}
	return engines.TxnID{}, false
}

// finishAll commits the prepared transactions and aborts the active ones,
// then checks that nothing is held.
func (h *harness) finishAll(t *rapid.T) {
	for _, txn := range slices.Clone(h.open) {
		if txn.prepared {
			h.commit(t, txn)
		} else {
			h.abort(txn)
		}
	}
	if held := h.engine.Held(); !held.IsZero() {
		t.Fatalf("held %+v after every transaction finished", held)
	}
	if !h.engine.locks.isEmpty() {
		t.Fatalf("lock table not empty after every transaction finished")
	}
}

// checkFinalState reads everything above the last timestamp.
func (h *harness) checkFinalState(t *rapid.T) {
	all := Operation{Kind: OperationScan, EndUnbounded: true}
	outcome := h.engine.Read(all.Encode(), clock.Timestamp{WallNanos: h.clockWall + 1})
	if want := h.model.clone().apply(all); outcome.Status != engines.StatusDone || !bytes.Equal(want, outcome.Result) {
		t.Fatalf("final state: got %v %s, want %s", outcome.Status, showBytes(outcome.Result), showBytes(want))
	}
}

func showBytes(encoded []byte) string {
	value, err := value.Decode(encoded)
	if err != nil {
		return "undecodable: " + err.Error()
	}
	return value.String()
}

// checkAppendCheckpoint checks that data, e's checkpoint, is the frame
// written around a copy of the store's checkpoint (the encoding before
// AppendCheckpoint, written out here), and that AppendCheckpoint after
// other bytes appends the same bytes, the store encoded in place.
func checkAppendCheckpoint(t *rapid.T, e *Engine, data []byte) {
	storeBytes := e.store.Checkpoint()
	copied := binenc.AppendFrameHeader(nil, checkpointMagic, checkpointFormat)
	copied = binary.BigEndian.AppendUint64(copied, uint64(len(storeBytes)))
	copied = append(copied, storeBytes...)
	copied = binenc.Seal(e.transactions.AppendCheckpoint(copied, e.appendRecord))
	if !bytes.Equal(data, copied) {
		t.Fatalf("Checkpoint differs from the frame around a copy of the store's bytes")
	}
	prefix := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "prefix")
	appended := e.AppendCheckpoint(slices.Clone(prefix))
	if !bytes.Equal(appended[:len(prefix)], prefix) || !bytes.Equal(appended[len(prefix):], data) {
		t.Fatalf("AppendCheckpoint after %d bytes does not append Checkpoint's bytes", len(prefix))
	}
	if hint := e.CheckpointLenHint(); hint < len(data) && e.Held().Transactions == 0 {
		t.Fatalf("CheckpointLenHint %d, checkpoint %d bytes with no transaction", hint, len(data))
	}
}
