package processor

import (
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/bugs"
)

// deferOperation parks a blocked operation until its blockers reach the
// stage it waits for. Deferred operations are part of the checkpointed
// state: they are a function of the log, and replay rebuilds them.
func (p *Processor) deferOperation(op *deferredOperation) {
	assert.That(!p.hasDeferred(op.entry.Txn), "processor: stream %s: %v has two deferred operations", p.config.Stream, op.entry.Txn)
	index, _ := slices.BinarySearchFunc(p.deferred, op.entry.Txn, func(d *deferredOperation, id engines.TxnID) int {
		return d.entry.Txn.Compare(id)
	})
	p.deferred = slices.Insert(p.deferred, index, op)
}

func (p *Processor) findDeferred(txn engines.TxnID) int {
	index, found := slices.BinarySearchFunc(p.deferred, txn, func(d *deferredOperation, id engines.TxnID) int {
		return d.entry.Txn.Compare(id)
	})
	if !found {
		return -1
	}
	return index
}

func (p *Processor) hasDeferred(txn engines.TxnID) bool { return p.findDeferred(txn) >= 0 }

func (p *Processor) removeDeferred(txn engines.TxnID) *deferredOperation {
	index := p.findDeferred(txn)
	if index < 0 {
		return nil
	}
	op := p.deferred[index]
	p.deferred = slices.Delete(p.deferred, index, index+1)
	return op
}

// runnable reports whether every blocker of op has reached the stage op
// waits for.
func (p *Processor) runnable(op *deferredOperation) bool {
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

// retryDeferred runs, oldest transaction first, every deferred operation
// whose blockers have moved on, until none is left runnable. A retried
// operation may block again (on other transactions) and be deferred anew.
func (p *Processor) retryDeferred() {
	if len(p.deferred) == 0 {
		return // the common case: nothing waits
	}
	for progress := true; progress; {
		progress = false
		for _, op := range slices.Clone(p.deferred) {
			if !p.hasDeferred(op.entry.Txn) || !p.runnable(op) {
				continue
			}
			p.removeDeferred(op.entry.Txn)
			if bugs.Enabled(bugs.DroppedRetry) && !p.blockerAborted(op) { // planted bug: retries only after an abort
				continue
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
