package resource

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/bugs"
)

// Read runs balance, supply or metadata at snapshot from the committed
// versions, without locks. It is Blocked (WaitForFinished) on every
// prepared transaction whose prepare timestamp is <= snapshot and that
// touches what it reads: creates the token, or has a pending delta on the
// account (balance) or on the supply (supply). Unprepared transactions are
// ignored: they will commit above every snapshot already served.
func (e *Engine) Read(operationBytes []byte, snapshot clock.Timestamp) engines.Outcome {
	op, err := e.decodeOperationInterned(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	if op.kind.writes() {
		return refuse(engines.CodeReadOnly, "resource: %s in a read-only snapshot read", op.kind)
	}
	if o := checkName("token", op.token); stopped(o) {
		return o
	}
	if op.kind == operationBalance {
		if o := checkName("account", op.account); stopped(o) {
			return o
		}
	}
	if blockers := e.preparedBlockers(op, snapshot); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	return e.readCommitted(op, snapshot)
}

// preparedBlockers lists the prepared transactions at or below snapshot
// that touch what op reads.
func (e *Engine) preparedBlockers(op operation, snapshot clock.Timestamp) []engines.TxnID {
	var candidates []engines.TxnID
	if state := e.tokens[op.token]; state != nil {
		candidates = append(candidates, creatorList(state)...)
		if op.kind == operationSupply && !bugs.Enabled(bugs.SupplyReadSkipsPrepared) { // planted bug: the supply does not wait
			candidates = append(candidates, state.holders...)
		}
	}
	if state := e.accounts[accountKey{op.token, op.account}]; op.kind == operationBalance && state != nil {
		candidates = append(candidates, state.holders...)
	}
	var blockers []engines.TxnID
	for _, txn := range candidates {
		if e.transactions.Lookup(txn).PreparedAtOrBefore(snapshot) {
			blockers = append(blockers, txn)
		}
	}
	return blockers
}

func (e *Engine) readCommitted(op operation, snapshot clock.Timestamp) engines.Outcome {
	data, found, err := e.store.Get(metadataKey(op.token), mvccRead(snapshot))
	if err != nil {
		return refuse(engines.CodeInternal, "resource: token %q: %v", op.token, err)
	}
	if !found {
		return refuse(engines.CodeNotFound, "resource: token %q not found at %v", op.token, snapshot)
	}
	m, err := decodeMetadataVersion(data)
	if err != nil {
		return refuse(engines.CodeInternal, "resource: token %q: stored metadata: %v", op.token, err)
	}
	var key []byte
	switch op.kind {
	case operationMetadata:
		return engines.Done(encodeMetadataResult(m))
	case operationSupply:
		key = supplyKey(op.token)
	default:
		key = balanceKey(accountKey{op.token, op.account})
	}
	units, err := e.readUnits(key, snapshot)
	if err != nil {
		return refuse(engines.CodeInternal, "resource: token %q: stored amount: %v", op.token, err)
	}
	return engines.Done(encodeAmountResult(amountFromUnits(units, m.Decimals)))
}
