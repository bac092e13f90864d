package resource

import (
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/bugs"
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

// checkNames checks two names.
func checkNames(firstWhat, first, secondWhat, second string) engines.Outcome {
	if o := checkName(firstWhat, first); stopped(o) {
		return o
	}
	return checkName(secondWhat, second)
}

// decodeOperationInterned decodes an operation, taking token and account
// names from the accounts already known where it can, so that the common
// operations allocate no names. Bad input is refused as by
// decodeOperation.
func (e *Engine) decodeOperationInterned(data []byte) (operation, error) {
	view, ok := scanOperation(data)
	if !ok {
		return decodeOperation(data)
	}
	op := operation{kind: view.kind}
	arguments := view.arguments
	switch view.kind {
	case operationMint:
		op.token, op.to = e.accountNames(arguments[0], arguments[1])
		op.amount = string(arguments[2])
	case operationBurn:
		op.token, op.from = e.accountNames(arguments[0], arguments[1])
		op.amount = string(arguments[2])
	case operationTransfer:
		op.token, op.from = e.accountNames(arguments[0], arguments[1])
		_, op.to = e.accountNames(arguments[0], arguments[2])
		op.amount = string(arguments[3])
	case operationBalance:
		op.token, op.account = e.accountNames(arguments[0], arguments[1])
	default:
		op.token = string(arguments[0])
	}
	return op, nil
}

// accountNames returns the token and account names as strings, shared
// with the account's record when there is one.
func (e *Engine) accountNames(token, account []byte) (string, string) {
	if state := e.accounts[accountKey{string(token), string(account)}]; state != nil {
		return state.key.token, state.key.account
	}
	return string(token), string(account)
}

// tokenFor returns token's metadata as t sees it: committed, or created by
// t. A token another unfinished transaction creates blocks until it
// finishes; a missing token is a read of its absence, so it takes an
// absence lock (Create by others then waits) and fails not-found.
func (e *Engine) tokenFor(t *transaction, token string) (Metadata, engines.Outcome) {
	if m, ok := e.metadata[token]; ok {
		return m, proceed
	}
	if m, ok := t.createdMetadata(token); ok {
		return m, proceed
	}
	if state := e.tokens[token]; state != nil && !state.creator.IsZero() {
		return Metadata{}, engines.Blocked(engines.WaitForFinished, state.creator)
	}
	e.lockAbsence(t, token)
	return Metadata{}, refuse(engines.CodeNotFound, "resource: token %q not found", token)
}

// namedToken is tokenFor after checking the token's name.
func (e *Engine) namedToken(t *transaction, token string) (Metadata, engines.Outcome) {
	if o := checkName("token", token); stopped(o) {
		return Metadata{}, o
	}
	return e.tokenFor(t, token)
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

// prologue checks the token and account names, finds the token and parses
// the amount. to is empty unless the operation is a transfer.
func (e *Engine) prologue(t *transaction, token, account, to, amountText string) (Metadata, Amount, engines.Outcome) {
	o := checkNames("token", token, "account", account)
	if !stopped(o) && to != "" {
		o = checkName("account", to)
	}
	if stopped(o) {
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
	_, own := t.createdMetadata(op.token)
	if committed || own {
		return refuse(engines.CodeExists, "resource: token %q exists", op.token)
	}
	if state := e.tokens[op.token]; state != nil {
		if blockers := others(t.ID(), creatorList(state), state.absenceLockers); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.createToken(t, op.token, Metadata{Symbol: op.symbol, Decimals: op.decimals})
	return engines.Done(encodeNullResult())
}

func creatorList(state *tokenState) []engines.TxnID {
	if state.creator.IsZero() {
		return nil
	}
	return []engines.TxnID{state.creator}
}

// supplyPrologue is the prologue of a mint to or a burn from account,
// then the wait for the transactions whose shared locks forbid t to
// change the account's balance and the token's supply.
func (e *Engine) supplyPrologue(t *transaction, op operation, account string) (Metadata, Amount, accountKey, engines.Outcome) {
	m, amount, o := e.prologue(t, op.token, account, "", op.amount)
	if stopped(o) {
		return Metadata{}, Amount{}, accountKey{}, o
	}
	key := accountKey{op.token, account}
	if blockers := e.writeBlockers(t, op.token, true, key, key); len(blockers) > 0 {
		return Metadata{}, Amount{}, accountKey{}, engines.Blocked(engines.WaitForFinished, blockers...)
	}
	return m, amount, key, engines.Outcome{}
}

func (e *Engine) mint(t *transaction, op operation) engines.Outcome {
	_, amount, key, o := e.supplyPrologue(t, op, op.to)
	if stopped(o) {
		return o
	}
	supply, o := e.checkSupplyCeiling(t, op.token, amount.Units())
	if stopped(o) {
		return o
	}
	account := e.account(key)
	balance := t.balance(key)
	net, ok := addUnits(balance.netUnits, amount.Units())
	if !ok {
		return overflow(op.token)
	}
	e.setBalance(t, account, net, balance.peakDebitUnits)
	e.setSupply(t, op.token, supply.netUnits, supply.peakMintUnits)
	return engines.Done(encodeNullResult())
}

func (e *Engine) burn(t *transaction, op operation) engines.Outcome {
	m, amount, key, o := e.supplyPrologue(t, op, op.from)
	if stopped(o) {
		return o
	}
	debit, o := e.reserve(t, key, m, amount)
	if stopped(o) {
		return o
	}
	supply := t.supply(op.token)
	supplyNet, ok := subtractUnits(supply.netUnits, amount.Units())
	if !ok {
		return overflow(op.token)
	}
	e.setBalance(t, e.account(key), debit.netUnits, debit.peakDebitUnits)
	e.setSupply(t, op.token, supplyNet, supply.peakMintUnits)
	return engines.Done(encodeNullResult())
}

func (e *Engine) transfer(t *transaction, op operation) engines.Outcome {
	m, amount, o := e.prologue(t, op.token, op.from, op.to, op.amount)
	if stopped(o) {
		return o
	}
	from, to := accountKey{op.token, op.from}, accountKey{op.token, op.to}
	if blockers := e.writeBlockers(t, op.token, false, from, to); len(blockers) > 0 {
		return engines.Blocked(engines.WaitForFinished, blockers...)
	}
	debit, o := e.reserve(t, from, m, amount)
	if stopped(o) {
		return o
	}
	credit := t.balance(to)
	if to == from {
		credit = debit
	}
	creditNet, ok := addUnits(credit.netUnits, amount.Units())
	if !ok {
		return overflow(op.token)
	}
	e.setBalance(t, e.account(from), debit.netUnits, debit.peakDebitUnits)
	e.setBalance(t, e.account(to), creditNet, credit.peakDebitUnits)
	return engines.Done(encodeNullResult())
}

// writeBlockers lists the other transactions whose shared locks forbid t to
// change the accounts first and second (and the supply, when
// changesSupply).
func (e *Engine) writeBlockers(t *transaction, token string, changesSupply bool, first, second accountKey) []engines.TxnID {
	var blockers []engines.TxnID
	if state := e.accounts[first]; state != nil {
		blockers = append(blockers, others(t.ID(), state.lockers)...)
	}
	if state := e.accounts[second]; second != first && state != nil {
		blockers = append(blockers, others(t.ID(), state.lockers)...)
	}
	if state := e.tokens[token]; changesSupply && state != nil {
		blockers = append(blockers, others(t.ID(), state.lockers)...)
	}
	return blockers
}

// reserve decides a debit of amount from key by t under escrow and returns
// t's entry on key after the debit: the net change lowered by amount and
// the peak debit raised to the new net debit if that is larger. The peak
// is t's reservation: t's later credits never lower it, because t's
// earlier debits were answered against it. The debit fits iff the
// committed balance covers every other transaction's reservation plus t's
// new peak; then every order in which the holders commit leaves each of
// t's debits covered. When it does not fit and other transactions hold
// pending entries on the account, their outcome may change the answer:
// Blocked on them. Otherwise the answer is a read of the balance: t takes
// a shared balance lock and the debit fails insufficient.
func (e *Engine) reserve(t *transaction, key accountKey, m Metadata, amount Amount) (balanceEntry, engines.Outcome) {
	own := t.balance(key)
	net, ok := subtractUnits(own.netUnits, amount.Units())
	if !ok {
		return balanceEntry{}, overflow(key.token)
	}
	peak := max(own.peakDebitUnits, -net)
	committed := e.committedBalance(key)
	reserved, ok := addUnits(e.reservedByOthers(key, t), peak)
	if bugs.Enabled(bugs.EscrowIgnoresReservations) {
		reserved, ok = peak, true // planted bug: ignores the other transactions' reservations
	}
	if ok && reserved <= committed {
		return balanceEntry{netUnits: net, peakDebitUnits: peak}, proceed
	}
	if state := e.accounts[key]; state != nil {
		if blockers := others(t.ID(), state.holders); len(blockers) > 0 {
			return balanceEntry{}, engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockBalance(t, key)
	return balanceEntry{}, refuse(engines.CodeInsufficient, "resource: token %q account %q: balance %s, cannot debit %s",
		key.token, key.account, amountFromUnits(committed+own.netUnits, m.Decimals), amount)
}

// checkSupplyCeiling makes sure no order of the pending transactions'
// operations can push the supply (hence any balance) beyond int64: the
// committed supply plus every other transaction's peak mint plus t's new
// peak mint (its net mint after this one, if larger than its peak) must
// fit. It returns t's supply entry after the mint. If the mint does not
// fit only because of others' pending mints, Blocked on them; otherwise
// the answer reads the supply: t takes the supply lock and the mint fails
// with an overflow.
func (e *Engine) checkSupplyCeiling(t *transaction, token string, units int64) (supplyEntry, engines.Outcome) {
	own := t.supply(token)
	net, netOK := addUnits(own.netUnits, units)
	peak := max(own.peakMintUnits, net)
	state := e.tokens[token]
	othersPeaks := int64(0)
	if state != nil {
		othersPeaks = state.peakMintsUnits - own.peakMintUnits
	}
	if netOK && supplyFits(e.committedSupply(token), othersPeaks, peak) {
		return supplyEntry{token: token, netUnits: net, peakMintUnits: peak}, proceed
	}
	if state != nil {
		if blockers := others(t.ID(), state.holders); len(blockers) > 0 {
			return supplyEntry{}, engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockSupply(t, token)
	return supplyEntry{}, overflow(token)
}

// supplyFits reports whether the non-negative committed + othersPeaks +
// peak fits int64.
func supplyFits(committed, othersPeaks, peak int64) bool {
	total, ok := addUnits(committed, othersPeaks)
	if ok {
		_, ok = addUnits(total, peak)
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
		if blockers := others(t.ID(), state.holders); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockBalance(t, key)
	units, ok := addUnits(e.committedBalance(key), t.balance(key).netUnits)
	if !ok || units < 0 {
		panicInvariant("balance of %q/%q seen by txn %v is out of range", key.token, key.account, t.ID())
	}
	return engines.Done(encodeAmountResult(amountFromUnits(units, m.Decimals)))
}

// supply answers committed + t's pending delta once no other transaction
// has a pending supply delta on the token, and takes a shared supply lock.
func (e *Engine) supply(t *transaction, op operation) engines.Outcome {
	m, o := e.namedToken(t, op.token)
	if stopped(o) {
		return o
	}
	if state := e.tokens[op.token]; state != nil {
		if blockers := others(t.ID(), state.holders); len(blockers) > 0 {
			return engines.Blocked(engines.WaitForFinished, blockers...)
		}
	}
	e.lockSupply(t, op.token)
	units, ok := addUnits(e.committedSupply(op.token), t.supply(op.token).netUnits)
	if !ok || units < 0 {
		panicInvariant("supply of %q seen by txn %v is out of range", op.token, t.ID())
	}
	return engines.Done(encodeAmountResult(amountFromUnits(units, m.Decimals)))
}

func (e *Engine) metadataOf(t *transaction, op operation) engines.Outcome {
	m, o := e.namedToken(t, op.token)
	if stopped(o) {
		return o
	}
	return engines.Done(encodeMetadataResult(m))
}
