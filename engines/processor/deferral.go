package processor

import (
	"cmp"
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
)

// Deferred operations wait in one list, ordered by transaction age, then
// by sequence. An operation waits for one of two reasons:
//   - blocked: it ran and the engine answered Blocked; it is retried once
//     its blockers reach the stage it waits for. Its sequence is at most
//     its transaction's lastSequence (it started).
//   - queued: it has not run yet, because an earlier operation of its
//     transaction has not run or is blocked (operations of one
//     transaction run in sequence order, whatever order their entries
//     reached the log in). Its sequence is above lastSequence; it runs
//     once it is its transaction's first waiting operation and its
//     predecessor has run.
//
// Both are part of the checkpointed state: they are a function of the
// log, and replay rebuilds them.

// compareDeferred orders a deferred operation against (txn, sequence).
func compareDeferred(d *deferredOperation, txn engines.TxnID, sequence uint32) int {
	if c := d.entry.Txn.Compare(txn); c != 0 {
		return c
	}
	return cmp.Compare(d.entry.Sequence, sequence)
}

// deferOperation parks an operation: a blocked one until its blockers
// reach the stage it waits for, a queued one until its turn.
func (p *Processor) deferOperation(op *deferredOperation) {
	index, found := slices.BinarySearchFunc(p.deferred, op.entry.Txn, func(d *deferredOperation, txn engines.TxnID) int {
		return compareDeferred(d, txn, op.entry.Sequence)
	})
	assert.That(!found, "processor: stream %s: %v has two deferred operations of sequence %d", p.config.Stream,
		op.entry.Txn, op.entry.Sequence)
	p.deferred = slices.Insert(p.deferred, index, op)
}

// firstDeferred returns the index of txn's first deferred operation, or -1.
func (p *Processor) firstDeferred(txn engines.TxnID) int {
	index, _ := slices.BinarySearchFunc(p.deferred, txn, func(d *deferredOperation, id engines.TxnID) int {
		return compareDeferred(d, id, 0)
	})
	if index < len(p.deferred) && p.deferred[index].entry.Txn == txn {
		return index
	}
	return -1
}

func (p *Processor) hasDeferred(txn engines.TxnID) bool { return p.firstDeferred(txn) >= 0 }

// isDeferred reports whether txn's operation of sequence waits.
func (p *Processor) isDeferred(txn engines.TxnID, sequence uint32) bool {
	_, found := slices.BinarySearchFunc(p.deferred, txn, func(d *deferredOperation, id engines.TxnID) int {
		return compareDeferred(d, id, sequence)
	})
	return found
}

// removeDeferred takes every deferred operation of txn out of the list,
// in sequence order.
func (p *Processor) removeDeferred(txn engines.TxnID) []*deferredOperation {
	first := p.firstDeferred(txn)
	if first < 0 {
		return nil
	}
	end := first
	for end < len(p.deferred) && p.deferred[end].entry.Txn == txn {
		end++
	}
	removed := slices.Clone(p.deferred[first:end])
	p.deferred = slices.Delete(p.deferred, first, end)
	return removed
}

// removeDeferredAfter takes txn's deferred operations of sequence above
// used out of the list (they are predictions the coordinator did not
// use), and reports whether one of them had started (was blocked).
func (p *Processor) removeDeferredAfter(t *txnState, used uint32) (startedRemoved bool) {
	kept := p.deferred[:0]
	for _, op := range p.deferred {
		if op.entry.Txn == t.id && op.entry.Sequence > used {
			startedRemoved = startedRemoved || op.entry.Sequence <= t.lastSequence
			continue
		}
		kept = append(kept, op)
	}
	clear(p.deferred[len(kept):])
	p.deferred = kept
	return startedRemoved
}

// runnable reports whether op may run now: it is its transaction's first
// waiting operation, and either its turn has come (queued) or every
// blocker reached the stage it waits for (blocked).
func (p *Processor) runnable(op *deferredOperation) bool {
	if first := p.firstDeferred(op.entry.Txn); first < 0 || p.deferred[first] != op {
		return false
	}
	if t := p.txns[op.entry.Txn]; op.entry.Sequence > t.lastSequence {
		return op.entry.Sequence == t.lastSequence+1
	}
	for _, id := range op.blockers {
		blocker := p.txns[id]
		if blocker == nil || blocker.settled() {
			continue
		}
		if op.waitFor == engines.WaitForPrepared && blocker.status == txnPrepared {
			continue
		}
		return false
	}
	return true
}

// retryDeferred runs, oldest transaction first and each transaction's in
// sequence order, every deferred operation that may run, until none is
// left runnable. A retried operation may block again (on other
// transactions) and be deferred anew.
func (p *Processor) retryDeferred() {
	if len(p.deferred) == 0 {
		return // the common case: nothing waits
	}
	for progress := true; progress; {
		progress = false
		for _, op := range slices.Clone(p.deferred) {
			if !p.isDeferred(op.entry.Txn, op.entry.Sequence) || !p.runnable(op) {
				continue
			}
			first := p.firstDeferred(op.entry.Txn)
			p.deferred = slices.Delete(p.deferred, first, first+1)
			if bugs.Enabled(bugs.DroppedRetry) && !p.blockerAborted(op) { // planted bug: retries only after an abort
				continue
			}
			if t := p.txns[op.entry.Txn]; op.entry.Sequence > t.lastSequence {
				p.start(t, op.entry) // a queued operation's turn
			}
			p.run(*op)
			progress = true
		}
	}
}

// blockerAborted reports whether some blocker of op aborted or is
// forgotten (the planted bug DroppedRetry retries only such operations).
func (p *Processor) blockerAborted(op *deferredOperation) bool {
	for _, id := range op.blockers {
		if blocker := p.txns[id]; blocker == nil || blocker.status == txnAborted {
			return true
		}
	}
	return false
}
