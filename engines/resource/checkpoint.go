package resource

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint layout: the magic "rsc2", a CRC-32C of the rest (big endian),
// then the value encoding of
//
//	[mvcc checkpoint bytes, last commit timestamp (16-byte key form),
//	 [transaction...]]
//	transaction = [id, prepared, prepare timestamp,
//	               [[token, symbol, decimals]...],          created
//	               [[token, account, net, peak debit]...],  balance entries
//	               [[token, net, peak mint]...],            supply entries
//	               [[token, account]...],                   balance locks
//	               [token...], [token...]]                  supply, absence locks
//
// with transactions and every inner list sorted, so one state gives one
// byte string. The indexes (accounts with their committed balances,
// tokens, the metadata cache) are rebuilt from these on Restore. Version 1
// ("rsc1") kept only net balance deltas; it is not read: its escrow was
// not serializable.

var checkpointMagic = []byte("rsc2")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checkpoint serializes the whole state deterministically.
func (e *Engine) Checkpoint() []byte {
	var transactions []value.Value
	for _, txn := range e.transactions.IDs() {
		transactions = append(transactions, e.transactions.Lookup(txn).checkpointValue())
	}
	state := value.List(
		value.Bytes(e.store.Checkpoint()),
		value.Bytes(e.transactions.LastCommitTimestamp().AppendKey(nil)),
		value.List(transactions...),
	)
	body := value.Append(nil, state)
	out := append(slices.Clone(checkpointMagic), binary.BigEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))...)
	return append(out, body...)
}

func (t *transaction) checkpointValue() value.Value {
	var created, balances, supplies, balanceLocks, supplyLocks, absenceLocks []value.Value
	for _, c := range t.created {
		created = append(created, value.List(value.String(c.token), value.String(c.metadata.Symbol), value.Int(int64(c.metadata.Decimals))))
	}
	for _, entry := range t.balances {
		key := entry.account.key
		balances = append(balances, value.List(value.String(key.token), value.String(key.account),
			value.Int(entry.netUnits), value.Int(entry.peakDebitUnits)))
	}
	for _, entry := range t.supplies {
		supplies = append(supplies, value.List(value.String(entry.token), value.Int(entry.netUnits), value.Int(entry.peakMintUnits)))
	}
	for _, state := range t.balanceLocks {
		balanceLocks = append(balanceLocks, value.List(value.String(state.key.token), value.String(state.key.account)))
	}
	for _, token := range t.supplyLocks {
		supplyLocks = append(supplyLocks, value.String(token))
	}
	for _, token := range t.absenceLocks {
		absenceLocks = append(absenceLocks, value.String(token))
	}
	return value.List(
		value.Bytes(t.ID().AppendKey(nil)), value.Bool(t.Prepared()), value.Bytes(t.PrepareTimestamp().AppendKey(nil)),
		value.List(created...), value.List(balances...), value.List(supplies...),
		value.List(balanceLocks...), value.List(supplyLocks...), value.List(absenceLocks...),
	)
}

// Restore rebuilds an engine from a checkpoint; nil or empty input gives a
// new engine. Bad input returns an error wrapping ErrCorruptCheckpoint,
// never a panic: Restore checks the checksum, the shape, and the invariants
// later calls rely on (supply equals the sum of balances, reservations
// within balances, no pending credit or mint that could overflow).
func Restore(checkpoint []byte) (engines.Engine, error) {
	if len(checkpoint) == 0 {
		return NewEngine(), nil
	}
	body, err := checkpointBody(checkpoint)
	if err != nil {
		return nil, err
	}
	value, err := value.Decode(body)
	if err != nil {
		return nil, corrupt("state: %v", err)
	}
	r := &valueReader{}
	parts := r.list(value, 3, "state")
	storeBytes := r.bytes(parts, 0, "mvcc checkpoint")
	lastCommit := r.timestamp(parts, 1, "last commit timestamp")
	transactions := r.list(r.item(parts, 2), -1, "transactions")
	if r.err != nil {
		return nil, r.err
	}
	store, err := mvcc.Restore(storeBytes, mvcc.Options{})
	if err != nil {
		return nil, corrupt("%v", err)
	}
	e := newEngine(store)
	e.transactions.RestoreLastCommitTimestamp(lastCommit)
	if err := e.restoreCommitted(); err != nil {
		return nil, err
	}
	for _, item := range transactions {
		if err := e.restoreTransaction(item); err != nil {
			return nil, err
		}
	}
	if err := e.checkPendingBounds(); err != nil {
		return nil, err
	}
	return e, nil
}

func checkpointBody(checkpoint []byte) ([]byte, error) {
	headerLen := len(checkpointMagic) + 4
	if len(checkpoint) < headerLen || !bytes.Equal(checkpoint[:len(checkpointMagic)], checkpointMagic) {
		return nil, corrupt("missing magic %q", checkpointMagic)
	}
	body := checkpoint[headerLen:]
	if want := binary.BigEndian.Uint32(checkpoint[len(checkpointMagic):]); crc32.Checksum(body, castagnoli) != want {
		return nil, corrupt("checksum mismatch")
	}
	return body, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: resource: %s", engines.ErrCorruptCheckpoint, fmt.Sprintf(format, args...))
}

// restoreCommitted fills the metadata cache from the latest versions and
// checks that every stored amount decodes and that each supply equals the
// sum of its token's balances.
func (e *Engine) restoreCommitted() error {
	if e.store.Stats().Transactions != 0 {
		return corrupt("mvcc holds intents")
	}
	supplies, balanceSums := map[string]int64{}, map[string]int64{}
	var scanErr error
	err := e.store.Scan(mvcc.ScanOptions{At: mvcc.MaxTimestamp}, func(key, value []byte) bool {
		scanErr = e.restoreCommittedKey(key, value, supplies, balanceSums)
		return scanErr == nil
	})
	if err != nil {
		return corrupt("%v", err)
	}
	if scanErr != nil {
		return scanErr
	}
	for _, token := range slices.Sorted(maps.Keys(balanceSums)) {
		if _, ok := e.metadata[token]; !ok {
			return corrupt("balances of unknown token %q", token)
		}
	}
	for _, token := range slices.Sorted(maps.Keys(supplies)) {
		if _, ok := e.metadata[token]; !ok {
			return corrupt("supply of unknown token %q", token)
		}
		if supplies[token] != balanceSums[token] {
			return corrupt("supply %d of %q differs from the sum %d of its balances", supplies[token], token, balanceSums[token])
		}
	}
	return nil
}

func (e *Engine) restoreCommittedKey(key, value []byte, supplies, balanceSums map[string]int64) error {
	if len(key) == 0 {
		return corrupt("empty key")
	}
	token, rest, err := mvcc.DecodeKeyPart(key[1:])
	if err != nil {
		return corrupt("key %q: %v", key, err)
	}
	switch {
	case key[0] == 'm' && len(rest) == 0:
		m, err := decodeMetadataVersion(value)
		if err != nil {
			return corrupt("metadata of %q: %v", token, err)
		}
		e.metadata[string(token)] = m
	case key[0] == 's' && len(rest) == 0:
		units, err := decodeUnits(value)
		if err != nil {
			return corrupt("supply of %q: %v", token, err)
		}
		supplies[string(token)] = units
	case key[0] == 'b':
		account, tail, err := mvcc.DecodeKeyPart(rest)
		if err != nil || len(tail) != 0 {
			return corrupt("balance key %q", key)
		}
		units, err := decodeUnits(value)
		sum, ok := addUnits(balanceSums[string(token)], units)
		if err != nil || !ok {
			return corrupt("balance key %q: bad amount or sum overflow", key)
		}
		balanceSums[string(token)] = sum
		if units > 0 {
			state := e.account(accountKey{string(token), string(account)})
			state.committedUnits, state.storeKey = units, slices.Clone(key)
		}
	default:
		return corrupt("unexpected key %q", key)
	}
	return nil
}

func (e *Engine) restoreTransaction(item value.Value) error {
	r := &valueReader{}
	parts := r.list(item, 9, "transaction")
	id := r.timestamp(parts, 0, "transaction id")
	prepared := r.boolean(parts, 1, "prepared")
	prepareTimestamp := r.timestamp(parts, 2, "prepare timestamp")
	if r.err != nil {
		return r.err
	}
	t, err := e.transactions.RestoreTransaction(id, prepared, prepareTimestamp)
	if err != nil {
		return corrupt("%v", err)
	}
	restorers := []func(*valueReader, value.Value) error{
		e.restoreCreated(t), e.restoreBalanceDelta(t), e.restoreSupplyDelta(t),
		e.restoreBalanceLock(t), e.restoreSupplyLock(t), e.restoreAbsenceLock(t),
	}
	for i, restore := range restorers {
		for _, entry := range r.list(r.item(parts, 3+i), -1, "transaction entries") {
			if err := restore(r, entry); err != nil {
				return err
			}
		}
		if r.err != nil {
			return r.err
		}
	}
	return e.checkTransactionConservation(t)
}

func (e *Engine) restoreCreated(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		parts := r.list(entry, 3, "created token")
		token, symbol, decimals := r.text(parts, 0, "token"), r.text(parts, 1, "symbol"), r.integer(parts, 2, "decimals")
		if r.err != nil {
			return r.err
		}
		_, committed := e.metadata[token]
		if stopped(checkName("token", token)) || committed || (e.tokens[token] != nil && !e.tokens[token].creator.IsZero()) ||
			symbol == "" || len(symbol) > SymbolLenMax || decimals < 0 || decimals > DecimalsMax {
			return corrupt("txn %v creates token %q (%q, %d): invalid or already created", t.ID(), token, symbol, decimals)
		}
		e.createToken(t, token, Metadata{Symbol: symbol, Decimals: int(decimals)})
		return nil
	}
}

// visible reports whether t may hold state on token.
func (e *Engine) visible(t *transaction, token string) bool {
	_, committed := e.metadata[token]
	_, own := t.createdMetadata(token)
	return committed || own
}

func (e *Engine) restoreBalanceDelta(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		parts := r.list(entry, 4, "balance entry")
		key := accountKey{r.text(parts, 0, "token"), r.text(parts, 1, "account")}
		net, peak := r.integer(parts, 2, "net"), r.integer(parts, 3, "peak debit")
		if r.err != nil {
			return r.err
		}
		_, repeated := t.balanceIndex(key)
		if repeated || !e.visible(t, key.token) || stopped(checkName("account", key.account)) ||
			net == math.MinInt64 || peak < 0 || peak < -net {
			return corrupt("txn %v: balance entry net %d peak debit %d on %q/%q", t.ID(), net, peak, key.token, key.account)
		}
		if reserved, ok := addUnits(e.accountReserved(key), peak); !ok || reserved > e.committedBalance(key) {
			return corrupt("txn %v: reservations on %q/%q exceed the balance %d", t.ID(), key.token, key.account, e.committedBalance(key))
		}
		e.setBalance(t, e.account(key), net, peak)
		return nil
	}
}

func (e *Engine) accountReserved(key accountKey) int64 {
	if state := e.accounts[key]; state != nil {
		return state.reservedUnits
	}
	return 0
}

func (e *Engine) restoreSupplyDelta(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		parts := r.list(entry, 3, "supply entry")
		token, net, peak := r.text(parts, 0, "token"), r.integer(parts, 1, "net"), r.integer(parts, 2, "peak mint")
		if r.err != nil {
			return r.err
		}
		_, repeated := t.supplyIndex(token)
		if repeated || !e.visible(t, token) || peak < 0 || peak < net {
			return corrupt("txn %v: supply entry net %d peak mint %d on %q", t.ID(), net, peak, token)
		}
		peaks := int64(0)
		if state := e.tokens[token]; state != nil {
			peaks = state.peakMintsUnits
		}
		if _, ok := addUnits(peaks, peak); !ok {
			return corrupt("txn %v: pending mints of %q overflow", t.ID(), token)
		}
		e.setSupply(t, token, net, peak)
		return nil
	}
}

func (e *Engine) restoreBalanceLock(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		parts := r.list(entry, 2, "balance lock")
		key := accountKey{r.text(parts, 0, "token"), r.text(parts, 1, "account")}
		if r.err != nil {
			return r.err
		}
		if _, repeated := t.hasBalanceLock(key); repeated || !e.visible(t, key.token) || stopped(checkName("account", key.account)) {
			return corrupt("txn %v: balance lock on %q/%q", t.ID(), key.token, key.account)
		}
		e.lockBalance(t, key)
		return nil
	}
}

func (e *Engine) restoreSupplyLock(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		token := r.text([]value.Value{entry}, 0, "supply lock")
		if r.err != nil {
			return r.err
		}
		if _, repeated := slices.BinarySearch(t.supplyLocks, token); repeated || !e.visible(t, token) {
			return corrupt("txn %v: supply lock on %q", t.ID(), token)
		}
		e.lockSupply(t, token)
		return nil
	}
}

func (e *Engine) restoreAbsenceLock(t *transaction) func(*valueReader, value.Value) error {
	return func(r *valueReader, entry value.Value) error {
		token := r.text([]value.Value{entry}, 0, "absence lock")
		if r.err != nil {
			return r.err
		}
		_, committed := e.metadata[token]
		if _, repeated := slices.BinarySearch(t.absenceLocks, token); repeated || committed || stopped(checkName("token", token)) {
			return corrupt("txn %v: absence lock on %q", t.ID(), token)
		}
		e.lockAbsence(t, token)
		return nil
	}
}

// checkTransactionConservation checks that t's supply delta of each token
// equals the sum of its balance deltas there (commit asserts it).
func (e *Engine) checkTransactionConservation(t *transaction) error {
	sums := map[string]int64{}
	for _, entry := range t.balances {
		sum, ok := addUnits(sums[entry.account.key.token], entry.netUnits)
		if !ok {
			return corrupt("txn %v: balance deltas of %q overflow", t.ID(), entry.account.key.token)
		}
		sums[entry.account.key.token] = sum
	}
	for _, entry := range t.supplies {
		if _, ok := sums[entry.token]; !ok {
			sums[entry.token] = 0
		}
	}
	for _, token := range slices.Sorted(maps.Keys(sums)) {
		if supply := t.supply(token).netUnits; sums[token] != supply {
			return corrupt("txn %v: supply delta %d of %q differs from its balance deltas %d", t.ID(), supply, token, sums[token])
		}
	}
	return nil
}

// checkPendingBounds checks, per account, that reservations are within the
// committed balance and that every pending credit could land without
// overflow, and per token that every pending mint could.
func (e *Engine) checkPendingBounds() error {
	for _, key := range slices.SortedFunc(maps.Keys(e.accounts), compareAccountKeys) {
		state := e.accounts[key]
		if state.reservedUnits > state.committedUnits {
			return corrupt("reservations %d on %q/%q exceed balance %d", state.reservedUnits, key.token, key.account, state.committedUnits)
		}
		total := state.committedUnits
		for _, txn := range state.holders {
			var ok bool
			if total, ok = addUnits(total, max(0, e.transactions.Lookup(txn).balance(key).netUnits)); !ok {
				return corrupt("pending credits on %q/%q overflow", key.token, key.account)
			}
		}
	}
	for _, token := range slices.Sorted(maps.Keys(e.tokens)) {
		if _, ok := addUnits(e.committedSupply(token), e.tokens[token].peakMintsUnits); !ok {
			return corrupt("pending mints of %q overflow", token)
		}
	}
	return nil
}

// valueReader reads the checkpoint's values; the first error sticks and
// later reads return zero values.
type valueReader struct{ err error }

func (r *valueReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = corrupt(format, args...)
	}
}

// list returns v's elements, checking the length unless length < 0.
func (r *valueReader) list(v value.Value, length int, what string) []value.Value {
	if r.err != nil {
		return nil
	}
	if v.Kind() != value.KindList || (length >= 0 && v.Len() != length) {
		r.fail("%s: want a list of %d, got %v", what, length, v.Kind())
		return nil
	}
	items := make([]value.Value, v.Len())
	for i := range items {
		items[i] = v.Index(i)
	}
	return items
}

func (r *valueReader) item(items []value.Value, index int) value.Value {
	if r.err != nil || index >= len(items) {
		return value.Null()
	}
	return items[index]
}

func (r *valueReader) text(items []value.Value, index int, what string) string {
	text, ok := r.item(items, index).AsString()
	if !ok {
		r.fail("%s: want a string", what)
	}
	return text
}

func (r *valueReader) bytes(items []value.Value, index int, what string) []byte {
	data, ok := r.item(items, index).AsBytes()
	if !ok {
		r.fail("%s: want bytes", what)
	}
	return data
}

func (r *valueReader) integer(items []value.Value, index int, what string) int64 {
	number, ok := r.item(items, index).AsInt()
	if !ok {
		r.fail("%s: want an int", what)
	}
	return number
}

func (r *valueReader) boolean(items []value.Value, index int, what string) bool {
	flag, ok := r.item(items, index).AsBool()
	if !ok {
		r.fail("%s: want a bool", what)
	}
	return flag
}

func (r *valueReader) timestamp(items []value.Value, index int, what string) clock.Timestamp {
	data := r.bytes(items, index, what)
	if r.err != nil {
		return clock.Timestamp{}
	}
	if len(data) != clock.TimestampKeyLen {
		r.fail("%s: %d bytes, want %d", what, len(data), clock.TimestampKeyLen)
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(data)
	return t
}
