package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/mvcc"
)

// Errors of Prepare, Commit and Restore. Compare with errors.Is.
var (
	// ErrUnknownTransaction reports Prepare or Commit of a transaction that
	// never applied an operation here, or already finished.
	ErrUnknownTransaction = errors.New("queue: unknown transaction")
	// ErrTransactionPrepared reports a second Prepare at another timestamp.
	ErrTransactionPrepared = errors.New("queue: transaction is prepared")
	// ErrInvalidTimestamp reports a zero or reserved prepare or commit
	// timestamp, or a commit timestamp below the prepare timestamp.
	ErrInvalidTimestamp = errors.New("queue: invalid timestamp")
	// ErrCorruptCheckpoint reports checkpoint bytes that Restore rejects.
	ErrCorruptCheckpoint = errors.New("queue: corrupt checkpoint")
)

// Engine is the queue engine of one stream. It is not safe for concurrent
// use: the stream's processor drives it from one thread.
type Engine struct {
	// store holds the committed items, versioned by commit timestamp: one
	// key per item position (each queue's extents live in its queueState).
	// It never holds intents between calls: a commit writes and commits in
	// one step.
	store *mvcc.Store
	// queues holds every queue any transaction has touched.
	queues map[string]*queueState
	// transactions holds every Active or Prepared transaction.
	// Invariant: a transaction is here from its first Apply until its
	// Commit or Abort.
	transactions map[engines.TxnID]*transaction
	// scratch builds store keys and values; the store copies what it keeps.
	scratch []byte
	// extentsScratch holds a commit's new extents (writeCommit).
	extentsScratch []extent
	// records allocates transaction records.
	records transactionRecords
}

// transactionRecordBlockLen is how many transaction records one allocation
// makes.
const transactionRecordBlockLen = 64

// transactionRecords hands out zeroed records carved from blocks: one
// allocation per transactionRecordBlockLen transactions. A record is never
// handed out twice (no free list), so reuse cannot leak state between
// transactions; a block stays in memory while any of its records lives.
type transactionRecords struct {
	block []transaction
}

func (r *transactionRecords) next() *transaction {
	if len(r.block) == 0 {
		r.block = make([]transaction, transactionRecordBlockLen)
	}
	record := &r.block[0]
	r.block = r.block[1:]
	return record
}

var _ engines.Engine = (*Engine)(nil)

// queueState is one queue: its latest committed extent and who holds what
// on it.
type queueState struct {
	name       string
	itemPrefix []byte
	// The committed items sit at positions [head, tail).
	// Invariant: head <= tail, and the store holds an item at every one of
	// these positions at the latest timestamp and none at the others.
	head, tail uint64
	// extents records [head, tail) after each commit that changed it, for
	// snapshot reads: the extent at T is the last one stamped at or before
	// T (none: empty). A stored meta record would cost a second store key
	// per commit; this is an append.
	// Invariant: timestamps strictly increase, heads and tails never
	// decrease, and the last one is {head, tail} (empty: both zero).
	extents []extentVersion
	// sequenceNext is the id the next enqueue reserves.
	sequenceNext uint64
	// headOwner holds the head lock exclusively (it dequeued committed items
	// or cleared the queue); zero when nobody does.
	// Invariant: when not zero, headSharers holds no other transaction.
	headOwner engines.TxnID
	// headSharers peeked at a committed item and hold the head lock shared.
	headSharers txnSet
	// countHolders observed the count or the emptiness of the queue.
	countHolders txnSet
	// enqueuers hold uncommitted enqueues to the queue.
	enqueuers txnSet
}

// transaction is the engine's record of an Active or Prepared transaction.
type transaction struct {
	id               engines.TxnID
	prepared         bool
	prepareTimestamp clock.Timestamp
	// queues holds what the transaction did to each queue, sorted by name.
	queues []*queueRecord
	// firstQueue and queuesInline give the first queue's record and the
	// queues array a home inside the transaction record, so that a
	// transaction touching one queue (most do) allocates neither. A record
	// is never copied: queues may point into it.
	firstQueue   queueRecord
	queuesInline [1]*queueRecord
}

type headLock uint8

const (
	headLockNone headLock = iota
	headLockShared
	headLockExclusive
	headLockEnd
)

// queueRecord is what one transaction holds on one queue.
type queueRecord struct {
	queue *queueState
	// enqueued lists the transaction's uncommitted enqueues, in order.
	enqueued []pendingItem
	// enqueuedInline is the first home of enqueued: one enqueue (the
	// common case) allocates no array.
	enqueuedInline [1]pendingItem
	// dequeued counts the committed items taken from the head.
	// Invariant: dequeued > 0 or cleared implies head == headLockExclusive.
	dequeued uint64
	// cleared: the queue's committed items are removed at commit.
	// Invariant: cleared implies dequeued == 0 and count.
	cleared bool
	head    headLock
	count   bool
}

// pendingItem is an uncommitted enqueue: the id it reserved and the value
// encoding of its value.
type pendingItem struct {
	sequence uint64
	item     []byte
}

// NewEngine returns an empty engine.
func NewEngine() *Engine {
	return &Engine{
		store:        mvcc.New(mvcc.Options{}),
		queues:       map[string]*queueState{},
		transactions: map[engines.TxnID]*transaction{},
	}
}

func newQueueState(name string) *queueState {
	return &queueState{
		name:       name,
		itemPrefix: mvcc.AppendKeyPart([]byte{'i'}, []byte(name)),
	}
}

func (q *queueState) itemKey(position uint64) []byte {
	return q.appendItemKey(make([]byte, 0, len(q.itemPrefix)+8), position)
}

func (q *queueState) appendItemKey(dst []byte, position uint64) []byte {
	dst = append(dst, q.itemPrefix...)
	return binary.BigEndian.AppendUint64(dst, position)
}

// queue returns the named queue, creating it.
func (e *Engine) queue(name string) *queueState {
	q := e.queues[name]
	if q == nil {
		q = newQueueState(name)
		e.queues[name] = q
	}
	return q
}

// find returns txn's record of q, or nil.
func (t *transaction) find(q *queueState) *queueRecord {
	index, found := t.search(q.name)
	if !found {
		return nil
	}
	return t.queues[index]
}

// ensure returns txn's record of q, creating it.
func (t *transaction) ensure(q *queueState) *queueRecord {
	index, found := t.search(q.name)
	if found {
		return t.queues[index]
	}
	var record *queueRecord
	if t.firstQueue.queue == nil {
		record = &t.firstQueue
		record.queue = q
	} else {
		record = &queueRecord{queue: q}
	}
	if t.queues == nil {
		t.queues = t.queuesInline[:0]
	}
	t.queues = slices.Insert(t.queues, index, record)
	return record
}

func (t *transaction) search(name string) (int, bool) {
	return slices.BinarySearchFunc(t.queues, name, func(r *queueRecord, name string) int {
		switch {
		case r.queue.name < name:
			return -1
		case r.queue.name > name:
			return 1
		}
		return 0
	})
}

// Apply runs one operation of txn. The log timestamp does not matter to
// queues.
func (e *Engine) Apply(txn engines.TxnID, operationBytes []byte, _ clock.Timestamp) engines.Outcome {
	if txn.IsZero() {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "queue: the zero transaction id"))
	}
	record := e.transactions[txn]
	if record == nil {
		record = e.records.next()
		record.id = txn
		e.transactions[txn] = record
	}
	op, err := e.decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	if record.prepared {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "queue: %v: transaction %v is prepared", op.kind, txn))
	}
	q := op.state
	if q == nil {
		q = e.queue(op.queue)
	}
	switch op.kind {
	case operationEnqueue:
		return e.enqueue(record, q, op.item)
	case operationDequeue:
		return e.dequeue(record, q)
	case operationPeek:
		return e.peek(record, q)
	case operationSize, operationIsEmpty:
		return e.size(record, q, op.kind)
	case operationClear:
		return e.clear(record, q)
	default:
		assert.Broken("queue: decoded operation kind %v", op.kind)
		return engines.Outcome{}
	}
}

// Prepare marks txn Prepared at prepareTimestamp. Its locks stay.
func (e *Engine) Prepare(txn engines.TxnID, prepareTimestamp clock.Timestamp) error {
	record := e.transactions[txn]
	if record == nil {
		return fmt.Errorf("%w: prepare of txn %v", ErrUnknownTransaction, txn)
	}
	if prepareTimestamp.IsZero() || prepareTimestamp == mvcc.MaxTimestamp {
		return fmt.Errorf("%w: prepare timestamp %v for txn %v", ErrInvalidTimestamp, prepareTimestamp, txn)
	}
	if record.prepared {
		if record.prepareTimestamp == prepareTimestamp {
			return nil
		}
		return fmt.Errorf("%w: txn %v already prepared at %v, not %v", ErrTransactionPrepared, txn, record.prepareTimestamp, prepareTimestamp)
	}
	record.prepared = true
	record.prepareTimestamp = prepareTimestamp
	return nil
}

// Commit appends txn's enqueues to the committed tails in the order it
// enqueued them, removes the items it dequeued (or every item of a queue it
// cleared), stamps the new queue states with commitTimestamp and releases
// its locks. A failed commit changes nothing.
func (e *Engine) Commit(txn engines.TxnID, commitTimestamp clock.Timestamp) error {
	record := e.transactions[txn]
	if record == nil {
		return fmt.Errorf("%w: commit of txn %v", ErrUnknownTransaction, txn)
	}
	if commitTimestamp.IsZero() || commitTimestamp == mvcc.MaxTimestamp {
		return fmt.Errorf("%w: commit timestamp %v for txn %v", ErrInvalidTimestamp, commitTimestamp, txn)
	}
	if record.prepared && commitTimestamp.Less(record.prepareTimestamp) {
		return fmt.Errorf("%w: txn %v commit %v < prepare %v", ErrInvalidTimestamp, txn, commitTimestamp, record.prepareTimestamp)
	}
	extents, err := e.writeCommit(record, commitTimestamp)
	if err != nil {
		return err
	}
	for index, queueRecord := range record.queues {
		q, next := queueRecord.queue, extents[index]
		if next == (extent{head: q.head, tail: q.tail}) {
			continue
		}
		q.head, q.tail = next.head, next.tail
		q.extents = append(q.extents, extentVersion{timestamp: commitTimestamp, extent: next})
	}
	e.release(record)
	return nil
}

type extent struct{ head, tail uint64 }

// extentVersion is a queue's extent as a commit left it.
type extentVersion struct {
	timestamp clock.Timestamp
	extent
}

// writeCommit stores txn's effects in the store at commitTimestamp and
// returns each of its queues' new extent, or changes nothing and fails.
func (e *Engine) writeCommit(record *transaction, commitTimestamp clock.Timestamp) ([]extent, error) {
	extents := slices.Grow(e.extentsScratch[:0], len(record.queues))[:len(record.queues)]
	e.extentsScratch = extents // Commit uses them before the next call
	wrote := false
	for index, queueRecord := range record.queues {
		next, changed, err := e.writeQueue(record.id, queueRecord, commitTimestamp)
		if err != nil {
			e.abortStore(record.id, wrote)
			return nil, err
		}
		extents[index] = next
		wrote = wrote || changed
	}
	if !wrote {
		return extents, nil
	}
	if err := e.store.Commit(record.id, commitTimestamp); err != nil {
		e.abortStore(record.id, true)
		return nil, fmt.Errorf("queue: commit of txn %v at %v: %w", record.id, commitTimestamp, err)
	}
	return extents, nil
}

func (e *Engine) abortStore(txn engines.TxnID, wrote bool) {
	if !wrote {
		return
	}
	if err := e.store.Abort(txn); err != nil {
		assert.Broken("queue: abort of store writes of txn %v: %v", txn, err)
	}
}

// writeQueue writes one queue's new items and removed items as intents of
// txn, and returns the new extent and whether it changed. A change at a
// commit timestamp not above the queue's last change is refused (the store
// would not refuse it: a new item's key is fresh), with nothing written.
func (e *Engine) writeQueue(txn engines.TxnID, r *queueRecord, commitTimestamp clock.Timestamp) (extent, bool, error) {
	q := r.queue
	next := extent{head: q.head, tail: q.tail}
	removed := r.dequeued
	if r.cleared {
		removed = q.tail - q.head
	}
	if removed == 0 && len(r.enqueued) == 0 {
		return next, false, nil
	}
	if last := len(q.extents) - 1; last >= 0 && !q.extents[last].timestamp.Less(commitTimestamp) {
		return extent{}, false, fmt.Errorf("queue: commit of txn %v at %v: queue %q changed at %v: %w",
			txn, commitTimestamp, q.name, q.extents[last].timestamp, mvcc.ErrWriteTooOld)
	}
	if removed > q.tail-q.head {
		assert.Broken("queue: txn %v removes %d items of queue %q holding %d", txn, removed, q.name, q.tail-q.head)
	}
	for ; removed > 0; removed-- {
		e.scratch = q.appendItemKey(e.scratch[:0], next.head)
		if err := e.store.Delete(txn, e.scratch); err != nil {
			return extent{}, false, fmt.Errorf("queue: commit of txn %v: %w", txn, err)
		}
		next.head++
	}
	for _, pending := range r.enqueued {
		e.scratch = q.appendItemKey(e.scratch[:0], next.tail)
		if err := e.store.Put(txn, e.scratch, pending.item); err != nil {
			return extent{}, false, fmt.Errorf("queue: commit of txn %v: %w", txn, err)
		}
		next.tail++
	}
	return next, true, nil
}

// Abort discards txn's uncommitted enqueues (their ids are never used),
// returns the items it dequeued to the head (they never left) and releases
// its locks. Unknown transactions are ignored.
func (e *Engine) Abort(txn engines.TxnID) {
	if record := e.transactions[txn]; record != nil {
		e.release(record)
	}
}

// release drops every lock of record and forgets the transaction.
func (e *Engine) release(record *transaction) {
	for _, r := range record.queues {
		q := r.queue
		if q.headOwner == record.id {
			q.headOwner = engines.TxnID{}
		}
		q.headSharers.remove(record.id)
		q.countHolders.remove(record.id)
		q.enqueuers.remove(record.id)
	}
	delete(e.transactions, record.id)
}

// Held counts the transactions known, the head and count locks they hold,
// and their reservations: reserved enqueue ids and dequeued items.
func (e *Engine) Held() engines.Held {
	held := engines.Held{Transactions: len(e.transactions)}
	for _, txn := range slices.SortedFunc(maps.Keys(e.transactions), engines.TxnID.Compare) {
		for _, r := range e.transactions[txn].queues {
			if r.head != headLockNone {
				held.Locks++
			}
			if r.count {
				held.Locks++
			}
			held.Reservations += len(r.enqueued) + int(r.dequeued)
		}
	}
	return held
}
