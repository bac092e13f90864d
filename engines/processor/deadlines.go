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

func (p *Processor) watchDeadline(t *txnState) {
	p.deadlines.push(deadlineItem{deadlineNanos: t.deadlineNanos, txn: t.id})
}

// nextExpired pops the next transaction whose deadline is before
// nowNanos, if any.
func (p *Processor) nextExpired(nowNanos int64) (*txnState, bool) {
	for len(p.deadlines) > 0 && p.deadlines[0].deadlineNanos < nowNanos {
		item := p.deadlines.pop()
		if t := p.txns[item.txn]; t != nil {
			return t, true
		}
	}
	return nil, false
}
