package resource

import (
	"encoding/binary"
	"fmt"

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

// Metadata describes a token: fixed when it is created.
type Metadata struct {
	Symbol   string
	Decimals int
}

// Engine is the Resource engine of one stream: fungible tokens with escrow
// reservations. See the package documentation for its contract.
type Engine struct {
	// twoPhase gives the engine Prepare (locks and reservations stay),
	// Commit (writeCommitted: the deltas land on the committed balances
	// and supplies as versions; then release) and Abort, run by
	// transactions.
	twoPhase
	// store holds committed state as versions: metadata, supplies, balances.
	// It never holds intents between calls.
	store *mvcc.Store
	// transactions runs the lifecycle of every unfinished transaction. Its
	// last commit timestamp is checkpointed. Invariant: no version in
	// store is above it.
	transactions *mvcc.Participant[transaction, *transaction]
	// metadata caches the committed tokens (immutable once committed).
	metadata map[string]Metadata
	// accounts caches the committed balances above zero and indexes what
	// unfinished transactions hold per account.
	accounts map[accountKey]*accountState
	tokens   map[string]*tokenState
	// unitsBuffer is scratch space for encoding a version (mvcc copies it).
	unitsBuffer [8]byte
}

var _ engines.Engine = (*Engine)(nil)

type twoPhase = mvcc.TwoPhase[transaction, *transaction]

// NewEngine returns an empty engine.
func NewEngine() *Engine { return newEngine(mvcc.New(mvcc.Options{})) }

func newEngine(store *mvcc.Store) *Engine {
	e := &Engine{
		store:    store,
		metadata: map[string]Metadata{},
		accounts: map[accountKey]*accountState{},
		tokens:   map[string]*tokenState{},
	}
	e.transactions = mvcc.NewParticipant("resource", store,
		mvcc.Steps[*transaction]{Write: e.writeCommitted, Release: e.release, Reset: (*transaction).reset})
	e.twoPhase = e.transactions.TwoPhase()
	return e
}

// Apply runs one operation of txn. See engines.Engine.
func (e *Engine) Apply(txn engines.TxnID, operationBytes []byte, at clock.Timestamp) engines.Outcome {
	t := e.transactions.Begin(txn)
	op, err := e.decodeOperationInterned(operationBytes)
	if err != nil {
		return engines.Failed(err)
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

// writeCommitted turns txn's creations and deltas into intents, which the
// participant commits next, and updates the caches of committed state.
func (e *Engine) writeCommitted(t *transaction, _ clock.Timestamp) {
	if !t.writes() {
		return
	}
	for _, created := range t.created {
		e.put(t.ID(), metadataKey(created.token), encodeMetadataVersion(created.metadata))
	}
	e.checkConservation(t)
	for _, entry := range t.balances {
		state := entry.account
		balance := e.balanceAfter(t, entry)
		if state.storeKey == nil {
			state.storeKey = balanceKey(state.key)
		}
		e.put(t.ID(), state.storeKey, e.encodeUnits(balance))
	}
	for _, entry := range t.supplies {
		supply, ok := addUnits(e.committedSupply(entry.token), entry.netUnits)
		if !ok || supply < 0 {
			panicInvariant("supply of %q out of range at commit of txn %v", entry.token, t.ID())
		}
		e.put(t.ID(), supplyKey(entry.token), e.encodeUnits(supply))
	}
	for _, entry := range t.balances {
		entry.account.committedUnits += entry.netUnits // checked by balanceAfter
	}
	for _, created := range t.created {
		e.metadata[created.token] = created.metadata
	}
}

// balanceAfter is the committed balance of entry's account once t's net
// change lands. It asserts that the balance stays within 0..int64 and
// still covers the other transactions' reservations.
func (e *Engine) balanceAfter(t *transaction, entry balanceEntry) int64 {
	state := entry.account
	balance, ok := addUnits(state.committedUnits, entry.netUnits)
	if !ok || balance < 0 {
		panicInvariant("balance of %q/%q out of range at commit of txn %v", state.key.token, state.key.account, t.ID())
	}
	if reserved := state.reservedUnits - entry.peakDebitUnits; reserved > balance {
		panicInvariant("reservations %d on %q/%q exceed balance %d after commit of txn %v",
			reserved, state.key.token, state.key.account, balance, t.ID())
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
				panicInvariant("sum of balance deltas of %q overflows in txn %v", token, t.ID())
			}
		}
		supplyDelta := int64(0)
		if supplyIndex < len(t.supplies) && t.supplies[supplyIndex].token == token {
			supplyDelta = t.supplies[supplyIndex].netUnits
			supplyIndex++
		}
		if supplyDelta != sum {
			panicInvariant("supply delta %d of %q differs from the sum %d of its balance deltas in txn %v", supplyDelta, token, sum, t.ID())
		}
		start = end
	}
	if supplyIndex != len(t.supplies) {
		panicInvariant("txn %v changes the supply of %q without changing a balance", t.ID(), t.supplies[supplyIndex].token)
	}
}

func (e *Engine) put(txn engines.TxnID, key, value []byte) {
	if err := e.store.Put(txn, key, value); err != nil {
		assert.Broken("resource: mvcc refused a put of key %q: %v", key, err)
	}
}

// Held counts transactions, locks and reservations (pending deltas and
// creations) of unfinished transactions.
func (e *Engine) Held() engines.Held {
	var held engines.Held
	for _, txn := range e.transactions.IDs() {
		t := e.transactions.Lookup(txn)
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
