package stream

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
)

// The operations of read-write transactions. Each checks its conflicts
// first and returns Blocked (WaitForFinished) without any change, or takes
// its claims and answers. The rules and why they hold are in doc.go.

func (e *Engine) append(txn *transaction, values [][]byte) engines.Outcome {
	if len(values) == 0 {
		return engines.Done(encodedNull)
	}
	if len(txn.appended)+len(values) > TransactionAppendsMax {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "stream: append: the transaction would append more than %d values", TransactionAppendsMax))
	}
	if blockers := e.tailHolders.AppendOthers(nil, txn.ID()); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	txn.appended = append(txn.appended, values...)
	e.appenders.Add(txn.ID())
	e.checkClaims()
	return engines.Done(encodedNull)
}

func (e *Engine) latestPosition(txn *transaction) engines.Outcome {
	if blocked, ok := e.takeTail(txn); !ok {
		return blocked
	}
	return engines.Done(encodePosition(e.latest() + uint64(len(txn.appended))))
}

// readFrom answers the committed items in [position, position+limit),
// and, when that range goes past the last committed position, the
// transaction's own appends at the positions they will take.
func (e *Engine) readFrom(txn *transaction, op operation) engines.Outcome {
	latest := e.latest()
	if op.limit == 0 {
		return engines.Done(encodeItems(nil, nil))
	}
	last := op.position + op.limit - 1 // no overflow: position < 2^63, limit <= ReadLimitMax
	if last <= latest {
		return engines.Done(encodeItems(e.items[op.position-1:last], nil))
	}
	if blocked, ok := e.takeTail(txn); !ok {
		return blocked
	}
	// Holding the tail lock with no other appender, the transaction's
	// appends will take positions latest+1, latest+2, ... at its commit.
	committed := e.items[min(op.position-1, latest):]
	first := max(op.position, latest+1) - latest - 1
	end := min(last, latest+uint64(len(txn.appended))) - latest
	var pending [][]byte
	if first < end {
		pending = txn.appended[first:end]
	}
	return engines.Done(encodeItems(committed, pending))
}

// takeTail gives txn the tail lock, or says whom it waits for: every
// other transaction with uncommitted appends (one of them may commit
// first and move the end).
func (e *Engine) takeTail(txn *transaction) (engines.Outcome, bool) {
	if blockers := e.appenders.AppendOthers(nil, txn.ID()); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...), false
	}
	if !txn.tail {
		txn.tail = true
		e.tailHolders.Add(txn.ID())
		e.checkClaims()
	}
	return engines.Outcome{}, true
}

// Read runs ReadFrom or LatestPosition at snapshot, without locks: it
// sees the items committed at or before snapshot, a prefix of the table.
// A read that looks past that prefix (LatestPosition, or a ReadFrom
// asking for a position beyond it) is Blocked on every prepared
// transaction with prepare timestamp <= snapshot that appends: it may
// commit at or before snapshot, after the prefix.
func (e *Engine) Read(operationBytes []byte, snapshot clock.Timestamp) engines.Outcome {
	op, err := decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	if op.kind == operationAppend {
		return engines.Failed(engines.Refuse(engines.CodeReadOnly, "stream: append in a snapshot read"))
	}
	latest := e.latestAt(snapshot)
	switch {
	case op.kind == operationReadFrom && op.limit == 0:
		return engines.Done(encodeItems(nil, nil))
	case op.kind == operationReadFrom && op.position+op.limit-1 <= latest:
		return engines.Done(encodeItems(e.items[op.position-1:op.position-1+op.limit], nil))
	}
	if blockers := e.preparedAppenders(snapshot); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	if op.kind == operationLatestPosition {
		return engines.Done(encodePosition(latest))
	}
	return engines.Done(encodeItems(e.items[min(op.position-1, latest):latest], nil))
}

// preparedAppenders lists the transactions with uncommitted appends that
// are prepared at or before snapshot.
func (e *Engine) preparedAppenders(snapshot clock.Timestamp) []engines.TxnID {
	var blockers []engines.TxnID
	for _, id := range e.appenders {
		if e.transactions.Lookup(id).PreparedAtOrBefore(snapshot) {
			blockers = append(blockers, id)
		}
	}
	return blockers
}

// checkClaims asserts the claims' invariant (see Engine.appenders).
func (e *Engine) checkClaims() {
	if !e.claimsConsistent() {
		assert.Broken("stream: tail holders %v beside appenders %v", e.tailHolders, e.appenders)
	}
}

// claimsConsistent reports whether no transaction holds the tail lock
// beside another's appends: when both sets are non-empty, they are the
// same single transaction.
func (e *Engine) claimsConsistent() bool {
	if len(e.tailHolders) == 0 || len(e.appenders) == 0 {
		return true
	}
	return len(e.appenders) == 1 && len(e.tailHolders) == 1 && e.appenders[0] == e.tailHolders[0]
}
