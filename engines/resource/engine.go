package resource

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/assert"
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
	// accounts caches the committed balances above zero and indexes what
	// unfinished transactions hold per account.
	accounts map[accountKey]*accountState
	tokens   map[string]*tokenState
	// freeTransactions are released records kept for reuse, at most
	// freeTransactionsMax.
	freeTransactions []*transaction
	// unitsBuffer is scratch space for encoding a version (mvcc copies it).
	unitsBuffer [8]byte
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
	op, err := e.decodeOperationInterned(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	t := e.transactions[txn]
	if t == nil {
		t = e.newTransaction(txn)
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
	default:
		assert.Broken("resource: decoded unknown operation kind %d", op.kind)
		return engines.Outcome{}
	}
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
	for _, created := range t.created {
		e.put(t.id, metadataKey(created.token), encodeMetadataVersion(created.metadata))
	}
	e.checkConservation(t)
	for _, entry := range t.balances {
		state := entry.account
		balance := e.balanceAfter(t, entry)
		if state.storeKey == nil {
			state.storeKey = balanceKey(state.key)
		}
		e.put(t.id, state.storeKey, e.encodeUnits(balance))
	}
	for _, entry := range t.supplies {
		supply, ok := addUnits(e.committedSupply(entry.token), entry.netUnits)
		if !ok || supply < 0 {
			panicInvariant("supply of %q out of range at commit of txn %v", entry.token, t.id)
		}
		e.put(t.id, supplyKey(entry.token), e.encodeUnits(supply))
	}
	if err := e.store.Commit(t.id, commitTimestamp); err != nil {
		if abortErr := e.store.Abort(t.id); abortErr != nil {
			assert.Broken("resource: mvcc cannot abort its intents: %v", abortErr)
		}
		return fmt.Errorf("%w: txn %v: %v", ErrBadTimestamp, t.id, err)
	}
	for _, entry := range t.balances {
		entry.account.committedUnits += entry.netUnits // checked by balanceAfter
	}
	for _, created := range t.created {
		e.metadata[created.token] = created.metadata
	}
	return nil
}

// balanceAfter is the committed balance of entry's account once t's net
// change lands. It asserts that the balance stays within 0..int64 and
// still covers the other transactions' reservations.
func (e *Engine) balanceAfter(t *transaction, entry balanceEntry) int64 {
	state := entry.account
	balance, ok := addUnits(state.committedUnits, entry.netUnits)
	if !ok || balance < 0 {
		panicInvariant("balance of %q/%q out of range at commit of txn %v", state.key.token, state.key.account, t.id)
	}
	if reserved := state.reservedUnits - entry.peakDebitUnits; reserved > balance {
		panicInvariant("reservations %d on %q/%q exceed balance %d after commit of txn %v",
			reserved, state.key.token, state.key.account, balance, t.id)
	}
	return balance
}

// checkConservation asserts that t changes each token's supply by exactly
// the sum of its balance changes there, so that supply = sum of balances
// survives the commit. Balance entries sort by token first, so each
// token's entries are a run; every token with a supply entry has balance
// entries (every mint and burn also changes a balance).
func (e *Engine) checkConservation(t *transaction) {
	supplyIndex := 0
	for start := 0; start < len(t.balances); {
		token, sum := t.balances[start].account.key.token, int64(0)
		end := start
		for ; end < len(t.balances) && t.balances[end].account.key.token == token; end++ {
			var ok bool
			if sum, ok = addUnits(sum, t.balances[end].netUnits); !ok {
				panicInvariant("sum of balance deltas of %q overflows in txn %v", token, t.id)
			}
		}
		supplyDelta := int64(0)
		if supplyIndex < len(t.supplies) && t.supplies[supplyIndex].token == token {
			supplyDelta = t.supplies[supplyIndex].netUnits
			supplyIndex++
		}
		if supplyDelta != sum {
			panicInvariant("supply delta %d of %q differs from the sum %d of its balance deltas in txn %v", supplyDelta, token, sum, t.id)
		}
		start = end
	}
	if supplyIndex != len(t.supplies) {
		panicInvariant("txn %v changes the supply of %q without changing a balance", t.id, t.supplies[supplyIndex].token)
	}
}

func (e *Engine) put(txn engines.TxnID, key, value []byte) {
	if err := e.store.Put(txn, key, value); err != nil {
		assert.Broken("resource: mvcc refused a put of key %q: %v", key, err)
	}
}

// Abort discards txn's effects and releases everything it holds.
// Aborting an unknown or finished transaction does nothing.
func (e *Engine) Abort(txn engines.TxnID) {
	if t := e.transactions[txn]; t != nil {
		e.release(t)
	}
}

// Held counts transactions, locks and reservations (pending deltas and
// creations) of unfinished transactions.
func (e *Engine) Held() engines.Held {
	var held engines.Held
	for _, txn := range slices.SortedFunc(maps.Keys(e.transactions), engines.TxnID.Compare) {
		t := e.transactions[txn]
		held.Transactions++
		held.Locks += len(t.balanceLocks) + len(t.supplyLocks) + len(t.absenceLocks)
		held.Reservations += len(t.balances) + len(t.supplies) + len(t.created)
	}
	return held
}

// Committed state.

func metadataKey(token string) []byte { return mvcc.AppendKeyPart([]byte{'m'}, []byte(token)) }
func supplyKey(token string) []byte   { return mvcc.AppendKeyPart([]byte{'s'}, []byte(token)) }
func balanceKey(key accountKey) []byte {
	return mvcc.AppendKeyPart(mvcc.AppendKeyPart([]byte{'b'}, []byte(key.token)), []byte(key.account))
}

// encodeUnits encodes units into the engine's scratch buffer, valid until
// the next call (mvcc copies what it stores).
func (e *Engine) encodeUnits(units int64) []byte {
	binary.BigEndian.PutUint64(e.unitsBuffer[:], uint64(units))
	return e.unitsBuffer[:]
}

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
	return value.Append(nil, value.List(value.String(m.Symbol), value.Int(int64(m.Decimals))))
}

func decodeMetadataVersion(data []byte) (Metadata, error) {
	value, err := value.Decode(data)
	if err != nil {
		return Metadata{}, err
	}
	return decodeMetadataValue(value)
}

// decodeMetadataValue reads [symbol, decimals], the stored form and the
// result form of metadata.
func decodeMetadataValue(v value.Value) (Metadata, error) {
	if v.Kind() != value.KindList || v.Len() != 2 {
		return Metadata{}, fmt.Errorf("metadata %v: want [symbol, decimals]", v)
	}
	symbol, symbolOK := v.Index(0).AsString()
	decimals, decimalsOK := v.Index(1).AsInt()
	if !symbolOK || !decimalsOK || decimals < 0 || decimals > DecimalsMax {
		return Metadata{}, fmt.Errorf("metadata %v: want [symbol, decimals in 0..%d]", v, DecimalsMax)
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

func (e *Engine) committedSupply(token string) int64 {
	units, err := e.readUnits(supplyKey(token), mvcc.MaxTimestamp)
	if err != nil {
		panicInvariant("committed supply of %q unreadable: %v", token, err)
	}
	return units
}

// Small helpers.

func mvccRead(snapshot clock.Timestamp) mvcc.ReadOptions { return mvcc.ReadOptions{At: snapshot} }

func validWriteTimestamp(t clock.Timestamp) bool { return !t.IsZero() && t != mvcc.MaxTimestamp }
