package resource

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/mvcc"
)

// Limits on names, so that one operation cannot grow state without bound.
const (
	// NameLenMax is the longest token or account name, in bytes.
	NameLenMax = 256
	// SymbolLenMax is the longest token symbol, in bytes.
	SymbolLenMax = 32
)

// Errors returned by Prepare and Commit (Apply and Read return Refusals).
var (
	// ErrUnknownTransaction reports Prepare or Commit of a transaction that
	// applied nothing here, or that already finished.
	ErrUnknownTransaction = errors.New("resource: unknown transaction")
	// ErrBadTimestamp reports a prepare or commit timestamp that breaks the
	// 2PC rules: zero, reserved, below the prepare timestamp, not above the
	// last commit, or a second prepare at another timestamp.
	ErrBadTimestamp = errors.New("resource: bad timestamp")
	// ErrCorruptCheckpoint reports bytes Restore rejects.
	ErrCorruptCheckpoint = errors.New("resource: corrupt checkpoint")
)

// Metadata describes a token: fixed when it is created.
type Metadata struct {
	Symbol   string
	Decimals int
}

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

// accountState is what unfinished transactions hold on one account.
// Invariant: not every field is empty (empty states are deleted).
type accountState struct {
	// holders are the transactions with a pending delta on the account,
	// sorted, no repeats.
	holders []engines.TxnID
	// lockers hold a shared balance lock, sorted, no repeats.
	lockers []engines.TxnID
	// reservedUnits is the escrow: the sum over holders of max(0, -delta).
	// Invariant: 0 <= reservedUnits <= the committed balance.
	reservedUnits int64
}

// tokenState is what unfinished transactions hold on one token.
// Invariant: not every field is empty (empty states are deleted).
type tokenState struct {
	// creator is the unfinished transaction creating the token, or zero.
	creator engines.TxnID
	// holders have a pending supply delta (mint, burn), sorted.
	holders []engines.TxnID
	// positiveUnits is the sum over holders of max(0, supply delta): an upper
	// bound on what pending mints may add to the supply.
	positiveUnits int64
	// lockers hold a shared supply lock, sorted.
	lockers []engines.TxnID
	// absenceLockers read that the token does not exist, sorted.
	absenceLockers []engines.TxnID
}

func (s *tokenState) empty() bool {
	return s.creator.IsZero() && len(s.holders) == 0 && len(s.lockers) == 0 && len(s.absenceLockers) == 0
}

// transaction is one unfinished transaction's state here.
type transaction struct {
	id               engines.TxnID
	prepared         bool
	prepareTimestamp clock.Timestamp
	created          map[string]Metadata // tokens it creates
	// balanceDeltas are the net changes it makes to accounts (credits minus
	// debits), applied to the latest committed balances at commit.
	balanceDeltas map[accountKey]int64
	// supplyDeltas are the net changes it makes to supplies.
	supplyDeltas map[string]int64
	balanceLocks map[accountKey]struct{}
	supplyLocks  map[string]struct{}
	absenceLocks map[string]struct{}
}

// newTransaction returns an empty transaction; its maps are allocated on
// first write (reads of nil maps are fine).
func newTransaction(id engines.TxnID) *transaction { return &transaction{id: id} }

// sortedKeys returns m's keys sorted, without allocating for an empty map.
func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}

// sortedAccountKeys returns m's keys sorted, without allocating for an
// empty map.
func sortedAccountKeys[V any](m map[accountKey]V) []accountKey {
	if len(m) == 0 {
		return nil
	}
	return slices.SortedFunc(maps.Keys(m), compareAccountKeys)
}

// createToken records that t creates token.
func (t *transaction) createToken(token string, m Metadata) {
	if t.created == nil {
		t.created = map[string]Metadata{}
	}
	t.created[token] = m
}

func (t *transaction) writes() bool {
	return len(t.created) > 0 || len(t.balanceDeltas) > 0 || len(t.supplyDeltas) > 0
}

// Engine is the Resource engine of one stream: fungible tokens with escrow
// reservations. See the package documentation for its contract.
type Engine struct {
	// store holds committed state as versions: metadata, supplies, balances.
	// It never holds intents between calls.
	store *mvcc.Store
	// lastCommitTimestamp is the largest commit timestamp applied.
	// Invariant: no version in store is above it.
	lastCommitTimestamp clock.Timestamp
	// metadata caches the committed tokens (immutable once committed).
	metadata     map[string]Metadata
	transactions map[engines.TxnID]*transaction
	accounts     map[accountKey]*accountState
	tokens       map[string]*tokenState
}

var _ engines.Engine = (*Engine)(nil)

// NewEngine returns an empty engine.
func NewEngine() *Engine {
	return &Engine{
		store:        mvcc.New(mvcc.Options{}),
		metadata:     map[string]Metadata{},
		transactions: map[engines.TxnID]*transaction{},
		accounts:     map[accountKey]*accountState{},
		tokens:       map[string]*tokenState{},
	}
}

// Apply runs one operation of txn. See engines.Engine.
func (e *Engine) Apply(txn engines.TxnID, operationBytes []byte, at clock.Timestamp) engines.Outcome {
	if txn.IsZero() {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "resource: zero transaction id"))
	}
	op, err := decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	t := e.transactions[txn]
	if t == nil {
		t = newTransaction(txn)
		e.transactions[txn] = t
	}
	if t.prepared {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "resource: txn %v is prepared: no more operations", txn))
	}
	switch op.kind {
	case operationCreate:
		return e.create(t, op)
	case operationMint:
		return e.mint(t, op)
	case operationBurn:
		return e.burn(t, op)
	case operationTransfer:
		return e.transfer(t, op)
	case operationBalance:
		return e.balance(t, op)
	case operationSupply:
		return e.supply(t, op)
	case operationMetadata:
		return e.metadataOf(t, op)
	}
	panic(fmt.Sprintf("resource: invariant broken: decoded unknown operation kind %d", op.kind))
}

// Prepare fixes txn's effects; it keeps every lock and reservation.
func (e *Engine) Prepare(txn engines.TxnID, prepareTimestamp clock.Timestamp) error {
	t := e.transactions[txn]
	if t == nil {
		return fmt.Errorf("%w: prepare of txn %v", ErrUnknownTransaction, txn)
	}
	if !validWriteTimestamp(prepareTimestamp) {
		return fmt.Errorf("%w: prepare timestamp %v for txn %v", ErrBadTimestamp, prepareTimestamp, txn)
	}
	if t.prepared {
		if t.prepareTimestamp == prepareTimestamp {
			return nil
		}
		return fmt.Errorf("%w: txn %v already prepared at %v, not %v", ErrBadTimestamp, txn, t.prepareTimestamp, prepareTimestamp)
	}
	if !e.lastCommitTimestamp.Less(prepareTimestamp) {
		return fmt.Errorf("%w: txn %v prepare %v not above last commit %v", ErrBadTimestamp, txn, prepareTimestamp, e.lastCommitTimestamp)
	}
	t.prepared = true
	t.prepareTimestamp = prepareTimestamp
	return nil
}

// Commit applies txn's deltas to the latest committed balances and
// supplies, writes them as versions at commitTimestamp, and releases txn.
func (e *Engine) Commit(txn engines.TxnID, commitTimestamp clock.Timestamp) error {
	t := e.transactions[txn]
	if t == nil {
		return fmt.Errorf("%w: commit of txn %v", ErrUnknownTransaction, txn)
	}
	if err := e.validateCommit(t, commitTimestamp); err != nil {
		return err
	}
	if t.writes() {
		if err := e.writeCommitted(t, commitTimestamp); err != nil {
			return err
		}
	}
	e.lastCommitTimestamp = e.lastCommitTimestamp.Max(commitTimestamp)
	e.release(t)
	return nil
}

func (e *Engine) validateCommit(t *transaction, commitTimestamp clock.Timestamp) error {
	if !validWriteTimestamp(commitTimestamp) {
		return fmt.Errorf("%w: commit timestamp %v for txn %v", ErrBadTimestamp, commitTimestamp, t.id)
	}
	if t.prepared && commitTimestamp.Less(t.prepareTimestamp) {
		return fmt.Errorf("%w: txn %v commit %v below prepare %v", ErrBadTimestamp, t.id, commitTimestamp, t.prepareTimestamp)
	}
	if t.writes() && !e.lastCommitTimestamp.Less(commitTimestamp) {
		return fmt.Errorf("%w: txn %v commit %v not above last commit %v", ErrBadTimestamp, t.id, commitTimestamp, e.lastCommitTimestamp)
	}
	return nil
}

// writeCommitted turns txn's creations and deltas into versions. mvcc can
// still refuse (a restored checkpoint whose last commit timestamp is below
// its newest version): then nothing changes and the error is returned.
// Requires: validateCommit passed.
func (e *Engine) writeCommitted(t *transaction, commitTimestamp clock.Timestamp) error {
	for _, token := range sortedKeys(t.created) {
		e.put(t.id, metadataKey(token), encodeMetadataVersion(t.created[token]))
	}
	// Keys sort by token first, so each token's balance deltas are a run.
	runToken, runSum := "", int64(0)
	for i, key := range sortedAccountKeys(t.balanceDeltas) {
		if i > 0 && key.token != runToken {
			e.assertConservation(t, runToken, runSum)
			runSum = 0
		}
		runToken = key.token
		delta := t.balanceDeltas[key]
		balance, ok := addUnits(e.committedBalance(key), delta)
		assertInvariant(ok, "balance of %q/%q overflows at commit of txn %v", key.token, key.account, t.id)
		assertInvariant(balance >= 0, "balance of %q/%q is %d < 0 at commit of txn %v", key.token, key.account, balance, t.id)
		reserved := e.reservedByOthers(key, t)
		assertInvariant(reserved <= balance, "reservations %d on %q/%q exceed balance %d after commit of txn %v",
			reserved, key.token, key.account, balance, t.id)
		e.put(t.id, balanceKey(key), encodeUnits(balance))
		runSum, ok = addUnits(runSum, delta)
		assertInvariant(ok, "sum of balance deltas of %q overflows in txn %v", key.token, t.id)
	}
	if len(t.balanceDeltas) > 0 {
		e.assertConservation(t, runToken, runSum)
	}
	for _, token := range sortedKeys(t.supplyDeltas) {
		delta := t.supplyDeltas[token]
		supply, ok := addUnits(e.committedSupply(token), delta)
		assertInvariant(ok, "supply of %q overflows at commit of txn %v", token, t.id)
		assertInvariant(supply >= 0, "supply of %q is %d < 0 at commit of txn %v", token, supply, t.id)
		e.put(t.id, supplyKey(token), encodeUnits(supply))
	}
	if err := e.store.Commit(t.id, commitTimestamp); err != nil {
		if abortErr := e.store.Abort(t.id); abortErr != nil {
			panic(fmt.Sprintf("resource: invariant broken: mvcc cannot abort its intents: %v", abortErr))
		}
		return fmt.Errorf("%w: txn %v: %v", ErrBadTimestamp, t.id, err)
	}
	for _, token := range sortedKeys(t.created) {
		e.metadata[token] = t.created[token]
	}
	return nil
}

// assertConservation checks that t changes token's supply by exactly the
// sum of its balance changes, so that supply = sum of balances survives the
// commit. (Tokens whose supply t changes appear among its balance deltas:
// every mint and burn also changes a balance.)
func (e *Engine) assertConservation(t *transaction, token string, balanceSum int64) {
	assertInvariant(balanceSum == t.supplyDeltas[token],
		"supply delta %d of %q differs from the sum %d of its balance deltas in txn %v",
		t.supplyDeltas[token], token, balanceSum, t.id)
}

func (e *Engine) put(txn engines.TxnID, key, value []byte) {
	if err := e.store.Put(txn, key, value); err != nil {
		panic(fmt.Sprintf("resource: invariant broken: mvcc refused a put of key %q: %v", key, err))
	}
}

// Abort discards txn's effects and releases everything it holds.
// Aborting an unknown or finished transaction does nothing.
func (e *Engine) Abort(txn engines.TxnID) {
	if t := e.transactions[txn]; t != nil {
		e.release(t)
	}
}

// release drops everything t holds and forgets t.
func (e *Engine) release(t *transaction) {
	for _, key := range sortedAccountKeys(t.balanceDeltas) {
		e.setBalanceDelta(t, key, 0)
		delete(t.balanceDeltas, key)
		state := e.accounts[key]
		state.holders = removeTxn(state.holders, t.id)
		e.dropAccountIfEmpty(key)
	}
	for _, token := range sortedKeys(t.supplyDeltas) {
		e.setSupplyDelta(t, token, 0)
		delete(t.supplyDeltas, token)
		state := e.tokens[token]
		state.holders = removeTxn(state.holders, t.id)
		e.dropTokenIfEmpty(token)
	}
	for _, key := range sortedAccountKeys(t.balanceLocks) {
		state := e.accounts[key]
		state.lockers = removeTxn(state.lockers, t.id)
		e.dropAccountIfEmpty(key)
	}
	for _, token := range sortedKeys(t.created) {
		e.tokens[token].creator = engines.TxnID{}
		e.dropTokenIfEmpty(token)
	}
	for _, token := range sortedKeys(t.supplyLocks) {
		state := e.tokens[token]
		state.lockers = removeTxn(state.lockers, t.id)
		e.dropTokenIfEmpty(token)
	}
	for _, token := range sortedKeys(t.absenceLocks) {
		state := e.tokens[token]
		state.absenceLockers = removeTxn(state.absenceLockers, t.id)
		e.dropTokenIfEmpty(token)
	}
	delete(e.transactions, t.id)
}

// Held counts transactions, locks and reservations (pending deltas and
// creations) of unfinished transactions.
func (e *Engine) Held() engines.Held {
	var held engines.Held
	for _, txn := range slices.SortedFunc(maps.Keys(e.transactions), engines.TxnID.Compare) {
		t := e.transactions[txn]
		held.Transactions++
		held.Locks += len(t.balanceLocks) + len(t.supplyLocks) + len(t.absenceLocks)
		held.Reservations += len(t.balanceDeltas) + len(t.supplyDeltas) + len(t.created)
	}
	return held
}

// State helpers.

func (e *Engine) account(key accountKey) *accountState {
	state := e.accounts[key]
	if state == nil {
		state = &accountState{}
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

func (e *Engine) dropAccountIfEmpty(key accountKey) {
	state := e.accounts[key]
	if len(state.holders) == 0 && len(state.lockers) == 0 {
		assertInvariant(state.reservedUnits == 0, "account %q/%q has no holders but %d reserved", key.token, key.account, state.reservedUnits)
		delete(e.accounts, key)
	}
}

func (e *Engine) dropTokenIfEmpty(token string) {
	state := e.tokens[token]
	if state.empty() {
		assertInvariant(state.positiveUnits == 0, "token %q has no holders but %d pending mints", token, state.positiveUnits)
		delete(e.tokens, token)
	}
}

// setBalanceDelta sets t's net delta on key, keeping the escrow sum and the
// holder list in step. The caller removes the holder when t finishes.
func (e *Engine) setBalanceDelta(t *transaction, key accountKey, delta int64) {
	state := e.account(key)
	old, known := t.balanceDeltas[key]
	if t.balanceDeltas == nil {
		t.balanceDeltas = map[accountKey]int64{}
	}
	state.reservedUnits += max(0, -delta) - max(0, -old)
	assertInvariant(state.reservedUnits >= 0, "reservations on %q/%q below zero", key.token, key.account)
	t.balanceDeltas[key] = delta
	if !known {
		state.holders = insertTxn(state.holders, t.id)
	}
}

// setSupplyDelta sets t's net supply delta on token, keeping the pending
// mint bound and the holder list in step.
func (e *Engine) setSupplyDelta(t *transaction, token string, delta int64) {
	state := e.token(token)
	old, known := t.supplyDeltas[token]
	if t.supplyDeltas == nil {
		t.supplyDeltas = map[string]int64{}
	}
	state.positiveUnits += max(0, delta) - max(0, old)
	assertInvariant(state.positiveUnits >= 0, "pending mints of %q below zero", token)
	t.supplyDeltas[token] = delta
	if !known {
		state.holders = insertTxn(state.holders, t.id)
	}
}

func (e *Engine) lockBalance(t *transaction, key accountKey) {
	if _, ok := t.balanceLocks[key]; !ok {
		if t.balanceLocks == nil {
			t.balanceLocks = map[accountKey]struct{}{}
		}
		t.balanceLocks[key] = struct{}{}
		state := e.account(key)
		state.lockers = insertTxn(state.lockers, t.id)
	}
}

func (e *Engine) lockSupply(t *transaction, token string) {
	if _, ok := t.supplyLocks[token]; !ok {
		if t.supplyLocks == nil {
			t.supplyLocks = map[string]struct{}{}
		}
		t.supplyLocks[token] = struct{}{}
		state := e.token(token)
		state.lockers = insertTxn(state.lockers, t.id)
	}
}

func (e *Engine) lockAbsence(t *transaction, token string) {
	if _, ok := t.absenceLocks[token]; !ok {
		if t.absenceLocks == nil {
			t.absenceLocks = map[string]struct{}{}
		}
		t.absenceLocks[token] = struct{}{}
		state := e.token(token)
		state.absenceLockers = insertTxn(state.absenceLockers, t.id)
	}
}

// reservedByOthers is the escrow on key held by transactions other than t.
func (e *Engine) reservedByOthers(key accountKey, t *transaction) int64 {
	state := e.accounts[key]
	if state == nil {
		return 0
	}
	return state.reservedUnits - max(0, -t.balanceDeltas[key])
}

// Committed state.

func metadataKey(token string) []byte { return mvcc.AppendKeyPart([]byte{'m'}, []byte(token)) }
func supplyKey(token string) []byte   { return mvcc.AppendKeyPart([]byte{'s'}, []byte(token)) }
func balanceKey(key accountKey) []byte {
	return mvcc.AppendKeyPart(mvcc.AppendKeyPart([]byte{'b'}, []byte(key.token)), []byte(key.account))
}

func encodeUnits(units int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(units)) }

func decodeUnits(data []byte) (int64, error) {
	if len(data) != 8 {
		return 0, fmt.Errorf("units of %d bytes, want 8", len(data))
	}
	units := int64(binary.BigEndian.Uint64(data))
	if units < 0 {
		return 0, fmt.Errorf("units %d below zero", units)
	}
	return units, nil
}

func encodeMetadataVersion(m Metadata) []byte {
	return engines.AppendValue(nil, engines.List(engines.String(m.Symbol), engines.Int(int64(m.Decimals))))
}

func decodeMetadataVersion(data []byte) (Metadata, error) {
	value, err := engines.DecodeValue(data)
	if err != nil {
		return Metadata{}, err
	}
	return decodeMetadataValue(value)
}

// decodeMetadataValue reads [symbol, decimals], the stored form and the
// result form of metadata.
func decodeMetadataValue(value engines.Value) (Metadata, error) {
	if value.Kind() != engines.KindList || value.Len() != 2 {
		return Metadata{}, fmt.Errorf("metadata %v: want [symbol, decimals]", value)
	}
	symbol, symbolOK := value.Index(0).AsString()
	decimals, decimalsOK := value.Index(1).AsInt()
	if !symbolOK || !decimalsOK || decimals < 0 || decimals > DecimalsMax {
		return Metadata{}, fmt.Errorf("metadata %v: want [symbol, decimals in 0..%d]", value, DecimalsMax)
	}
	return Metadata{Symbol: symbol, Decimals: int(decimals)}, nil
}

// readUnits reads a balance or supply version at snapshot; absent is 0.
func (e *Engine) readUnits(key []byte, snapshot clock.Timestamp) (int64, error) {
	data, found, err := e.store.Get(key, mvccRead(snapshot))
	if err != nil || !found {
		return 0, err
	}
	return decodeUnits(data)
}

func (e *Engine) committedBalance(key accountKey) int64 {
	units, err := e.readUnits(balanceKey(key), mvcc.MaxTimestamp)
	assertInvariant(err == nil, "committed balance of %q/%q unreadable: %v", key.token, key.account, err)
	return units
}

func (e *Engine) committedSupply(token string) int64 {
	units, err := e.readUnits(supplyKey(token), mvcc.MaxTimestamp)
	assertInvariant(err == nil, "committed supply of %q unreadable: %v", token, err)
	return units
}

// Small helpers.

func mvccRead(snapshot clock.Timestamp) mvcc.ReadOptions { return mvcc.ReadOptions{At: snapshot} }

func validWriteTimestamp(t clock.Timestamp) bool { return !t.IsZero() && t != mvcc.MaxTimestamp }

func assertInvariant(ok bool, format string, args ...any) {
	if !ok {
		panic("resource: invariant broken: " + fmt.Sprintf(format, args...))
	}
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
