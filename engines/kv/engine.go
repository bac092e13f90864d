package kv

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
	"github.com/proven2pc/proven/mvcc"
)

// Engine is the KV engine of one stream: an mvcc store plus a lock table
// and the state of every live transaction. See the package documentation.
type Engine struct {
	// twoPhase gives the engine Prepare (a transaction without writes
	// prepares too; every lock stays), Commit (writes become visible and
	// locks are released) and Abort, run by transactions.
	twoPhase
	store *mvcc.Store
	locks *lockTable
	// transactions runs the lifecycle of every Active or Prepared
	// transaction, from its first Apply to its Commit or Abort.
	transactions *mvcc.Participant[transaction, *transaction]
	// lockCount is the number of locks held, summed over transactions.
	// Invariant: it equals the sum of every record's lockCount().
	lockCount int
}

type twoPhase = mvcc.TwoPhase[transaction, *transaction]

// transaction is what the engine knows of one live transaction.
type transaction struct {
	mvcc.Lifecycle
	// The locks held, to release at the end. A key is in at most one of
	// sharedKeys and exclusiveKeys (an upgrade moves it).
	sharedKeys    keySet
	exclusiveKeys keySet
	ranges        map[keySpan]struct{}
}

func (t *transaction) lockCount() int {
	return t.sharedKeys.len() + t.exclusiveKeys.len() + len(t.ranges)
}

var _ engines.Engine = (*Engine)(nil)

var _ engines.Restorer = Restore

// NewEngine returns an empty engine.
func NewEngine() *Engine { return newEngine(mvcc.New(mvcc.Options{})) }

func newEngine(store *mvcc.Store) *Engine {
	e := &Engine{store: store, locks: newLockTable()}
	e.transactions = mvcc.NewParticipant("kv", store, mvcc.Steps[*transaction]{Release: e.release})
	e.twoPhase = e.transactions.TwoPhase()
	return e
}

// Apply runs one operation of a read-write transaction. Reads see the
// latest committed data plus txn's own writes; the locks make sure that
// no other transaction's intent is in the way.
func (e *Engine) Apply(txn engines.TxnID, operation []byte, at clock.Timestamp) engines.Outcome {
	record := e.transactions.Begin(txn)
	if point, ok := decodePointOperation(operation); ok {
		switch point.kind {
		case OperationGet:
			return e.applyGet(txn, record, string(point.key))
		case OperationPut:
			return e.applyPut(txn, record, point.key, point.value)
		default:
			return e.applyDelete(txn, record, point.key)
		}
	}
	op, err := DecodeOperation(operation)
	if err != nil {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "%v", err))
	}
	switch op.Kind {
	case OperationGet:
		return e.applyGet(txn, record, op.Key)
	case OperationPut:
		return e.applyPut(txn, record, []byte(op.Key), value.Append(nil, op.Value))
	case OperationDelete:
		return e.applyDelete(txn, record, []byte(op.Key))
	default:
		return e.applyScan(txn, record, op)
	}
}

func (e *Engine) applyGet(txn engines.TxnID, record *transaction, key string) engines.Outcome {
	if blockers := e.lockShared(txn, record, key); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	return e.get([]byte(key), mvcc.ReadOptions{At: mvcc.MaxTimestamp, Txn: txn})
}

// applyPut writes encoded, a value encoding, at key. Neither is kept: the
// store copies them (they may alias the operation bytes).
func (e *Engine) applyPut(txn engines.TxnID, record *transaction, key, encoded []byte) engines.Outcome {
	if len(encoded) > mvcc.ValueLenMax {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "kv: value of key %q is %d bytes, longer than %d", key, len(encoded), mvcc.ValueLenMax))
	}
	if blockers := e.lockExclusive(txn, record, key); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	if err := e.store.Put(txn, key, encoded); err != nil {
		assert.Broken("kv: put of %q by active txn %v refused by the store: %v", key, txn, err)
	}
	return engines.Done(encodedNull)
}

// applyDelete reports whether the key existed. Deleting an absent key
// writes nothing but keeps the exclusive lock: the answer "absent" must
// stay true until the transaction ends.
func (e *Engine) applyDelete(txn engines.TxnID, record *transaction, key []byte) engines.Outcome {
	if blockers := e.lockExclusive(txn, record, key); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	_, found, err := e.store.Get(key, mvcc.ReadOptions{At: mvcc.MaxTimestamp, Txn: txn})
	if err != nil {
		assert.Broken("kv: locked read of %q by txn %v failed: %v", key, txn, err)
	}
	if found {
		if err := e.store.Delete(txn, key); err != nil {
			assert.Broken("kv: delete of %q by active txn %v refused by the store: %v", key, txn, err)
		}
	}
	return engines.Done(value.Append(nil, value.Bool(found)))
}

func (e *Engine) applyScan(txn engines.TxnID, record *transaction, op Operation) engines.Outcome {
	span := op.span()
	if span.empty() {
		return engines.Done(encodedEmptyList)
	}
	if blockers := e.lockRange(txn, record, span); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	return e.scan(span, op, mvcc.MaxTimestamp, txn)
}

// lockShared takes a shared lock on key for txn, unless txn holds a lock
// on it already; it returns the blockers instead when others conflict.
func (e *Engine) lockShared(txn engines.TxnID, record *transaction, key string) []engines.TxnID {
	if record.exclusiveKeys.has(key) || record.sharedKeys.has(key) {
		return nil
	}
	if blockers := e.locks.sharedBlockers(txn, key); len(blockers) > 0 {
		return blockers
	}
	e.locks.addShared(txn, key)
	record.sharedKeys.add(key)
	e.lockCount++
	return nil
}

// lockExclusive takes an exclusive lock on key for txn, upgrading txn's
// shared lock when it holds one; it returns the blockers instead when
// others conflict. The key comes as bytes: it is copied to a string only
// when a new lock keeps it.
func (e *Engine) lockExclusive(txn engines.TxnID, record *transaction, keyBytes []byte) []engines.TxnID {
	if record.exclusiveKeys.has(string(keyBytes)) {
		return nil
	}
	key := string(keyBytes)
	if blockers := e.locks.exclusiveBlockers(txn, key); len(blockers) > 0 {
		return blockers
	}
	if record.sharedKeys.has(key) {
		e.locks.removeShared(txn, key)
		record.sharedKeys.remove(key)
		e.lockCount--
	}
	e.locks.addExclusive(txn, key)
	record.exclusiveKeys.add(key)
	e.lockCount++
	return nil
}

// lockRange takes a shared range lock on span for txn, unless txn holds
// one on exactly that span; it returns the blockers instead when others
// hold exclusive locks inside it.
func (e *Engine) lockRange(txn engines.TxnID, record *transaction, span keySpan) []engines.TxnID {
	if _, held := record.ranges[span]; held {
		return nil
	}
	if blockers := e.locks.rangeBlockers(txn, span); len(blockers) > 0 {
		return blockers
	}
	e.locks.addRange(txn, span)
	if record.ranges == nil {
		record.ranges = map[keySpan]struct{}{}
	}
	record.ranges[span] = struct{}{}
	e.lockCount++
	return nil
}

// Read runs a Get, Scan or ScanPrefix at snapshot, without locks.
func (e *Engine) Read(operation []byte, snapshot clock.Timestamp) engines.Outcome {
	if point, ok := decodePointOperation(operation); ok && point.kind == OperationGet {
		return e.get(point.key, mvcc.ReadOptions{At: snapshot})
	}
	op, err := DecodeOperation(operation)
	if err != nil {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "%v", err))
	}
	switch op.Kind {
	case OperationGet:
		return e.get([]byte(op.Key), mvcc.ReadOptions{At: snapshot})
	case OperationScan, OperationScanPrefix:
		span := op.span()
		if span.empty() {
			return engines.Done(encodedEmptyList)
		}
		return e.scan(span, op, snapshot, engines.TxnID{})
	default:
		return engines.Failed(engines.Refuse(engines.CodeReadOnly, "kv: %s of key %q in a read-only snapshot read", op.Kind, op.Key))
	}
}

// get reads one key; the result is [] when absent, [value] when present.
func (e *Engine) get(key []byte, options mvcc.ReadOptions) engines.Outcome {
	raw, found, err := e.store.Get(key, options)
	if err != nil {
		return readFailure(err, options.Txn)
	}
	if !found {
		return engines.Done(encodedEmptyList)
	}
	v, err := value.Decode(raw)
	if err != nil {
		return undecodable(string(key), err)
	}
	return engines.Done(value.Append(nil, value.List(v)))
}

// scan reads span; the result is a list of [key, value] pairs in scan
// order.
func (e *Engine) scan(span keySpan, op Operation, at clock.Timestamp, txn engines.TxnID) engines.Outcome {
	options := mvcc.ScanOptions{Start: []byte(span.start), Reverse: op.Reverse, Limit: op.Limit, At: at, Txn: txn}
	if !span.unbounded {
		options.End = []byte(span.end)
	}
	var pairs []value.Value
	var decodeErr error
	err := e.store.Scan(options, func(key, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			decodeErr = fmt.Errorf("key %q: %w", key, err)
			return false
		}
		pairs = append(pairs, value.List(value.Bytes(key), v))
		return true
	})
	if err != nil {
		return readFailure(err, txn)
	}
	if decodeErr != nil {
		return engines.Failed(engines.Refuse(engines.CodeInternal, "kv: stored value does not decode: %v", decodeErr))
	}
	return engines.Done(value.Append(nil, value.List(pairs...)))
}

// readFailure turns a store read error into an outcome. A read-write
// transaction never meets another's prepared intent: its locks keep them
// apart.
func readFailure(err error, txn engines.TxnID) engines.Outcome {
	var blocked *mvcc.BlockedError
	if errors.As(err, &blocked) {
		if !txn.IsZero() {
			assert.Broken("kv: locked read of txn %v met prepared txn %v: %v", txn, blocked.Txn, err)
		}
		return engines.Blocked(engines.WaitForFinished, blocked.Txn)
	}
	return engines.Failed(engines.AsRefusal(err))
}

func undecodable(key string, err error) engines.Outcome {
	return engines.Failed(engines.Refuse(engines.CodeInternal, "kv: stored value of key %q does not decode: %v", key, err))
}

var (
	encodedNull      = value.Append(nil, value.Null())
	encodedEmptyList = value.Append(nil, value.List())
)

// Prepare prepares txn through the shared lifecycle (see twoPhase).
func (e *Engine) Prepare(txn engines.TxnID, prepareTimestamp clock.Timestamp) error {
	if err := e.twoPhase.Prepare(txn, prepareTimestamp); err != nil {
		return err
	}
	if bugs.Enabled(bugs.ReadLocksReleasedAtPrepare) { // planted bug: releases read locks at prepare
		e.releaseShared(e.transactions.Lookup(txn))
	}
	return nil
}

// releaseShared releases a transaction's shared key locks (the planted
// bug ReadLocksReleasedAtPrepare).
func (e *Engine) releaseShared(record *transaction) {
	txn := record.ID()
	record.sharedKeys.each(func(key string) { e.locks.removeShared(txn, key) })
	e.lockCount -= record.sharedKeys.len()
	record.sharedKeys = keySet{}
}

// release releases every lock of a finishing transaction.
func (e *Engine) release(record *transaction) {
	txn := record.ID()
	// Each key's lock is released on its own, so the order cannot reach
	// the state; skipping the sort saves allocations on every commit.
	record.sharedKeys.each(func(key string) { e.locks.removeShared(txn, key) })
	record.exclusiveKeys.each(func(key string) { e.locks.removeExclusive(txn, key) })
	if len(record.ranges) > 0 {
		for _, span := range slices.SortedFunc(maps.Keys(record.ranges), compareSpan) {
			e.locks.removeRange(txn, span)
		}
	}
	e.lockCount -= record.lockCount()
	if lastLive := e.transactions.Len() == 1; lastLive && (e.lockCount != 0 || !e.locks.isEmpty()) {
		assert.Broken("kv: no transaction left but %d locks held", e.lockCount)
	}
}

// Held counts live transactions and their locks (shared, exclusive and
// range locks alike).
func (e *Engine) Held() engines.Held {
	return engines.Held{Transactions: e.transactions.Len(), Locks: e.lockCount}
}

// compareSpan orders spans by start, then bounded before unbounded, then
// end: the order of checkpoints.
func compareSpan(a, b keySpan) int {
	switch {
	case a.start != b.start:
		return strings.Compare(a.start, b.start)
	case a.unbounded != b.unbounded:
		if a.unbounded {
			return 1
		}
		return -1
	}
	return strings.Compare(a.end, b.end)
}
