package resource

import (
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/mvcc"
)

// The state of unfinished transactions, and the per-account and per-token
// records that index it. A transaction's entries live in small sorted
// slices rather than maps: a transaction touches few accounts, the slices
// release in order without sorting, and their capacity is reused (see
// mvcc.Steps.Reset).

// accountKey names one account of one token.
type accountKey struct {
	token   string
	account string
}

func compareAccountKeys(a, b accountKey) int {
	if a.token != b.token {
		return compareStrings(a.token, b.token)
	}
	return compareStrings(a.account, b.account)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// accountState is one account: its latest committed balance and what
// unfinished transactions hold on it. It is kept while the committed
// balance is positive or anything is held, and dropped otherwise (a
// missing account has balance zero).
type accountState struct {
	key accountKey
	// storeKey is balanceKey(key), built once.
	storeKey []byte
	// committedUnits is the balance of the newest committed version.
	// Invariant: equals the store's newest version (0 when absent), >= 0.
	committedUnits int64
	// holders are the transactions with a pending entry on the account,
	// sorted, no repeats.
	holders []engines.TxnID
	// lockers hold a shared balance lock, sorted, no repeats.
	lockers []engines.TxnID
	// reservedUnits is the escrow: the sum over holders of their peak
	// debits. Invariant: 0 <= reservedUnits <= committedUnits.
	reservedUnits int64
}

func (s *accountState) unused() bool {
	return len(s.holders) == 0 && len(s.lockers) == 0 && s.committedUnits == 0
}

// tokenState is what unfinished transactions hold on one token.
// Invariant: not every field is empty (empty states are deleted).
type tokenState struct {
	// creator is the unfinished transaction creating the token, or zero.
	creator engines.TxnID
	// holders have a pending supply entry (mint, burn), sorted.
	holders []engines.TxnID
	// peakMintsUnits is the sum over holders of their peak mints: an upper
	// bound on what pending transactions may add to the supply at any
	// point of their operations.
	peakMintsUnits int64
	// lockers hold a shared supply lock, sorted.
	lockers []engines.TxnID
	// absenceLockers read that the token does not exist, sorted.
	absenceLockers []engines.TxnID
}

func (s *tokenState) empty() bool {
	return s.creator.IsZero() && len(s.holders) == 0 && len(s.lockers) == 0 && len(s.absenceLockers) == 0
}

// balanceEntry is a transaction's pending change to one account.
type balanceEntry struct {
	account *accountState
	// netUnits is credits minus debits, applied at commit.
	netUnits int64
	// peakDebitUnits is the largest cumulative debit over any prefix of
	// the transaction's operations on the account: its escrow reservation,
	// never lowered by later credits.
	// Invariant: peakDebitUnits >= max(0, -netUnits).
	peakDebitUnits int64
}

// supplyEntry is a transaction's pending change to one token's supply.
type supplyEntry struct {
	token string
	// netUnits is mints minus burns, applied at commit.
	netUnits int64
	// peakMintUnits is the largest cumulative net mint over any prefix of
	// the transaction's operations on the token.
	// Invariant: peakMintUnits >= max(0, netUnits).
	peakMintUnits int64
}

// createdToken is a token a transaction creates.
type createdToken struct {
	token    string
	metadata Metadata
}

// transaction is one unfinished transaction's state here. Every slice is
// sorted by its key (account key, token) without repeats.
type transaction struct {
	mvcc.Lifecycle
	created      []createdToken
	balances     []balanceEntry
	supplies     []supplyEntry
	balanceLocks []*accountState
	supplyLocks  []string
	absenceLocks []string
}

// reset empties t for reuse, keeping the slices' capacity.
func (t *transaction) reset() {
	clear(t.created)
	clear(t.balances)
	clear(t.supplies)
	clear(t.balanceLocks)
	clear(t.supplyLocks)
	clear(t.absenceLocks)
	*t = transaction{created: t.created[:0], balances: t.balances[:0], supplies: t.supplies[:0],
		balanceLocks: t.balanceLocks[:0], supplyLocks: t.supplyLocks[:0], absenceLocks: t.absenceLocks[:0]}
}

func (t *transaction) writes() bool {
	return len(t.created) > 0 || len(t.balances) > 0 || len(t.supplies) > 0
}

func (t *transaction) createdIndex(token string) (int, bool) {
	return slices.BinarySearchFunc(t.created, token, func(c createdToken, token string) int { return compareStrings(c.token, token) })
}

// createdMetadata returns the metadata of a token t creates.
func (t *transaction) createdMetadata(token string) (Metadata, bool) {
	index, found := t.createdIndex(token)
	if !found {
		return Metadata{}, false
	}
	return t.created[index].metadata, true
}

func (t *transaction) balanceIndex(key accountKey) (int, bool) {
	return slices.BinarySearchFunc(t.balances, key, func(b balanceEntry, key accountKey) int {
		return compareAccountKeys(b.account.key, key)
	})
}

// balance returns t's entry on key, or a zero entry.
func (t *transaction) balance(key accountKey) balanceEntry {
	if index, found := t.balanceIndex(key); found {
		return t.balances[index]
	}
	return balanceEntry{}
}

func (t *transaction) supplyIndex(token string) (int, bool) {
	return slices.BinarySearchFunc(t.supplies, token, func(s supplyEntry, token string) int { return compareStrings(s.token, token) })
}

// supply returns t's entry on token, or a zero entry.
func (t *transaction) supply(token string) supplyEntry {
	if index, found := t.supplyIndex(token); found {
		return t.supplies[index]
	}
	return supplyEntry{}
}

func (t *transaction) hasBalanceLock(key accountKey) (int, bool) {
	return slices.BinarySearchFunc(t.balanceLocks, key, func(s *accountState, key accountKey) int { return compareAccountKeys(s.key, key) })
}

// account returns key's record, creating an empty one.
func (e *Engine) account(key accountKey) *accountState {
	state := e.accounts[key]
	if state == nil {
		state = &accountState{key: key}
		e.accounts[key] = state
	}
	return state
}

func (e *Engine) token(token string) *tokenState {
	state := e.tokens[token]
	if state == nil {
		state = &tokenState{}
		e.tokens[token] = state
	}
	return state
}

func (e *Engine) dropAccountIfUnused(state *accountState) {
	if state.unused() {
		if state.reservedUnits != 0 {
			panicInvariant("account %q/%q has no holders but %d reserved", state.key.token, state.key.account, state.reservedUnits)
		}
		delete(e.accounts, state.key)
	}
}

func (e *Engine) dropTokenIfEmpty(token string) {
	state := e.tokens[token]
	if state.empty() {
		if state.peakMintsUnits != 0 {
			panicInvariant("token %q has no holders but %d pending mints", token, state.peakMintsUnits)
		}
		delete(e.tokens, token)
	}
}

// setBalance sets t's entry on state, keeping the escrow sum and the
// holder list in step. The caller removes the holder when t finishes.
func (e *Engine) setBalance(t *transaction, state *accountState, netUnits, peakDebitUnits int64) {
	index, found := t.balanceIndex(state.key)
	old := balanceEntry{account: state}
	if found {
		old = t.balances[index]
	}
	if peakDebitUnits < 0 || peakDebitUnits < -netUnits {
		panicInvariant("peak debit %d on %q/%q below its net debit %d", peakDebitUnits, state.key.token, state.key.account, -netUnits)
	}
	state.reservedUnits += peakDebitUnits - old.peakDebitUnits
	if state.reservedUnits < 0 || state.reservedUnits > state.committedUnits {
		panicInvariant("reservations %d on %q/%q outside 0..%d", state.reservedUnits, state.key.token, state.key.account, state.committedUnits)
	}
	entry := balanceEntry{account: state, netUnits: netUnits, peakDebitUnits: peakDebitUnits}
	if found {
		t.balances[index] = entry
		return
	}
	t.balances = slices.Insert(t.balances, index, entry)
	state.holders = insertTxn(state.holders, t.ID())
}

// setSupply sets t's supply entry on token, keeping the pending mint bound
// and the holder list in step.
func (e *Engine) setSupply(t *transaction, token string, netUnits, peakMintUnits int64) {
	state := e.token(token)
	index, found := t.supplyIndex(token)
	old := supplyEntry{token: token}
	if found {
		old = t.supplies[index]
	}
	if peakMintUnits < 0 || peakMintUnits < netUnits {
		panicInvariant("peak mint %d of %q below its net mint %d", peakMintUnits, token, netUnits)
	}
	state.peakMintsUnits += peakMintUnits - old.peakMintUnits
	if state.peakMintsUnits < 0 {
		panicInvariant("pending mints of %q below zero", token)
	}
	entry := supplyEntry{token: token, netUnits: netUnits, peakMintUnits: peakMintUnits}
	if found {
		t.supplies[index] = entry
		return
	}
	t.supplies = slices.Insert(t.supplies, index, entry)
	state.holders = insertTxn(state.holders, t.ID())
}

func (e *Engine) lockBalance(t *transaction, key accountKey) {
	index, found := t.hasBalanceLock(key)
	if found {
		return
	}
	state := e.account(key)
	t.balanceLocks = slices.Insert(t.balanceLocks, index, state)
	state.lockers = insertTxn(state.lockers, t.ID())
}

func (e *Engine) lockSupply(t *transaction, token string) {
	if insertToken(&t.supplyLocks, token) {
		state := e.token(token)
		state.lockers = insertTxn(state.lockers, t.ID())
	}
}

func (e *Engine) lockAbsence(t *transaction, token string) {
	if insertToken(&t.absenceLocks, token) {
		state := e.token(token)
		state.absenceLockers = insertTxn(state.absenceLockers, t.ID())
	}
}

// insertToken adds token to the sorted locks, and says whether it was not
// there before.
func insertToken(locks *[]string, token string) bool {
	index, found := slices.BinarySearch(*locks, token)
	if !found {
		*locks = slices.Insert(*locks, index, token)
	}
	return !found
}

// createToken records that t creates token.
func (e *Engine) createToken(t *transaction, token string, m Metadata) {
	index, found := t.createdIndex(token)
	if found {
		panicInvariant("txn %v creates token %q twice", t.ID(), token)
	}
	t.created = slices.Insert(t.created, index, createdToken{token: token, metadata: m})
	e.token(token).creator = t.ID()
}

// release drops everything a finishing transaction holds.
func (e *Engine) release(t *transaction) {
	for _, entry := range t.balances {
		state := entry.account
		state.reservedUnits -= entry.peakDebitUnits
		state.holders = removeTxn(state.holders, t.ID())
		e.dropAccountIfUnused(state)
	}
	for _, entry := range t.supplies {
		state := e.tokens[entry.token]
		state.peakMintsUnits -= entry.peakMintUnits
		state.holders = removeTxn(state.holders, t.ID())
		e.dropTokenIfEmpty(entry.token)
	}
	for _, state := range t.balanceLocks {
		state.lockers = removeTxn(state.lockers, t.ID())
		e.dropAccountIfUnused(state)
	}
	for _, created := range t.created {
		e.tokens[created.token].creator = engines.TxnID{}
		e.dropTokenIfEmpty(created.token)
	}
	for _, token := range t.supplyLocks {
		state := e.tokens[token]
		state.lockers = removeTxn(state.lockers, t.ID())
		e.dropTokenIfEmpty(token)
	}
	for _, token := range t.absenceLocks {
		state := e.tokens[token]
		state.absenceLockers = removeTxn(state.absenceLockers, t.ID())
		e.dropTokenIfEmpty(token)
	}
}

// reservedByOthers is the escrow on key held by transactions other than t.
func (e *Engine) reservedByOthers(key accountKey, t *transaction) int64 {
	state := e.accounts[key]
	if state == nil {
		return 0
	}
	return state.reservedUnits - t.balance(key).peakDebitUnits
}

// committedBalance is key's latest committed balance.
func (e *Engine) committedBalance(key accountKey) int64 {
	if state := e.accounts[key]; state != nil {
		return state.committedUnits
	}
	return 0
}

// panicInvariant reports a broken invariant. Callers test the condition
// first, so that the arguments are boxed only on the failing path.
func panicInvariant(format string, args ...any) {
	assert.Broken("resource: "+format, args...)
}

// insertTxn adds txn to the sorted list, keeping it sorted without repeats.
func insertTxn(list []engines.TxnID, txn engines.TxnID) []engines.TxnID {
	index, found := slices.BinarySearchFunc(list, txn, engines.TxnID.Compare)
	if found {
		return list
	}
	return slices.Insert(list, index, txn)
}

func removeTxn(list []engines.TxnID, txn engines.TxnID) []engines.TxnID {
	index, found := slices.BinarySearchFunc(list, txn, engines.TxnID.Compare)
	if !found {
		return list
	}
	return slices.Delete(list, index, index+1)
}

// others returns the transactions of lists other than self.
func others(self engines.TxnID, lists ...[]engines.TxnID) []engines.TxnID {
	var found []engines.TxnID
	for _, list := range lists {
		for _, txn := range list {
			if txn != self {
				found = append(found, txn)
			}
		}
	}
	return found
}
