package processor

import (
	"github.com/proven2pc/proven/engines"
)

// deadlineItem is one transaction's deadline in the expiry heap.
type deadlineItem struct {
	deadlineNanos int64
	txn           engines.TxnID
}

func (a deadlineItem) less(b deadlineItem) bool {
	if a.deadlineNanos != b.deadlineNanos {
		return a.deadlineNanos < b.deadlineNanos
	}
	return a.txn.Less(b.txn)
}

// deadlineHeap orders transactions by deadline (then id), so that expire
// only looks at the transactions whose deadline the log has passed. It is
// a binary min-heap written out for its one item type (container/heap
// would box every pushed and popped item: two allocations per
// transaction). The order is total, so the heap's shape never matters.
// Invariant: h[i] is not less than h[(i-1)/2].
type deadlineHeap []deadlineItem

func (h *deadlineHeap) push(item deadlineItem) {
	*h = append(*h, item)
	items := *h
	child := len(items) - 1
	for child > 0 {
		parent := (child - 1) / 2
		if !items[child].less(items[parent]) {
			break
		}
		items[child], items[parent] = items[parent], items[child]
		child = parent
	}
}

// pop removes and returns the smallest item.
// Requires: the heap is not empty.
func (h *deadlineHeap) pop() deadlineItem {
	items := *h
	smallest := items[0]
	last := len(items) - 1
	items[0] = items[last]
	items = items[:last]
	*h = items
	parent := 0
	for {
		child := 2*parent + 1
		if child >= len(items) {
			break
		}
		if right := child + 1; right < len(items) && items[right].less(items[child]) {
			child = right
		}
		if !items[child].less(items[parent]) {
			break
		}
		items[child], items[parent] = items[parent], items[child]
		parent = child
	}
	return smallest
}

// deadlineQueue orders transactions by deadline (then id), as deadlineHeap
// does, but cheaper in the common case: a transaction's deadline is its
// first entry's timestamp plus a timeout, so deadlines mostly arrive in
// order. An item not below the last in-order one is appended to a FIFO
// (O(1) to push and pop); only the others go to the heap. The smallest item
// is the smaller of the two fronts, so items leave in exactly the heap's
// order.
// Invariant: inOrder[inOrderHead:] is sorted (nondecreasing).
type deadlineQueue struct {
	inOrder     []deadlineItem
	inOrderHead int
	outOfOrder  deadlineHeap
}

// deadlineQueueCompactLen is how many popped in-order items may sit at the
// front of the FIFO's array before the live ones are moved down.
const deadlineQueueCompactLen = 1024

func (q *deadlineQueue) push(item deadlineItem) {
	if last := len(q.inOrder) - 1; last >= q.inOrderHead && item.less(q.inOrder[last]) {
		q.outOfOrder.push(item)
		return
	}
	q.inOrder = append(q.inOrder, item)
}

// front returns the smallest item and whether it is in the FIFO.
func (q *deadlineQueue) front() (item deadlineItem, inOrder bool, ok bool) {
	hasInOrder := q.inOrderHead < len(q.inOrder)
	switch {
	case len(q.outOfOrder) > 0 && (!hasInOrder || q.outOfOrder[0].less(q.inOrder[q.inOrderHead])):
		return q.outOfOrder[0], false, true
	case hasInOrder:
		return q.inOrder[q.inOrderHead], true, true
	}
	return deadlineItem{}, false, false
}

// popFront removes the item front returned.
func (q *deadlineQueue) popFront(inOrder bool) {
	if !inOrder {
		q.outOfOrder.pop()
		return
	}
	q.inOrderHead++
	switch {
	case q.inOrderHead == len(q.inOrder):
		q.inOrder, q.inOrderHead = q.inOrder[:0], 0
	case q.inOrderHead >= deadlineQueueCompactLen && 2*q.inOrderHead >= len(q.inOrder):
		live := copy(q.inOrder, q.inOrder[q.inOrderHead:])
		q.inOrder, q.inOrderHead = q.inOrder[:live], 0
	}
}

func (p *Processor) watchDeadline(t *txnState) {
	p.deadlines.push(deadlineItem{deadlineNanos: t.deadlineNanos, txn: t.id})
}

// nextExpired pops the next transaction whose deadline is before
// nowNanos, if any.
func (p *Processor) nextExpired(nowNanos int64) (*txnState, bool) {
	for {
		item, inOrder, ok := p.deadlines.front()
		if !ok || item.deadlineNanos >= nowNanos {
			return nil, false
		}
		p.deadlines.popFront(inOrder)
		if t := p.txns[item.txn]; t != nil {
			return t, true
		}
	}
}
