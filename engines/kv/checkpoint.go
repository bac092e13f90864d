package kv

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint format, version 1. Integers are big-endian; timestamps use
// clock.Timestamp.AppendKey (16 bytes); a string is a uint32 length and
// its bytes. Every field has one valid encoding, so Restore followed by
// Checkpoint reproduces the input.
//
//	magic             4 bytes "PKVE"
//	format            uint32 = 1
//	store             uint64 length, then mvcc checkpoint bytes
//	transactions      mvcc.Participant.AppendCheckpoint: uint64 count,
//	                  then each transaction by id ascending:
//	  transaction:    id, state byte (1 active, 2 prepared), prepare
//	                  timestamp (zero when active), then kv's record:
//	                  wrote byte (1 when the store holds intents of it),
//	                  shared keys (uint64 count, strings ascending),
//	                  exclusive keys (likewise), ranges (uint64 count, each
//	                  start, unbounded byte, end; in compareSpan order, end
//	                  empty when unbounded)
//	checksum          uint32 CRC-32C of every preceding byte
//
// The lock table is not stored: Restore rebuilds it from the transactions,
// refusing any two that hold conflicting locks.
const (
	checkpointMagic  = "PKVE"
	checkpointFormat = 1
	// Smallest encodings, to reject counts the remaining bytes cannot hold.
	stringEncodedLenMin = 4
	spanEncodedLenMin   = 2*stringEncodedLenMin + 1
	recordEncodedLenMin = 1 + 3*8
	// checkpointFrameLen is the frame around the store's bytes: magic,
	// format, the store's length, the transaction count and the checksum.
	checkpointFrameLen = len(checkpointMagic) + 4 + 8 + 8 + 4
)

// errCorruptCheckpoint is engines.ErrCorruptCheckpoint, naming kv.
var errCorruptCheckpoint = fmt.Errorf("%w: kv", engines.ErrCorruptCheckpoint)

// Checkpoint serializes the whole state: the store (versions and intents),
// and every live transaction with its stage and locks. The same state
// always gives the same bytes.
func (e *Engine) Checkpoint() []byte {
	return e.AppendCheckpoint(make([]byte, 0, e.CheckpointLenHint()))
}

// AppendCheckpoint appends Checkpoint's bytes to out, encoding the store
// in place (engines.CheckpointAppender).
func (e *Engine) AppendCheckpoint(out []byte) []byte {
	return e.appendFrame(out, checkpointMagic, checkpointFormat, e.store.AppendCheckpoint)
}

// FreezeCheckpoint (engines.CheckpointFreezer) freezes Checkpoint's bytes:
// the store copy-on-write (mvcc.FrozenCheckpoint), the transactions
// encoded now.
func (e *Engine) FreezeCheckpoint() engines.FrozenCheckpoint {
	store := e.store.FreezeCheckpoint()
	prefix := binary.BigEndian.AppendUint64(binenc.AppendFrameHeader(nil, checkpointMagic, checkpointFormat), uint64(store.Len()))
	return binenc.Sealed{Prefix: prefix, Inner: store, Suffix: e.transactions.AppendCheckpoint(nil, e.appendRecord)}
}

// CheckpointLenHint (engines.CheckpointAppender) is the checkpoint's
// length with no live transaction, plus 64 bytes toward their records.
func (e *Engine) CheckpointLenHint() int {
	return e.store.CheckpointLen() + checkpointFrameLen + 64
}

// appendFrame appends a checkpoint or a delta (magic, format) to out: the
// store's part, which appendStore appends, as a section (its length
// first), then every live transaction, and the frame's checksum.
func (e *Engine) appendFrame(out []byte, magic string, format uint32, appendStore func([]byte) []byte) []byte {
	start := len(out)
	out = binenc.AppendFrameHeader(out, magic, format)
	lengthAt := len(out)
	out = binary.BigEndian.AppendUint64(out, 0) // the store's length, once known
	out = appendStore(out)
	binary.BigEndian.PutUint64(out[lengthAt:], uint64(len(out)-lengthAt-8))
	return binenc.SealFrom(e.transactions.AppendCheckpoint(out, e.appendRecord), start)
}

// appendRecord appends kv's part of a transaction.
func (e *Engine) appendRecord(out []byte, record *transaction) []byte {
	out = append(out, boolByte(e.transactions.HoldsIntents(record.ID())))
	out = appendStrings(out, record.sharedKeys.sorted())
	out = appendStrings(out, record.exclusiveKeys.sorted())
	spans := slices.SortedFunc(maps.Keys(record.ranges), compareSpan)
	out = binary.BigEndian.AppendUint64(out, uint64(len(spans)))
	for _, span := range spans {
		out = appendString(out, span.start)
		out = append(out, boolByte(span.unbounded))
		out = appendString(out, span.end)
	}
	return out
}

func appendStrings(out []byte, texts []string) []byte {
	out = binary.BigEndian.AppendUint64(out, uint64(len(texts)))
	for _, text := range texts {
		out = appendString(out, text)
	}
	return out
}

func appendString(out []byte, text string) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(text)))
	return append(out, text...)
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Restore rebuilds an engine from Checkpoint bytes; nil or empty bytes
// give a new engine. Bad input returns an error wrapping
// engines.ErrCorruptCheckpoint, never a panic.
func Restore(checkpoint []byte) (engines.Engine, error) {
	if len(checkpoint) == 0 {
		return NewEngine(), nil
	}
	e, err := restore(checkpoint)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return e, nil
}

func restore(data []byte) (*Engine, error) {
	storeBytes, reader, err := binenc.OpenFrameSection(data, checkpointMagic, checkpointFormat, errCorruptCheckpoint)
	if err != nil {
		return nil, err
	}
	store, err := mvcc.Restore(storeBytes, mvcc.Options{})
	if err != nil {
		return nil, corrupt("store: %v", err)
	}
	return restoreTransactions(store, &reader)
}

// restoreTransactions builds an engine on store from the rest of a
// checkpoint or delta: its transactions, to the end.
func restoreTransactions(store *mvcc.Store, d *binenc.Reader) (*Engine, error) {
	e := newEngine(store)
	if err := e.transactions.RestoreCheckpoint(d, recordEncodedLenMin, e.restoreRecord); err != nil {
		return nil, err
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	return e, nil
}

// restoreRecord reads kv's part of a restored transaction and takes its
// locks.
func (e *Engine) restoreRecord(d *binenc.Reader, record *transaction) error {
	wrote := d.Byte()
	if d.Err() == nil && (wrote > 1 || (wrote == 1) != e.transactions.HoldsIntents(record.ID())) {
		return fmt.Errorf("wrote byte %d, but the store holds intents: %v", wrote, e.transactions.HoldsIntents(record.ID()))
	}
	record.sharedKeys = readKeySet(d)
	record.exclusiveKeys = readKeySet(d)
	record.ranges = readSpanSet(d)
	if d.Err() != nil {
		return d.Err()
	}
	return e.restoreLocks(record.ID(), record)
}

// restoreLocks enters a restored transaction's locks in the lock table,
// refusing any that conflicts with a lock restored before.
func (e *Engine) restoreLocks(id engines.TxnID, record *transaction) error {
	for _, key := range record.exclusiveKeys.sorted() {
		if blockers := e.locks.exclusiveBlockers(id, key); len(blockers) > 0 {
			return corrupt("transaction %v: exclusive lock on %q conflicts with %v", id, key, blockers)
		}
		e.locks.addExclusive(id, key)
	}
	for _, key := range record.sharedKeys.sorted() {
		if record.exclusiveKeys.has(key) {
			return corrupt("transaction %v: both a shared and an exclusive lock on %q", id, key)
		}
		if blockers := e.locks.sharedBlockers(id, key); len(blockers) > 0 {
			return corrupt("transaction %v: shared lock on %q conflicts with %v", id, key, blockers)
		}
		e.locks.addShared(id, key)
	}
	for _, span := range slices.SortedFunc(maps.Keys(record.ranges), compareSpan) {
		if blockers := e.locks.rangeBlockers(id, span); len(blockers) > 0 {
			return corrupt("transaction %v: range lock on %v conflicts with %v", id, span, blockers)
		}
		e.locks.addRange(id, span)
	}
	e.lockCount += record.lockCount()
	return nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorruptCheckpoint, fmt.Sprintf(format, args...))
}

// readString reads a uint32 length, at most mvcc.KeyLenMax, and the text.
func readString(r *binenc.Reader) string {
	offset := r.Offset()
	length := r.Uint32()
	if r.Err() == nil && length > mvcc.KeyLenMax {
		r.Failf("key length %d at offset %d exceeds %d", length, offset, mvcc.KeyLenMax)
	}
	return string(r.Next(int(length)))
}

// readKeySet reads strictly ascending keys; an empty set is nil.
func readKeySet(r *binenc.Reader) keySet {
	count := r.CountUint64(stringEncodedLenMin)
	var set keySet
	previous := ""
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		offset := r.Offset()
		key := readString(r)
		if index > 0 && key <= previous && r.Err() == nil {
			r.Failf("key %q at offset %d out of order", key, offset)
		}
		set.add(key)
		previous = key
	}
	return set
}

// readSpanSet reads non-empty spans in strictly ascending compareSpan
// order; an empty set is nil.
func readSpanSet(r *binenc.Reader) map[keySpan]struct{} {
	count := r.CountUint64(spanEncodedLenMin)
	var set map[keySpan]struct{}
	var previous keySpan
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		offset := r.Offset()
		span := keySpan{start: readString(r)}
		unbounded := r.Byte()
		span.end = readString(r)
		span.unbounded = unbounded == 1
		switch {
		case r.Err() != nil:
		case unbounded > 1 || (span.unbounded && span.end != ""):
			r.Failf("range at offset %d: unbounded byte %d with end %q", offset, unbounded, span.end)
		case span.empty():
			r.Failf("range %v at offset %d is empty", span, offset)
		case index > 0 && compareSpan(previous, span) >= 0:
			r.Failf("range %v at offset %d out of order", span, offset)
		}
		if set == nil {
			set = map[keySpan]struct{}{}
		}
		set[span], previous = struct{}{}, span
	}
	return set
}
