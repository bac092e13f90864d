package processor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/mvcc"
)

// registerEngine is a minimal engine for testing the processor: string
// registers over mvcc with one exclusive lock per key (reads lock too).
// Operations are text: "get k", "put k v", "add k n" (integer add), and
// "await k" (blocks on the key's holder until it PREPARES, to exercise
// WaitForPrepared).
type registerEngine struct {
	store   *mvcc.Store
	locks   map[string]engines.TxnID
	writers map[engines.TxnID]bool
	live    map[engines.TxnID]bool
}

func newRegisterEngine() *registerEngine {
	return &registerEngine{store: mvcc.New(mvcc.Options{}), locks: map[string]engines.TxnID{},
		writers: map[engines.TxnID]bool{}, live: map[engines.TxnID]bool{}}
}

func restoreRegister(data []byte) (engines.Engine, error) {
	e := newRegisterEngine()
	if data == nil {
		return e, nil
	}
	if len(data) < 4 {
		return nil, errors.New("register: short checkpoint")
	}
	storeLen := binary.BigEndian.Uint32(data)
	if int(storeLen) > len(data)-4 {
		return nil, errors.New("register: bad length")
	}
	store, err := mvcc.Restore(data[4:4+storeLen], mvcc.Options{})
	if err != nil {
		return nil, err
	}
	e.store = store
	return e, e.restoreTables(data[4+storeLen:])
}

// restoreTables reads the lock, writer and live lines of a checkpoint.
func (e *registerEngine) restoreTables(lines []byte) error {
	for _, line := range strings.Split(string(lines), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			continue
		}
		txn, err := clock.ParseTimestamp(fields[1])
		if err != nil {
			return err
		}
		switch fields[0] {
		case "lock":
			e.locks[fields[2]] = txn
			e.live[txn] = true
		case "writer":
			e.writers[txn] = true
			e.live[txn] = true
		case "live":
			e.live[txn] = true
		}
	}
	return nil
}

// The register engine writes deltas as it writes checkpoints, with the
// store's delta in place of the store: the processor's chains of
// incremental checkpoints run on it.
func (e *registerEngine) TrackChanges()           { e.store.TrackChanges() }
func (e *registerEngine) CheckpointDelta() []byte { return e.encode(e.store.CheckpointDelta()) }

func (e *registerEngine) ApplyCheckpointDelta(delta []byte) (engines.Engine, error) {
	if len(delta) < 4 || int(binary.BigEndian.Uint32(delta)) > len(delta)-4 {
		return nil, errors.New("register: bad delta")
	}
	storeLen := binary.BigEndian.Uint32(delta)
	if err := e.store.ApplyDelta(delta[4 : 4+storeLen]); err != nil {
		return nil, err
	}
	next := newRegisterEngine()
	next.store = e.store
	return next, next.restoreTables(delta[4+storeLen:])
}

func (e *registerEngine) Checkpoint() []byte { return e.encode(e.store.Checkpoint()) }

// encode writes a checkpoint (or a delta) around the store's bytes.
func (e *registerEngine) encode(store []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(store)))
	out = append(out, store...)
	for _, key := range slices.Sorted(maps.Keys(e.locks)) {
		out = fmt.Appendf(out, "lock %v %s\n", e.locks[key], key)
	}
	for _, txn := range slices.SortedFunc(maps.Keys(e.writers), engines.TxnID.Compare) {
		out = fmt.Appendf(out, "writer %v -\n", txn)
	}
	for _, txn := range slices.SortedFunc(maps.Keys(e.live), engines.TxnID.Compare) {
		out = fmt.Appendf(out, "live %v -\n", txn)
	}
	return out
}

func (e *registerEngine) Held() engines.Held {
	return engines.Held{Transactions: len(e.live), Locks: len(e.locks)}
}

func (e *registerEngine) Apply(txn engines.TxnID, operation []byte, at clock.Timestamp) engines.Outcome {
	fields := strings.Fields(string(operation))
	if len(fields) < 2 {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "register: bad operation %q", operation))
	}
	key := fields[1]
	e.live[txn] = true
	if holder, held := e.locks[key]; held && holder != txn {
		if fields[0] == "await" {
			return engines.Blocked(engines.WaitForPrepared, holder)
		}
		return engines.Blocked(engines.WaitForFinished, holder)
	}
	switch fields[0] {
	case "get", "await":
		e.locks[key] = txn
		return e.get(key, mvcc.ReadOptions{At: mvcc.MaxTimestamp, Txn: txn})
	case "put":
		if len(fields) != 3 {
			return engines.Failed(engines.Refuse(engines.CodeInvalid, "register: put needs a value"))
		}
		e.locks[key] = txn
		e.writers[txn] = true
		if err := e.store.Put(txn, []byte(key), []byte(fields[2])); err != nil {
			panic(err)
		}
		return engines.Done(nil)
	}
	return engines.Failed(engines.Refuse(engines.CodeInvalid, "register: unknown operation %q", fields[0]))
}

func (e *registerEngine) get(key string, options mvcc.ReadOptions) engines.Outcome {
	value, found, err := e.store.Get([]byte(key), options)
	var blocked *mvcc.BlockedError
	if errors.As(err, &blocked) {
		return engines.Blocked(engines.WaitForFinished, blocked.Txn)
	}
	if err != nil {
		return engines.Failed(err)
	}
	if !found {
		return engines.Done([]byte("<none>"))
	}
	return engines.Done(value)
}

func (e *registerEngine) Prepare(txn engines.TxnID, prepareTimestamp clock.Timestamp) error {
	if e.writers[txn] {
		return e.store.Prepare(txn, prepareTimestamp)
	}
	return nil
}

func (e *registerEngine) Commit(txn engines.TxnID, commitTimestamp clock.Timestamp) error {
	if e.writers[txn] {
		if err := e.store.Commit(txn, commitTimestamp); err != nil {
			return err
		}
	}
	e.release(txn)
	return nil
}

func (e *registerEngine) Abort(txn engines.TxnID) {
	if e.writers[txn] {
		_ = e.store.Abort(txn)
	}
	e.release(txn)
}

func (e *registerEngine) release(txn engines.TxnID) {
	for _, key := range slices.Sorted(maps.Keys(e.locks)) {
		if e.locks[key] == txn {
			delete(e.locks, key)
		}
	}
	delete(e.writers, txn)
	delete(e.live, txn)
}

func (e *registerEngine) Read(operation []byte, snapshot clock.Timestamp) engines.Outcome {
	fields := strings.Fields(string(operation))
	if len(fields) != 2 || fields[0] != "get" {
		return engines.Failed(engines.Refuse(engines.CodeReadOnly, "register: %q in a read-only transaction", operation))
	}
	return e.get(fields[1], mvcc.ReadOptions{At: snapshot})
}

var _ engines.Collector = (*registerEngine)(nil)

func (e *registerEngine) Collect(watermark clock.Timestamp) { e.store.GC(watermark) }

func (e *registerEngine) Watermark() clock.Timestamp { return e.store.Watermark() }
