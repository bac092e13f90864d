package resource

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint layout: the magic "rsc3", a CRC-32C of the rest (big
// endian), then, with big-endian fixed-width integers (an amount is an
// int64 as a uint64), strings as a uint32 length and their bytes, and
// timestamps in their 16-byte key form:
//
//	store              uint64 length, then the mvcc checkpoint
//	last commit        timestamp
//	transactions       mvcc.Participant.AppendCheckpoint: uint64 count, then
//	                   by id ascending: id, stage byte, prepare timestamp,
//	                   then six lists, each a uint64 count and its entries:
//	  created          token, symbol, decimals uint32
//	  balance entries  token, account, net, peak debit
//	  supply entries   token, net, peak mint
//	  balance locks    token, account
//	  supply locks     token
//	  absence locks    token
//
// with every list sorted, so one state gives one byte string. The indexes
// (accounts with their committed balances, tokens, the metadata cache) are
// rebuilt from these on Restore. Versions 1 ("rsc1", net balance deltas
// only: its escrow was not serializable) and 2 ("rsc2", the same state in
// the value encoding) are not read.

var checkpointMagic = []byte("rsc3")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorruptCheckpoint is engines.ErrCorruptCheckpoint, naming resource.
var errCorruptCheckpoint = fmt.Errorf("%w: resource", engines.ErrCorruptCheckpoint)

// Smallest encodings of a transaction's lists, to reject counts the
// remaining bytes cannot hold.
const (
	stringEncodedLenMin = 4
	recordEncodedLenMin = 6 * 8
)

// Checkpoint serializes the whole state deterministically.
func (e *Engine) Checkpoint() []byte {
	w := binenc.NewWriter(nil)
	storeBytes := e.store.Checkpoint()
	w.AppendUint64(uint64(len(storeBytes)))
	w.AppendRaw(storeBytes)
	w.AppendTimestamp(e.transactions.LastCommitTimestamp())
	body := e.transactions.AppendCheckpoint(w.Data(), appendRecord)
	out := append(slices.Clone(checkpointMagic), binary.BigEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))...)
	return append(out, body...)
}

// appendRecord appends a transaction's lists.
func appendRecord(out []byte, t *transaction) []byte {
	w := binenc.NewWriter(out)
	w.AppendUint64(uint64(len(t.created)))
	for _, c := range t.created {
		appendStrings(&w, c.token, c.metadata.Symbol)
		w.AppendUint32(uint32(c.metadata.Decimals))
	}
	w.AppendUint64(uint64(len(t.balances)))
	for _, entry := range t.balances {
		appendStrings(&w, entry.account.key.token, entry.account.key.account)
		w.AppendUint64(uint64(entry.netUnits))
		w.AppendUint64(uint64(entry.peakDebitUnits))
	}
	w.AppendUint64(uint64(len(t.supplies)))
	for _, entry := range t.supplies {
		appendStrings(&w, entry.token)
		w.AppendUint64(uint64(entry.netUnits))
		w.AppendUint64(uint64(entry.peakMintUnits))
	}
	w.AppendUint64(uint64(len(t.balanceLocks)))
	for _, state := range t.balanceLocks {
		appendStrings(&w, state.key.token, state.key.account)
	}
	w.AppendUint64(uint64(len(t.supplyLocks)))
	appendStrings(&w, t.supplyLocks...)
	w.AppendUint64(uint64(len(t.absenceLocks)))
	appendStrings(&w, t.absenceLocks...)
	return w.Data()
}

// appendStrings appends each text as a uint32 length and its bytes.
func appendStrings(w *binenc.Writer, texts ...string) {
	for _, text := range texts {
		w.AppendUint32(uint32(len(text)))
		w.AppendRaw([]byte(text))
	}
}

// readString reads one text appendStrings wrote.
func readString(r *binenc.Reader) string { return string(r.Next(int(r.Uint32()))) }

// readUnits reads an amount appendRecord wrote.
func readUnits(r *binenc.Reader) int64 { return int64(r.Uint64()) }

// Restore rebuilds an engine from a checkpoint; nil or empty input gives a
// new engine. Bad input returns an error matching
// engines.ErrCorruptCheckpoint, never a panic: Restore checks the
// checksum, the shape, and the invariants later calls rely on (supply
// equals the sum of balances, reservations within balances, no pending
// credit or mint that could overflow).
func Restore(checkpoint []byte) (engines.Engine, error) {
	if len(checkpoint) == 0 {
		return NewEngine(), nil
	}
	body, err := checkpointBody(checkpoint)
	if err != nil {
		return nil, err
	}
	reader := binenc.NewReader(body, errCorruptCheckpoint)
	r := &reader
	storeBytes := r.Section()
	lastCommit := r.Timestamp()
	if r.Err() != nil {
		return nil, r.Err()
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
	if err := e.transactions.RestoreCheckpoint(r, recordEncodedLenMin, e.restoreRecord); err != nil {
		return nil, err
	}
	if err := r.Finish(); err != nil {
		return nil, err
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
	return fmt.Errorf("%w: %s", errCorruptCheckpoint, fmt.Sprintf(format, args...))
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

// restoreRecord reads a restored transaction's lists, taking its
// reservations and locks, and checks its conservation of units.
func (e *Engine) restoreRecord(r *binenc.Reader, t *transaction) error {
	restorers := []struct {
		entryLenMin int
		restore     func(*binenc.Reader, *transaction) error
	}{
		{2*stringEncodedLenMin + 4, e.restoreCreated},
		{2*stringEncodedLenMin + 16, e.restoreBalanceDelta},
		{stringEncodedLenMin + 16, e.restoreSupplyDelta},
		{2 * stringEncodedLenMin, e.restoreBalanceLock},
		{stringEncodedLenMin, e.restoreSupplyLock},
		{stringEncodedLenMin, e.restoreAbsenceLock},
	}
	for _, restorer := range restorers {
		count := r.CountUint64(restorer.entryLenMin)
		for index := uint64(0); index < count && r.Err() == nil; index++ {
			if err := restorer.restore(r, t); err != nil {
				return err
			}
		}
		if r.Err() != nil {
			return r.Err()
		}
	}
	return e.checkTransactionConservation(t)
}

func (e *Engine) restoreCreated(r *binenc.Reader, t *transaction) error {
	token, symbol, decimals := readString(r), readString(r), int64(r.Uint32())
	if r.Err() != nil {
		return r.Err()
	}
	_, committed := e.metadata[token]
	if stopped(checkName("token", token)) || committed || (e.tokens[token] != nil && !e.tokens[token].creator.IsZero()) ||
		symbol == "" || len(symbol) > SymbolLenMax || decimals < 0 || decimals > DecimalsMax {
		return corrupt("txn %v creates token %q (%q, %d): invalid or already created", t.ID(), token, symbol, decimals)
	}
	e.createToken(t, token, Metadata{Symbol: symbol, Decimals: int(decimals)})
	return nil
}

// visible reports whether t may hold state on token.
func (e *Engine) visible(t *transaction, token string) bool {
	_, committed := e.metadata[token]
	_, own := t.createdMetadata(token)
	return committed || own
}

func (e *Engine) restoreBalanceDelta(r *binenc.Reader, t *transaction) error {
	key := accountKey{readString(r), readString(r)}
	net, peak := readUnits(r), readUnits(r)
	if r.Err() != nil {
		return r.Err()
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

func (e *Engine) accountReserved(key accountKey) int64 {
	if state := e.accounts[key]; state != nil {
		return state.reservedUnits
	}
	return 0
}

func (e *Engine) restoreSupplyDelta(r *binenc.Reader, t *transaction) error {
	token, net, peak := readString(r), readUnits(r), readUnits(r)
	if r.Err() != nil {
		return r.Err()
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

func (e *Engine) restoreBalanceLock(r *binenc.Reader, t *transaction) error {
	key := accountKey{readString(r), readString(r)}
	if r.Err() != nil {
		return r.Err()
	}
	if _, repeated := t.hasBalanceLock(key); repeated || !e.visible(t, key.token) || stopped(checkName("account", key.account)) {
		return corrupt("txn %v: balance lock on %q/%q", t.ID(), key.token, key.account)
	}
	e.lockBalance(t, key)
	return nil
}

func (e *Engine) restoreSupplyLock(r *binenc.Reader, t *transaction) error {
	token := readString(r)
	if r.Err() != nil {
		return r.Err()
	}
	if _, repeated := slices.BinarySearch(t.supplyLocks, token); repeated || !e.visible(t, token) {
		return corrupt("txn %v: supply lock on %q", t.ID(), token)
	}
	e.lockSupply(t, token)
	return nil
}

func (e *Engine) restoreAbsenceLock(r *binenc.Reader, t *transaction) error {
	token := readString(r)
	if r.Err() != nil {
		return r.Err()
	}
	_, committed := e.metadata[token]
	if _, repeated := slices.BinarySearch(t.absenceLocks, token); repeated || committed || stopped(checkName("token", token)) {
		return corrupt("txn %v: absence lock on %q", t.ID(), token)
	}
	e.lockAbsence(t, token)
	return nil
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
