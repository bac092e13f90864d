package queue

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
	"github.com/proven2pc/proven/mvcc"
)

// The operations of read-write transactions. Each checks its conflicts
// first and returns Blocked (WaitForFinished) without any change, or takes
// its locks and answers. The rules and why they hold are in doc.go.

func (e *Engine) enqueue(txn *transaction, q *queueState, item []byte) engines.Outcome {
	if blockers := q.countHolders.AppendOthers(nil, txn.ID()); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	r := txn.ensure(q)
	if r.enqueued == nil {
		r.enqueued = r.enqueuedInline[:0]
	}
	r.enqueued = append(r.enqueued, pendingItem{sequence: q.sequenceNext, item: item})
	q.sequenceNext++
	q.enqueuers.Add(txn.ID())
	return engines.Done(encodeNull())
}

func (e *Engine) dequeue(txn *transaction, q *queueState) engines.Outcome {
	if blocked, ok := headOwnedByOther(q, txn.ID()); ok {
		return blocked
	}
	r := txn.find(q)
	if available(q, r) > 0 {
		blockers := q.headSharers.AppendOthers(nil, txn.ID())
		blockers = q.countHolders.AppendOthers(blockers, txn.ID())
		if len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
		r = txn.ensure(q)
		item := e.readItem(q, q.head+r.dequeued)
		r.dequeued++
		takeHeadExclusive(q, r, txn.ID())
		return engines.Done(encodeItem(item, true))
	}
	if blockers := q.enqueuers.AppendOthers(nil, txn.ID()); len(blockers) > 0 &&
		!bugs.Enabled(bugs.DequeueSkipsUncommittedEnqueue) { // planted bug: answers empty beside uncommitted enqueues
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	r = txn.ensure(q)
	takeCount(q, r, txn.ID())
	if len(r.enqueued) == 0 {
		return engines.Done(encodeItem(nil, false))
	}
	// Read-your-writes: the committed items are all taken and nobody else
	// can enqueue (the count lock), so the own first enqueue is the head.
	first := r.enqueued[0]
	r.enqueued = slices.Delete(r.enqueued, 0, 1)
	if len(r.enqueued) == 0 {
		q.enqueuers.Remove(txn.ID())
	}
	return engines.Done(encodeItem(first.item, true))
}

func (e *Engine) peek(txn *transaction, q *queueState) engines.Outcome {
	if blocked, ok := headOwnedByOther(q, txn.ID()); ok {
		return blocked
	}
	r := txn.find(q)
	if available(q, r) > 0 {
		r = txn.ensure(q)
		item := e.readItem(q, q.head+r.dequeued)
		if r.head == headLockNone {
			r.head = headLockShared
			q.headSharers.Add(txn.ID())
		}
		return engines.Done(encodeItem(item, true))
	}
	if blockers := q.enqueuers.AppendOthers(nil, txn.ID()); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	r = txn.ensure(q)
	takeCount(q, r, txn.ID())
	if len(r.enqueued) == 0 {
		return engines.Done(encodeItem(nil, false))
	}
	return engines.Done(encodeItem(r.enqueued[0].item, true))
}

// size answers Size and IsEmpty.
func (e *Engine) size(txn *transaction, q *queueState, kind operationKind) engines.Outcome {
	blockers := q.enqueuers.AppendOthers(nil, txn.ID())
	if !q.headOwner.IsZero() && q.headOwner != txn.ID() {
		blockers = append(blockers, q.headOwner)
	}
	if len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	r := txn.ensure(q)
	takeCount(q, r, txn.ID())
	count := available(q, r) + uint64(len(r.enqueued))
	if kind == operationIsEmpty {
		return engines.Done(encodeIsEmpty(count == 0))
	}
	return engines.Done(encodeSize(count))
}

func (e *Engine) clear(txn *transaction, q *queueState) engines.Outcome {
	blockers := q.enqueuers.AppendOthers(nil, txn.ID())
	if !q.headOwner.IsZero() && q.headOwner != txn.ID() {
		blockers = append(blockers, q.headOwner)
	}
	blockers = q.headSharers.AppendOthers(blockers, txn.ID())
	blockers = q.countHolders.AppendOthers(blockers, txn.ID())
	if len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	r := txn.ensure(q)
	r.cleared = true
	r.dequeued = 0
	r.enqueued = nil
	q.enqueuers.Remove(txn.ID())
	takeHeadExclusive(q, r, txn.ID())
	takeCount(q, r, txn.ID())
	return engines.Done(encodeNull())
}

// available counts the committed items of q that the transaction holding
// record r (nil: none yet) has not taken or cleared.
func available(q *queueState, r *queueRecord) uint64 {
	if r == nil {
		return q.tail - q.head
	}
	if r.cleared {
		return 0
	}
	return q.tail - q.head - r.dequeued
}

func headOwnedByOther(q *queueState, txn engines.TxnID) (engines.Outcome, bool) {
	if q.headOwner.IsZero() || q.headOwner == txn {
		return engines.Outcome{}, false
	}
	return engines.Blocked(engines.WaitForFinished, q.headOwner), true
}

// takeHeadExclusive gives txn the head lock of q exclusively.
// Requires: no other transaction holds it, shared or exclusive.
func takeHeadExclusive(q *queueState, r *queueRecord, txn engines.TxnID) {
	q.headSharers.Remove(txn)
	if len(q.headSharers) > 0 {
		assert.Broken("queue: txn %v takes the head of %q exclusively beside sharers %v", txn, q.name, q.headSharers)
	}
	q.headOwner = txn
	r.head = headLockExclusive
}

func takeCount(q *queueState, r *queueRecord, txn engines.TxnID) {
	r.count = true
	q.countHolders.Add(txn)
}

// readItem returns the committed item at position.
// Requires: q.head <= position < q.tail.
func (e *Engine) readItem(q *queueState, position uint64) []byte {
	item, found, err := e.store.Get(q.itemKey(position), mvcc.ReadOptions{At: mvcc.MaxTimestamp})
	if err != nil || !found {
		assert.Broken("queue: committed item %d of queue %q missing (found %v, error %v)", position, q.name, found, err)
	}
	return item
}

// Read runs Peek, Size or IsEmpty at snapshot, without locks: it sees the
// queue as committed at or before snapshot. It is Blocked on every prepared
// transaction with prepare timestamp <= snapshot that enqueues to,
// dequeues from or clears the queue.
func (e *Engine) Read(operationBytes []byte, snapshot clock.Timestamp) engines.Outcome {
	op, err := decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	if op.kind.writes() {
		return engines.Failed(engines.Refuse(engines.CodeReadOnly, "queue: %v of queue %q in a snapshot read", op.kind, op.queue))
	}
	q := e.queues[op.queue]
	if q == nil {
		return answerSnapshot(op.kind, nil, 0)
	}
	if blockers := e.preparedWriters(q, snapshot); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	snapshotExtent := extentAt(q, snapshot)
	if op.kind != operationPeek || snapshotExtent.head == snapshotExtent.tail {
		return answerSnapshot(op.kind, nil, snapshotExtent.tail-snapshotExtent.head)
	}
	item, found, err := e.store.Get(q.itemKey(snapshotExtent.head), mvcc.ReadOptions{At: snapshot})
	if err != nil {
		return engines.Failed(engines.AsRefusal(err))
	}
	if !found {
		assert.Broken("queue: item %d of queue %q missing at %v", snapshotExtent.head, q.name, snapshot)
	}
	return answerSnapshot(op.kind, item, 1)
}

func answerSnapshot(kind operationKind, item []byte, count uint64) engines.Outcome {
	switch kind {
	case operationPeek:
		return engines.Done(encodeItem(item, count > 0))
	case operationIsEmpty:
		return engines.Done(encodeIsEmpty(count == 0))
	}
	return engines.Done(encodeSize(count))
}

// preparedWriters lists the prepared transactions with prepare timestamp
// <= snapshot that change q when they commit.
func (e *Engine) preparedWriters(q *queueState, snapshot clock.Timestamp) []engines.TxnID {
	var blockers []engines.TxnID
	for _, id := range q.enqueuers {
		blockers = e.appendPreparedBy(blockers, id, snapshot)
	}
	if !q.headOwner.IsZero() {
		blockers = e.appendPreparedBy(blockers, q.headOwner, snapshot)
	}
	return blockers
}

func (e *Engine) appendPreparedBy(blockers []engines.TxnID, id engines.TxnID, snapshot clock.Timestamp) []engines.TxnID {
	if e.transactions.Lookup(id).PreparedAtOrBefore(snapshot) {
		return append(blockers, id)
	}
	return blockers
}

// extentAt returns q's committed extent at snapshot: the last extent
// stamped at or before it (none: empty).
func extentAt(q *queueState, snapshot clock.Timestamp) extent {
	after, _ := slices.BinarySearchFunc(q.extents, snapshot, func(v extentVersion, target clock.Timestamp) int {
		if target.Less(v.timestamp) {
			return 1
		}
		return -1
	})
	if after == 0 {
		return extent{}
	}
	return q.extents[after-1].extent
}
