package processor

import (
	"container/heap"

	"github.com/proven2pc/proven/engines"
)

// deadlineItem is one transaction's deadline in the expiry heap.
type deadlineItem struct {
	deadlineNanos int64
	txn           engines.TxnID
}

// deadlineHeap orders transactions by deadline (then id), so that expire
// only looks at the transactions whose deadline the log has passed.
type deadlineHeap []deadlineItem

func (h deadlineHeap) Len() int { return len(h) }
func (h deadlineHeap) Less(i, j int) bool {
	if h[i].deadlineNanos != h[j].deadlineNanos {
		return h[i].deadlineNanos < h[j].deadlineNanos
	}
	return h[i].txn.Less(h[j].txn)
}
func (h deadlineHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)   { *h = append(*h, x.(deadlineItem)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]
	return last
}

func (p *Processor) watchDeadline(t *txnState) {
	heap.Push(&p.deadlines, deadlineItem{deadlineNanos: t.deadlineNanos, txn: t.id})
}

// nextExpired pops the next transaction whose deadline is before
// nowNanos, if any.
func (p *Processor) nextExpired(nowNanos int64) (*txnState, bool) {
	for len(p.deadlines) > 0 && p.deadlines[0].deadlineNanos < nowNanos {
		item := heap.Pop(&p.deadlines).(deadlineItem)
		if t := p.txns[item.txn]; t != nil {
			return t, true
		}
	}
	return nil, false
}
