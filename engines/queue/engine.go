package queue

import (
	"encoding/binary"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/txnset"
	"github.com/proven2pc/proven/mvcc"
)

// Engine is the queue engine of one stream. It is not safe for concurrent
// use: the stream's processor drives it from one thread.
type Engine struct {
	// twoPhase gives the engine Prepare (locks stay), Commit (writeCommit:
	// the transaction's enqueues join the tails in order, its dequeued or
	// cleared items go, the queues get new extents; then release) and
	// Abort (uncommitted enqueues vanish and their ids are never used;
	// dequeued items never left the head), run by transactions.
	twoPhase
	// store holds the committed items, versioned by commit timestamp: one
	// key per item position (each queue's extents live in its queueState).
	// It never holds intents between calls: a commit writes and commits in
	// one step.
	store *mvcc.Store
	// queues holds every queue any transaction has touched.
	queues map[string]*queueState
	// transactions runs the lifecycle of every Active or Prepared
	// transaction, from its first Apply until its Commit or Abort.
	transactions *mvcc.Participant[transaction, *transaction]
	// scratch builds store keys and values; the store copies what it keeps.
	scratch []byte
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
	headSharers txnset.Set
	// countHolders observed the count or the emptiness of the queue.
	countHolders txnset.Set
	// enqueuers hold uncommitted enqueues to the queue.
	enqueuers txnset.Set
}

type twoPhase = mvcc.TwoPhase[transaction, *transaction]

// transaction is the engine's record of an Active or Prepared transaction.
type transaction struct {
	mvcc.Lifecycle
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

// removed is the number of committed items r's transaction removes from
// the head when it commits.
func (r *queueRecord) removed() uint64 {
	if r.cleared {
		return r.queue.tail - r.queue.head
	}
	return r.dequeued
}

// changes reports whether committing r's transaction changes the queue.
func (r *queueRecord) changes() bool { return r.removed() > 0 || len(r.enqueued) > 0 }

// pendingItem is an uncommitted enqueue: the id it reserved and the value
// encoding of its value.
type pendingItem struct {
	sequence uint64
	item     []byte
}

// NewEngine returns an empty engine.
func NewEngine() *Engine { return newEngine(mvcc.New(mvcc.Options{})) }

func newEngine(store *mvcc.Store) *Engine {
	e := &Engine{store: store, queues: map[string]*queueState{}}
	e.transactions = mvcc.NewParticipant("queue", store, mvcc.Steps[*transaction]{Write: e.writeCommit, Release: e.release})
	e.twoPhase = e.transactions.TwoPhase()
	return e
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
	record := e.transactions.Begin(txn)
	op, err := e.decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
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

type extent struct{ head, tail uint64 }

// extentVersion is a queue's extent as a commit left it.
type extentVersion struct {
	timestamp clock.Timestamp
	extent
}

// writeCommit writes txn's effects on each of its queues as intents of
// txn in the store (committed by the participant next) and stamps each
// queue it changes with its new extent.
func (e *Engine) writeCommit(record *transaction, commitTimestamp clock.Timestamp) {
	for _, r := range record.queues {
		q := r.queue
		if last := len(q.extents) - 1; last >= 0 && r.changes() && !q.extents[last].timestamp.Less(commitTimestamp) {
			assert.Broken("queue: txn %v commits %q at %v, not after its change at %v", record.ID(), q.name, commitTimestamp, q.extents[last].timestamp)
		}
	}
	for _, r := range record.queues {
		q := r.queue
		next, changed := e.writeQueue(record.ID(), r)
		if !changed {
			continue
		}
		q.head, q.tail = next.head, next.tail
		q.extents = append(q.extents, extentVersion{timestamp: commitTimestamp, extent: next})
	}
}

// writeQueue writes one queue's new items and removed items as intents of
// txn, and returns the new extent and whether it changed.
func (e *Engine) writeQueue(txn engines.TxnID, r *queueRecord) (extent, bool) {
	q := r.queue
	next := extent{head: q.head, tail: q.tail}
	if !r.changes() {
		return next, false
	}
	removed := r.removed()
	if removed > q.tail-q.head {
		assert.Broken("queue: txn %v removes %d items of queue %q holding %d", txn, removed, q.name, q.tail-q.head)
	}
	for ; removed > 0; removed-- {
		e.scratch = q.appendItemKey(e.scratch[:0], next.head)
		if err := e.store.Delete(txn, e.scratch); err != nil {
			assert.Broken("queue: the store refused to delete item %d of %q for txn %v: %v", next.head, q.name, txn, err)
		}
		next.head++
	}
	for _, pending := range r.enqueued {
		e.scratch = q.appendItemKey(e.scratch[:0], next.tail)
		if err := e.store.Put(txn, e.scratch, pending.item); err != nil {
			assert.Broken("queue: the store refused to put item %d of %q for txn %v: %v", next.tail, q.name, txn, err)
		}
		next.tail++
	}
	return next, true
}

// release drops every lock of a finishing transaction.
func (e *Engine) release(record *transaction) {
	txn := record.ID()
	for _, r := range record.queues {
		q := r.queue
		if q.headOwner == txn {
			q.headOwner = engines.TxnID{}
		}
		q.headSharers.Remove(txn)
		q.countHolders.Remove(txn)
		q.enqueuers.Remove(txn)
	}
}

// Held counts the transactions known, the head and count locks they hold,
// and their reservations: reserved enqueue ids and dequeued items.
func (e *Engine) Held() engines.Held {
	held := engines.Held{Transactions: e.transactions.Len()}
	for _, txn := range e.transactions.IDs() {
		for _, r := range e.transactions.Lookup(txn).queues {
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
