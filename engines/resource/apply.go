package resource

import (
	"github.com/proven2pc/proven/engines"
)

// The operations of read-write transactions. Each one checks everything
// before it changes anything, so a Failed or Blocked outcome leaves data
// untouched (it may leave a shared lock, which records a read).

// proceed is the zero Outcome: "no verdict yet, carry on".
var proceed engines.Outcome

func stopped(o engines.Outcome) bool { return o.Status != 0 }

func refuse(code engines.ErrorCode, format string, args ...any) engines.Outcome {
	return engines.Failed(engines.Refuse(code, format, args...))
}

func checkName(what, name string) engines.Outcome {
	if name == "" {
		return refuse(engines.CodeInvalid, "resource: empty %s name", what)
	}
	if len(name) > NameLenMax {
		return refuse(engines.CodeInvalid, "resource: %s name of %d bytes, at most %d", what, len(name), NameLenMax)
	}
	return proceed
}

// checkNames checks pairs of (what, name).
func checkNames(pairs ...string) engines.Outcome {
	for i := 0; i+1 < len(pairs); i += 2 {
		if o := checkName(pairs[i], pairs[i+1]); stopped(o) {
			return o
		}
	}
	return proceed
}

// tokenFor returns token's metadata as t sees it: committed, or created by
// t. A token another unfinished transaction creates blocks until it
// finishes; a missing token is a read of its absence, so it takes an
// absence lock (Create by others then waits) and fails not-found.
func (e *Engine) tokenFor(t *transaction, token string) (Metadata, engines.Outcome) {
	if m, ok := e.metadata[token]; ok {
		return m, proceed
	}
	if m, ok := t.created[token]; ok {
		return m, proceed
	}
	if state := e.tokens[token]; state != nil && !state.creator.IsZero() {
		return Metadata{}, engines.Blocked(engines.WaitForFinished, state.creator)
	}
	e.lockAbsence(t, token)
	return Metadata{}, refuse(engines.CodeNotFound, "resource: token %q not found", token)
}

// parseOperationAmount parses a positive amount of token.
func parseOperationAmount(token string, m Metadata, text string) (Amount, engines.Outcome) {
	amount, err := ParseAmount(text, m.Decimals)
	if err != nil {
		return Amount{}, refuse(engines.CodeInvalid, "resource: token %q (%d decimals): %v", token, m.Decimals, err)
	}
	if amount.IsZero() {
		return Amount{}, refuse(engines.CodeInvalid, "resource: token %q: amount %q is zero, want a positive amount", token, text)
	}
	return amount, proceed
}

// prologue checks names, finds the token and parses the amount.
func (e *Engine) prologue(t *transaction, token, amountText string, names ...string) (Metadata, Amount, engines.Outcome) {
	if o := checkNames(append([]string{"token", token}, names...)...); stopped(o) {
		return Metadata{}, Amount{}, o
	}
	m, o := e.tokenFor(t, token)
	if stopped(o) {
		return Metadata{}, Amount{}, o
	}
	amount, o := parseOperationAmount(token, m, amountText)
	return m, amount, o
}

func overflow(token string) engines.Outcome {
	return refuse(engines.CodeInvalid, "resource: token %q: %v", token, ErrOverflow)
}

func (e *Engine) create(t *transaction, op operation) engines.Outcome {
	if o := checkName("token", op.token); stopped(o) {
		return o
	}
	if op.symbol == "" || len(op.symbol) > SymbolLenMax {
		return refuse(engines.CodeInvalid, "resource: create %q: symbol of %d bytes, want 1..%d", op.token, len(op.symbol), SymbolLenMax)
	}
	_, committed := e.metadata[op.token]
	_, own := t.created[op.token]
	if committed || own {
		return refuse(engines.CodeExists, "resource: token %q exists", op.token)
	}
	if state := e.tokens[op.token]; state != nil {
		if blockers := others(t.id, creatorList(state), state.absenceLockers); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	t.createToken(op.token, Metadata{Symbol: op.symbol, Decimals: op.decimals})
	e.token(op.token).creator = t.id
	return engines.Done(encodeNullResult())
}

func creatorList(state *tokenState) []engines.TxnID {
	if state.creator.IsZero() {
		return nil
	}
	return []engines.TxnID{state.creator}
}

func (e *Engine) mint(t *transaction, op operation) engines.Outcome {
	_, amount, o := e.prologue(t, op.token, op.amount, "account", op.to)
	if stopped(o) {
		return o
	}
	key := accountKey{op.token, op.to}
	if blockers := e.writeBlockers(t, op.token, true, key); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	if o := e.checkSupplyCeiling(t, op.token, amount.Units()); stopped(o) {
		return o
	}
	balanceDelta, balanceOK := addUnits(t.balanceDeltas[key], amount.Units())
	supplyDelta, supplyOK := addUnits(t.supplyDeltas[op.token], amount.Units())
	if !balanceOK || !supplyOK {
		return overflow(op.token)
	}
	e.setBalanceDelta(t, key, balanceDelta)
	e.setSupplyDelta(t, op.token, supplyDelta)
	return engines.Done(encodeNullResult())
}

func (e *Engine) burn(t *transaction, op operation) engines.Outcome {
	m, amount, o := e.prologue(t, op.token, op.amount, "account", op.from)
	if stopped(o) {
		return o
	}
	key := accountKey{op.token, op.from}
	if blockers := e.writeBlockers(t, op.token, true, key); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	balanceDelta, o := e.reserve(t, key, m, amount)
	if stopped(o) {
		return o
	}
	supplyDelta, ok := subtractUnits(t.supplyDeltas[op.token], amount.Units())
	if !ok {
		return overflow(op.token)
	}
	e.setBalanceDelta(t, key, balanceDelta)
	e.setSupplyDelta(t, op.token, supplyDelta)
	return engines.Done(encodeNullResult())
}

func (e *Engine) transfer(t *transaction, op operation) engines.Outcome {
	m, amount, o := e.prologue(t, op.token, op.amount, "account", op.from, "account", op.to)
	if stopped(o) {
		return o
	}
	from, to := accountKey{op.token, op.from}, accountKey{op.token, op.to}
	if blockers := e.writeBlockers(t, op.token, false, from, to); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	fromDelta, o := e.reserve(t, from, m, amount)
	if stopped(o) {
		return o
	}
	toDelta := t.balanceDeltas[to]
	if to == from {
		toDelta = fromDelta
	}
	toDelta, ok := addUnits(toDelta, amount.Units())
	if !ok {
		return overflow(op.token)
	}
	e.setBalanceDelta(t, from, fromDelta)
	e.setBalanceDelta(t, to, toDelta)
	return engines.Done(encodeNullResult())
}

// writeBlockers lists the other transactions whose shared locks forbid t to
// change the accounts (and the supply, when changesSupply).
func (e *Engine) writeBlockers(t *transaction, token string, changesSupply bool, keys ...accountKey) []engines.TxnID {
	var blockers []engines.TxnID
	for _, key := range keys {
		if state := e.accounts[key]; state != nil {
			blockers = append(blockers, others(t.id, state.lockers)...)
		}
	}
	if state := e.tokens[token]; changesSupply && state != nil {
		blockers = append(blockers, others(t.id, state.lockers)...)
	}
	return blockers
}

// reserve decides a debit of amount from key by t under escrow and returns
// t's new net delta on key. The debit fits iff the committed balance covers
// every reservation, t's grown one included (t's own credits offset its
// debits). When it does not fit and other transactions hold pending deltas
// on the account, their outcome may change the answer: Blocked on them.
// Otherwise the answer is a read of the balance: t takes a shared balance
// lock and the debit fails insufficient.
func (e *Engine) reserve(t *transaction, key accountKey, m Metadata, amount Amount) (int64, engines.Outcome) {
	own := t.balanceDeltas[key]
	delta, ok := subtractUnits(own, amount.Units())
	if !ok {
		return 0, overflow(key.token)
	}
	committed := e.committedBalance(key)
	reserved, ok := addUnits(e.reservedByOthers(key, t), max(0, -delta))
	if ok && reserved <= committed {
		return delta, proceed
	}
	if state := e.accounts[key]; state != nil {
		if blockers := others(t.id, state.holders); len(blockers) > 0 {
			return 0, engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockBalance(t, key)
	return 0, refuse(engines.CodeInsufficient, "resource: token %q account %q: balance %s, cannot debit %s",
		key.token, key.account, amountFromUnits(committed+own, m.Decimals), amount)
}

// checkSupplyCeiling makes sure no combination of pending mints can push
// the supply (hence any balance) beyond int64: the committed supply plus
// t's net supply delta plus every other pending net mint plus units must
// fit. If it cannot only because of others' pending mints, Blocked on
// them; otherwise the answer reads the supply: t takes the supply lock and
// the mint fails with an overflow.
func (e *Engine) checkSupplyCeiling(t *transaction, token string, units int64) engines.Outcome {
	state := e.tokens[token]
	othersPositive := int64(0)
	if state != nil {
		othersPositive = state.positiveUnits - max(0, t.supplyDeltas[token])
	}
	if supplyFits(e.committedSupply(token), t.supplyDeltas[token], othersPositive, units) {
		return proceed
	}
	if state != nil {
		if blockers := others(t.id, state.holders); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockSupply(t, token)
	return overflow(token)
}

// supplyFits adds committed + ownDelta (which cannot overflow: a net burn
// is at most the committed supply) and then the non-negative terms.
func supplyFits(committed, ownDelta, othersPositive, units int64) bool {
	total, ok := addUnits(committed, ownDelta)
	for _, term := range []int64{othersPositive, units} {
		if ok {
			total, ok = addUnits(total, term)
		}
	}
	return ok
}

// balance answers committed + t's pending delta once no other transaction
// has a pending delta on the account, and takes a shared balance lock.
func (e *Engine) balance(t *transaction, op operation) engines.Outcome {
	if o := checkNames("token", op.token, "account", op.account); stopped(o) {
		return o
	}
	m, o := e.tokenFor(t, op.token)
	if stopped(o) {
		return o
	}
	key := accountKey{op.token, op.account}
	if state := e.accounts[key]; state != nil {
		if blockers := others(t.id, state.holders); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockBalance(t, key)
	units, ok := addUnits(e.committedBalance(key), t.balanceDeltas[key])
	assertInvariant(ok && units >= 0, "balance of %q/%q seen by txn %v is out of range", key.token, key.account, t.id)
	return engines.Done(encodeAmountResult(amountFromUnits(units, m.Decimals)))
}

// supply answers committed + t's pending delta once no other transaction
// has a pending supply delta on the token, and takes a shared supply lock.
func (e *Engine) supply(t *transaction, op operation) engines.Outcome {
	if o := checkName("token", op.token); stopped(o) {
		return o
	}
	m, o := e.tokenFor(t, op.token)
	if stopped(o) {
		return o
	}
	if state := e.tokens[op.token]; state != nil {
		if blockers := others(t.id, state.holders); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockSupply(t, op.token)
	units, ok := addUnits(e.committedSupply(op.token), t.supplyDeltas[op.token])
	assertInvariant(ok && units >= 0, "supply of %q seen by txn %v is out of range", op.token, t.id)
	return engines.Done(encodeAmountResult(amountFromUnits(units, m.Decimals)))
}

func (e *Engine) metadataOf(t *transaction, op operation) engines.Outcome {
	if o := checkName("token", op.token); stopped(o) {
		return o
	}
	m, o := e.tokenFor(t, op.token)
	if stopped(o) {
		return o
	}
	return engines.Done(encodeMetadataResult(m))
}
