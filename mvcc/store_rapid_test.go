package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proven2pc/proven/clock"
	"pgregory.net/rapid"
)

// storeMachine drives a Store and the model with the same random actions and
// compares every answer, and the whole state after every action.
type storeMachine struct {
	store  *Store
	model  *model
	views  []frozenView
	latest int64 // largest wall time used so far, to aim timestamps near it
	// chain is a full checkpoint and the deltas after it (delta_test.go).
	chain checkpointChain
	// frozen are checkpoints frozen earlier, with the bytes Checkpoint
	// gave at that moment.
	frozen []frozenCheckpoint
}

type frozenCheckpoint struct {
	checkpoint *FrozenCheckpoint
	want       []byte
}

type frozenView struct {
	view  *View
	model *model
}

var machineKeys = []string{"", "a", "a\x00", "ab", "b", "c", "d"}

func (m *storeMachine) key(t *rapid.T, label string) string {
	return rapid.SampledFrom(machineKeys).Draw(t, label)
}

// timestamp draws a timestamp from just below the watermark to just above
// the largest one used so far, so that reads land between versions and
// near the watermark.
func (m *storeMachine) timestamp(t *rapid.T, label string) clock.Timestamp {
	low := max(m.model.watermark.WallNanos-1, 0)
	wall := rapid.Int64Range(low, m.latest+3).Draw(t, label+"Wall")
	node := rapid.Uint32Range(0, 1).Draw(t, label+"Node")
	m.latest = max(m.latest, wall)
	return clock.Timestamp{WallNanos: wall, Node: node}
}

// commitTimestamp is usually a fresh timestamp above everything, so commits
// mostly succeed, and sometimes any timestamp, to exercise the checks.
func (m *storeMachine) commitTimestamp(t *rapid.T, label string) clock.Timestamp {
	if rapid.IntRange(0, 3).Draw(t, label+"Fresh") > 0 {
		m.latest++
		return clock.Timestamp{WallNanos: m.latest, Node: rapid.Uint32Range(0, 1).Draw(t, label+"Node")}
	}
	return m.timestamp(t, label)
}

func (m *storeMachine) readTimestamp(t *rapid.T) clock.Timestamp {
	switch rapid.IntRange(0, 9).Draw(t, "readKind") {
	case 0:
		return MaxTimestamp
	case 1, 2, 3:
		low := max(m.latest-3, m.model.watermark.WallNanos)
		wall := rapid.Int64Range(low, max(low, m.latest)+1).Draw(t, "recentWall")
		return clock.Timestamp{WallNanos: wall, Node: rapid.Uint32Range(0, 1).Draw(t, "recentNode")}
	}
	return m.timestamp(t, "at")
}

// txn draws a transaction id from a small pool (zero included, rarely).
func (m *storeMachine) txn(t *rapid.T, label string) TxnID {
	wall := rapid.Int64Range(0, 5).Draw(t, label)
	if wall == 0 {
		return TxnID{}
	}
	return TxnID{WallNanos: wall, Node: 9}
}

// knownTxn usually draws a transaction the model knows, else any id.
func (m *storeMachine) knownTxn(t *rapid.T, label string) TxnID {
	known := slices.SortedFunc(maps.Keys(m.model.transactions), TxnID.Compare)
	if len(known) > 0 && rapid.IntRange(0, 4).Draw(t, label+"Known") > 0 {
		return rapid.SampledFrom(known).Draw(t, label)
	}
	return m.txn(t, label)
}

func (m *storeMachine) readerTxn(t *rapid.T) TxnID {
	if rapid.Bool().Draw(t, "asTxn") {
		return m.knownTxn(t, "readerTxn")
	}
	return TxnID{}
}

func (m *storeMachine) checkError(t *rapid.T, operation string, got, want error) {
	if errorClass(got) != want {
		t.Fatalf("%s: error %v, model wants %v", operation, got, want)
	}
}

// put writes one to three keys in one transaction.
func (m *storeMachine) put(t *rapid.T) {
	txn := m.knownTxn(t, "txn")
	for range rapid.IntRange(1, 3).Draw(t, "writes") {
		key := m.key(t, "key")
		value := rapid.SliceOfN(rapid.Byte(), 0, 3).Draw(t, "value")
		want := m.model.write(txn, key, append([]byte{}, value...))
		m.checkError(t, "put", m.store.Put(txn, []byte(key), value), want)
		if len(value) > 0 {
			value[0]++ // the store must have copied it
		}
	}
}

// oneShot writes a few keys in a transaction and commits it without
// prepare, at a fresh timestamp: the common path, and the one that grows
// version histories.
func (m *storeMachine) oneShot(t *rapid.T) {
	txn := m.txn(t, "txn")
	if m.model.transactions[txn] != nil || txn.IsZero() {
		t.Skip("transaction id in use")
	}
	for range rapid.IntRange(1, 3).Draw(t, "writes") {
		key := m.key(t, "key")
		var value []byte
		if rapid.IntRange(0, 4).Draw(t, "isDelete") > 0 {
			value = []byte{rapid.Byte().Draw(t, "value")}
		}
		want := m.model.write(txn, key, value)
		if value == nil {
			m.checkError(t, "delete", m.store.Delete(txn, []byte(key)), want)
		} else {
			m.checkError(t, "put", m.store.Put(txn, []byte(key), value), want)
		}
	}
	m.latest++
	timestamp := clock.Timestamp{WallNanos: m.latest}
	m.checkError(t, "commit", m.store.Commit(txn, timestamp), m.model.commit(txn, timestamp))
}

// preparedPair has two transactions write the same key and prepare, so that
// reads meet several prepared intents on one key.
func (m *storeMachine) preparedPair(t *rapid.T) {
	key := m.key(t, "key")
	for _, label := range []string{"first", "second"} {
		txn := m.txn(t, label+"Txn")
		want := m.model.write(txn, key, []byte(label))
		m.checkError(t, "put", m.store.Put(txn, []byte(key), []byte(label)), want)
		timestamp := m.timestamp(t, label+"Prepare")
		m.checkError(t, "prepare", m.store.Prepare(txn, timestamp), m.model.prepare(txn, timestamp))
	}
}

func (m *storeMachine) delete(t *rapid.T) {
	txn, key := m.knownTxn(t, "txn"), m.key(t, "key")
	want := m.model.write(txn, key, nil)
	m.checkError(t, "delete", m.store.Delete(txn, []byte(key)), want)
}

func (m *storeMachine) prepare(t *rapid.T) {
	txn, timestamp := m.knownTxn(t, "txn"), m.timestamp(t, "prepare")
	m.checkError(t, "prepare", m.store.Prepare(txn, timestamp), m.model.prepare(txn, timestamp))
}

func (m *storeMachine) commit(t *rapid.T) {
	txn, timestamp := m.knownTxn(t, "txn"), m.commitTimestamp(t, "commit")
	m.checkError(t, "commit", m.store.Commit(txn, timestamp), m.model.commit(txn, timestamp))
}

func (m *storeMachine) abort(t *rapid.T) {
	txn := m.knownTxn(t, "txn")
	m.checkError(t, "abort", m.store.Abort(txn), m.model.abort(txn))
}

// gc raises the watermark a little, usually staying below recent versions.
func (m *storeMachine) gc(t *rapid.T) {
	low := m.model.watermark.WallNanos
	wall := rapid.Int64Range(low, max(low, m.latest-2)+1).Draw(t, "watermarkWall")
	watermark := clock.Timestamp{WallNanos: wall, Node: rapid.Uint32Range(0, 1).Draw(t, "watermarkNode")}
	m.latest = max(m.latest, wall)
	m.store.GC(watermark)
	m.model.gc(watermark)
}

func (m *storeMachine) get(t *rapid.T) {
	checkGet(t, m.store.Get, m.model, m.key(t, "key"), m.readTimestamp(t), m.readerTxn(t))
}

func (m *storeMachine) scan(t *rapid.T) {
	checkScan(t, m.store.Scan, m.model, m.scanOptions(t))
}

func (m *storeMachine) scanOptions(t *rapid.T) ScanOptions {
	opts := ScanOptions{
		Reverse: rapid.Bool().Draw(t, "reverse"),
		Limit:   rapid.IntRange(0, 4).Draw(t, "limit"),
		At:      m.readTimestamp(t),
		Txn:     m.readerTxn(t),
	}
	if rapid.Bool().Draw(t, "hasStart") {
		opts.Start = []byte(m.key(t, "start"))
	}
	if rapid.Bool().Draw(t, "hasEnd") {
		opts.End = []byte(m.key(t, "end"))
	}
	return opts
}

func (m *storeMachine) checkpoint(t *rapid.T) {
	data := m.store.Checkpoint()
	degree := rapid.SampledFrom([]int{0, 2, 3, 4, 32}).Draw(t, "restoreDegree")
	restored, err := Restore(data, Options{BTreeDegree: degree})
	if err != nil {
		t.Fatalf("restore of a fresh checkpoint: %v", err)
	}
	if again := restored.Checkpoint(); !bytes.Equal(again, data) {
		t.Fatalf("checkpoint of the restored store differs from the original")
	}
	if diff := cmp.Diff(restored.Stats(), m.store.Stats()); diff != "" {
		t.Fatalf("restored stats differ (-restored +original):\n%s", diff)
	}
	m.store = restored
	m.chain = checkpointChain{} // the restored store tracks no changes
}

// keepThree appends item to list and keeps the last three.
func keepThree[T any](list []T, item T) []T {
	return append(list[max(len(list)-2, 0):], item)
}

// drawKept draws one of list, skipping the action when list is empty.
func drawKept[T any](t *rapid.T, list []T, label string) T {
	if len(list) == 0 {
		t.Skip("no " + label + " kept yet")
	}
	return rapid.SampledFrom(list).Draw(t, label)
}

func (m *storeMachine) freeze(t *rapid.T) {
	m.frozen = keepThree(m.frozen, frozenCheckpoint{checkpoint: m.store.FreezeCheckpoint(), want: m.store.Checkpoint()})
}

// writeFrozen writes a frozen checkpoint, after whatever the store did
// since: the bytes are the checkpoint's at the moment it was frozen. A
// write that fails partway returns the error.
func (m *storeMachine) writeFrozen(t *rapid.T) {
	frozen := drawKept(t, m.frozen, "frozen")
	if got := frozen.checkpoint.Len(); got != len(frozen.want) {
		t.Fatalf("frozen checkpoint Len %d, Checkpoint gave %d bytes", got, len(frozen.want))
	}
	failAfter := rapid.IntRange(-1, len(frozen.want)-1).Draw(t, "failAfter")
	out := &failingWriter{failAfter: failAfter}
	n, err := frozen.checkpoint.WriteTo(out)
	if failAfter >= 0 {
		if err == nil {
			t.Fatalf("a write failing after %d bytes: no error", failAfter)
		}
		return
	}
	if err != nil || n != int64(len(frozen.want)) || !bytes.Equal(out.data, frozen.want) {
		t.Fatalf("frozen checkpoint wrote %d bytes (%v), differing from Checkpoint's %d then", n, err, len(frozen.want))
	}
}

// failingWriter keeps what is written to it and fails once failAfter
// bytes are written (never when it is negative).
type failingWriter struct {
	data      []byte
	failAfter int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.failAfter >= 0 && len(w.data)+len(p) > w.failAfter {
		n := w.failAfter - len(w.data)
		w.data = append(w.data, p[:n]...)
		return n, errors.New("disk full")
	}
	w.data = append(w.data, p...)
	return len(p), nil
}

func (m *storeMachine) takeView(t *rapid.T) {
	m.views = keepThree(m.views, frozenView{view: m.store.View(), model: m.model.clone()})
}

func (m *storeMachine) readView(t *rapid.T) {
	frozen := drawKept(t, m.views, "view")
	if rapid.Bool().Draw(t, "viewScan") {
		checkScan(t, frozen.view.Scan, frozen.model, m.scanOptions(t))
		return
	}
	checkGet(t, frozen.view.Get, frozen.model, m.key(t, "key"), m.readTimestamp(t), m.readerTxn(t))
}

// check compares the whole state and the counters after every action.
func (m *storeMachine) check(t *rapid.T) {
	if diff := cmp.Diff(m.model.dump(), dumpStore(m.store)); diff != "" {
		t.Fatalf("state differs from the model (-model +store):\n%s", diff)
	}
	stats := m.store.Stats()
	intents, bytesWant := 0, int64(0)
	for _, record := range m.model.transactions {
		for key, value := range record.intents {
			intents++
			bytesWant += int64(len(key) + len(value) + itemOverheadBytes)
		}
	}
	versions := 0
	for key, history := range m.model.versions {
		versions += len(history)
		for _, v := range history {
			bytesWant += int64(len(key) + len(v.value) + itemOverheadBytes)
		}
	}
	want := Stats{Keys: len(m.model.versions), Versions: versions, Intents: intents, Transactions: len(m.model.transactions), ApproximateBytes: bytesWant}
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Fatalf("stats differ (-model +store):\n%s", diff)
	}
}

type getFunc func(key []byte, opts ReadOptions) ([]byte, bool, error)
type scanFunc func(opts ScanOptions, fn func(key, value []byte) bool) error

func checkGet(t *rapid.T, get getFunc, reference *model, key string, at clock.Timestamp, txn TxnID) {
	value, found, err := get([]byte(key), ReadOptions{At: at, Txn: txn})
	want := reference.get(key, at, txn)
	label := fmt.Sprintf("get %q at %v txn %v", key, at, txn)
	if errorClass(err) != want.err {
		t.Fatalf("%s: error %v, model wants %v", label, err, want.err)
	}
	if want.err == ErrBlocked {
		checkBlocked(t, label, err, want.blocker, key)
		return
	}
	if found != want.found || !bytes.Equal(value, want.value) {
		t.Fatalf("%s: got %q found=%v, model wants %q found=%v", label, value, found, want.value, want.found)
	}
}

func checkBlocked(t *rapid.T, label string, err error, blocker TxnID, key string) {
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("%s: %v is not a *BlockedError", label, err)
	}
	if blocked.Txn != blocker || string(blocked.Key) != key {
		t.Fatalf("%s: blocked by %v on %q, model wants %v on %q", label, blocked.Txn, blocked.Key, blocker, key)
	}
}

func checkScan(t *rapid.T, scan scanFunc, reference *model, opts ScanOptions) {
	var got []keyValue
	err := scan(opts, func(key, value []byte) bool {
		got = append(got, keyValue{string(key), string(value)})
		return true
	})
	want, result := reference.scan(opts)
	label := fmt.Sprintf("scan %+v", opts)
	if errorClass(err) != result.err {
		t.Fatalf("%s: error %v, model wants %v", label, err, result.err)
	}
	if result.err == ErrBlocked {
		checkBlocked(t, label, err, result.blocker, string(result.value))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s: keys differ (-model +store):\n%s", label, diff)
	}
}

func TestStoreMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		degree := rapid.SampledFrom([]int{0, 2, 3, 4, 32}).Draw(t, "degree")
		m := &storeMachine{store: New(Options{BTreeDegree: degree}), model: newModel()}
		t.Repeat(map[string]func(*rapid.T){
			"put":          m.put,
			"delete":       m.delete,
			"oneShot":      m.oneShot,
			"preparedPair": m.preparedPair,
			"prepare":      m.prepare,
			"commit":       m.commit,
			"abort":        m.abort,
			"gc":           m.gc,
			"get":          m.get,
			"scan":         m.scan,
			"checkpoint":   m.checkpoint,
			"startChain":   m.startChain,
			"delta":        m.delta,
			"view":         m.takeView,
			"freeze":       m.freeze,
			"writeFrozen":  m.writeFrozen,
			"readView":     m.readView,
			"":             m.check,
		})
	})
}
