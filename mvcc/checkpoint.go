package mvcc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
)

// Checkpoint format, version 1. All integers are big-endian; timestamps use
// clock.Timestamp.AppendKey (16 bytes). Every field has exactly one valid
// encoding, so Restore followed by Checkpoint reproduces the input bytes.
//
//	magic             4 bytes "PMVC"
//	format            uint32  = 1
//	watermark         timestamp
//	versionCount      uint64
//	  version:        keyLen uint32, key, commit timestamp, kind byte
//	                  (0 value, 1 tombstone), valueLen uint32 (0 for a
//	                  tombstone), value; in (key asc, timestamp desc) order
//	transactionCount  uint64
//	  transaction:    id timestamp, state byte (1 active, 2 prepared),
//	                  prepare timestamp (zero when active), intentCount
//	                  uint64 (>= 1), then intents as versions without the
//	                  timestamp, keys ascending; transactions by id ascending
//	checksum          uint32 CRC-32C of every preceding byte
const (
	checkpointMagic         = "PMVC"
	checkpointFormat        = 1
	checkpointHeaderLen     = len(checkpointMagic) + 4 + clock.TimestampKeyLen
	checkpointChecksumLen   = 4
	entryKindValue          = 0
	entryKindTombstone      = 1
	transactionStateActive  = 1
	transactionStatePrepare = 2
	// Smallest encodings, used to reject counts the remaining bytes cannot hold.
	intentEncodedLenMin      = 4 + 1 + 4
	versionEncodedLenMin     = intentEncodedLenMin + clock.TimestampKeyLen
	transactionEncodedLenMin = 2*clock.TimestampKeyLen + 1 + 8 + intentEncodedLenMin
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checkpoint serializes the whole state: versions, intents, transaction
// states with prepare timestamps, and the GC watermark. The same state always
// gives the same bytes.
func (s *Store) Checkpoint() []byte {
	out := make([]byte, 0, checkpointHeaderLen+int(s.approximateBytes)+64)
	out = append(out, checkpointMagic...)
	out = binary.BigEndian.AppendUint32(out, checkpointFormat)
	out = s.watermark.AppendKey(out)
	out = binary.BigEndian.AppendUint64(out, uint64(s.versions.Len()))
	s.versions.Ascend(func(v version) bool {
		out = appendEntry(out, v.key(), &v.timestamp, v.value())
		return true
	})
	ids := slices.SortedFunc(maps.Keys(s.transactions), TxnID.Compare)
	out = binary.BigEndian.AppendUint64(out, uint64(len(ids)))
	for _, id := range ids {
		out = s.appendTransaction(out, id)
	}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func (s *Store) appendTransaction(out []byte, id TxnID) []byte {
	record := s.transactions[id]
	out = id.AppendKey(out)
	if record.prepared {
		out = append(out, transactionStatePrepare)
		out = record.prepareTimestamp.AppendKey(out)
	} else {
		out = append(out, transactionStateActive)
		out = clock.Timestamp{}.AppendKey(out)
	}
	keys := slices.SortedFunc(slices.Values(record.keys), bytes.Compare)
	out = binary.BigEndian.AppendUint64(out, uint64(len(keys)))
	for _, key := range keys {
		it, ok := s.intents.Get(intent{entry: pivotEntry(key), txn: id})
		if !ok {
			panic(fmt.Sprintf("mvcc: invariant broken: txn %v lists key %q without an intent", id, key))
		}
		out = appendEntry(out, it.key(), nil, it.value())
	}
	return out
}

// appendEntry encodes a version (timestamp non-nil) or an intent.
func appendEntry(out, key []byte, timestamp *clock.Timestamp, value []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(key)))
	out = append(out, key...)
	if timestamp != nil {
		out = timestamp.AppendKey(out)
	}
	if value == nil {
		out = append(out, entryKindTombstone)
		return binary.BigEndian.AppendUint32(out, 0)
	}
	out = append(out, entryKindValue)
	out = binary.BigEndian.AppendUint32(out, uint32(len(value)))
	return append(out, value...)
}

// Restore rebuilds a store from Checkpoint bytes. It checks the checksum,
// every length, the order of versions, intents and transactions, and the
// store's invariants, and returns an error wrapping ErrCorruptCheckpoint on
// any violation. It never panics and allocates no more than the input size
// justifies.
func Restore(data []byte, opts Options) (*Store, error) {
	if len(data) < checkpointHeaderLen+checkpointChecksumLen {
		return nil, corrupt("%d bytes, shorter than the %d-byte minimum", len(data), checkpointHeaderLen+checkpointChecksumLen)
	}
	body := data[:len(data)-checkpointChecksumLen]
	want := binary.BigEndian.Uint32(data[len(body):])
	if got := crc32.Checksum(body, castagnoli); got != want {
		return nil, corrupt("checksum 0x%08x, want 0x%08x", got, want)
	}
	d := &decoder{data: body}
	if magic := d.bytes(len(checkpointMagic)); string(magic) != checkpointMagic {
		return nil, corrupt("magic %q, want %q", magic, checkpointMagic)
	}
	if format := d.uint32(); format != checkpointFormat {
		return nil, corrupt("format %d, want %d", format, checkpointFormat)
	}
	s := New(opts)
	s.watermark = d.timestamp()
	if err := s.restoreVersions(d); err != nil {
		return nil, err
	}
	if err := s.restoreTransactions(d); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.offset != len(body) {
		return nil, corrupt("%d trailing bytes at offset %d", len(body)-d.offset, d.offset)
	}
	return s, nil
}

func (s *Store) restoreVersions(d *decoder) error {
	count := d.count(versionEncodedLenMin)
	var previous version
	atOrBelowWatermark := false
	for index := uint64(0); index < count && d.err == nil; index++ {
		offset := d.offset
		key := d.key()
		timestamp := d.timestamp()
		value := d.value()
		if d.err != nil {
			break
		}
		current := version{entry: newEntry(key, value), timestamp: timestamp}
		if !validWriteTimestamp(timestamp) {
			return corrupt("version at offset %d: reserved timestamp %v", offset, timestamp)
		}
		newKey := index == 0 || !bytes.Equal(key, previous.key())
		if index > 0 && !versionLess(previous, current) {
			return corrupt("version at offset %d: out of order", offset)
		}
		if newKey {
			atOrBelowWatermark = false
		}
		if !s.watermark.Less(timestamp) {
			if atOrBelowWatermark || value == nil {
				return corrupt("version at offset %d: key %q keeps a collectable version at %v below watermark %v", offset, key, timestamp, s.watermark)
			}
			atOrBelowWatermark = true
		}
		// The first version of a key is its newest: it goes to latest.
		if newKey {
			s.versions.latest.ReplaceOrInsert(current)
		} else {
			s.versions.history.ReplaceOrInsert(current)
		}
		s.approximateBytes += current.bytes()
		previous = current
	}
	return d.err
}

func (s *Store) restoreTransactions(d *decoder) error {
	count := d.count(transactionEncodedLenMin)
	var previous TxnID
	for index := uint64(0); index < count && d.err == nil; index++ {
		offset := d.offset
		id := d.timestamp()
		state := d.byte()
		prepareTimestamp := d.timestamp()
		if d.err != nil {
			break
		}
		if id.IsZero() || (index > 0 && !previous.Less(id)) {
			return corrupt("transaction at offset %d: id %v zero or out of order", offset, id)
		}
		record := &transaction{}
		switch {
		case state == transactionStateActive && prepareTimestamp.IsZero():
		case state == transactionStatePrepare && validWriteTimestamp(prepareTimestamp):
			record.prepared, record.prepareTimestamp = true, prepareTimestamp
			s.prepared[id] = prepareTimestamp
		default:
			return corrupt("transaction %v at offset %d: state %d with prepare timestamp %v", id, offset, state, prepareTimestamp)
		}
		if err := s.restoreIntents(d, id, record); err != nil {
			return err
		}
		s.transactions[id] = record
		previous = id
	}
	return d.err
}

func (s *Store) restoreIntents(d *decoder, id TxnID, record *transaction) error {
	count := d.count(intentEncodedLenMin)
	if d.err == nil && count == 0 {
		return corrupt("transaction %v at offset %d: no intents", id, d.offset)
	}
	for index := uint64(0); index < count && d.err == nil; index++ {
		offset := d.offset
		key := d.key()
		value := d.value()
		if d.err != nil {
			break
		}
		if index > 0 && bytes.Compare(record.keys[len(record.keys)-1], key) >= 0 {
			return corrupt("intent at offset %d: key %q out of order", offset, key)
		}
		owned := newEntry(key, value)
		s.intents.ReplaceOrInsert(intent{entry: owned, txn: id})
		s.approximateBytes += owned.bytes()
		record.keys = append(record.keys, owned.key())
	}
	return d.err
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorruptCheckpoint, fmt.Sprintf(format, args...))
}

// decoder reads checkpoint fields; the first failure sticks in err and every
// later read returns zero values.
type decoder struct {
	data   []byte
	offset int
	err    error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.data)-d.offset {
		d.err = corrupt("need %d bytes at offset %d, have %d", n, d.offset, len(d.data)-d.offset)
		return nil
	}
	out := d.data[d.offset : d.offset+n]
	d.offset += n
	return out
}

func (d *decoder) byte() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) timestamp() clock.Timestamp {
	b := d.bytes(clock.TimestampKeyLen)
	if b == nil {
		return clock.Timestamp{}
	}
	timestamp, err := clock.DecodeTimestampKey(b)
	if err != nil {
		d.err = corrupt("timestamp at offset %d: %v", d.offset-len(b), err)
	}
	return timestamp
}

// count reads a count and rejects it if the remaining bytes cannot hold that
// many entries of at least entryLenMin bytes each.
func (d *decoder) count(entryLenMin int) uint64 {
	offset := d.offset
	count := d.uint64()
	if d.err == nil && count > uint64(len(d.data)-d.offset)/uint64(entryLenMin) {
		d.err = corrupt("count %d at offset %d exceeds the %d bytes left", count, offset, len(d.data)-d.offset)
		return 0
	}
	return count
}

// key reads a length-prefixed key; the slice aliases the input.
func (d *decoder) key() []byte {
	offset := d.offset
	length := d.uint32()
	if d.err == nil && length > KeyLenMax {
		d.err = corrupt("key length %d at offset %d exceeds %d", length, offset, KeyLenMax)
		return nil
	}
	return d.bytes(int(length))
}

// value reads an entry kind and a length-prefixed value; nil means a
// tombstone, and a live value is non-nil and aliases the input.
func (d *decoder) value() []byte {
	offset := d.offset
	kind := d.byte()
	length := d.uint32()
	if d.err != nil {
		return nil
	}
	switch {
	case kind == entryKindTombstone && length == 0:
		return nil
	case kind != entryKindValue:
		d.err = corrupt("entry kind %d with length %d at offset %d", kind, length, offset)
		return nil
	case length > ValueLenMax:
		d.err = corrupt("value length %d at offset %d exceeds %d", length, offset, ValueLenMax)
		return nil
	}
	raw := d.bytes(int(length))
	if d.err != nil {
		return nil
	}
	return raw[:len(raw):len(raw)]
}
