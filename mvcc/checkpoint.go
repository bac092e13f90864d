package mvcc

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/binenc"
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
	checkpointMagic       = "PMVC"
	checkpointFormat      = 1
	checkpointHeaderLen   = len(checkpointMagic) + 4 + clock.TimestampKeyLen
	checkpointChecksumLen = 4
	entryKindValue        = 0
	entryKindTombstone    = 1
	// Smallest encodings, used to reject counts the remaining bytes cannot hold.
	intentEncodedLenMin      = 4 + 1 + 4
	versionEncodedLenMin     = intentEncodedLenMin + clock.TimestampKeyLen
	transactionEncodedLenMin = LifecycleEncodedLen + 8 + intentEncodedLenMin
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checkpoint serializes the whole state: versions, intents, transaction
// states with prepare timestamps, and the GC watermark. The same state always
// gives the same bytes.
func (s *Store) Checkpoint() []byte {
	return s.AppendCheckpoint(make([]byte, 0, s.CheckpointLen()))
}

// AppendCheckpoint appends Checkpoint's bytes to out and returns the
// extended slice: with CheckpointLen bytes of spare capacity, the store is
// encoded in place, without a buffer of its own. The checksum covers the
// appended bytes only.
func (s *Store) AppendCheckpoint(out []byte) []byte {
	start := len(out)
	out = s.appendCheckpointHead(out)
	s.versions.Ascend(func(v version) bool {
		out = appendEntry(out, v.key(), &v.timestamp, v.value())
		return true
	})
	out = s.appendTransactions(out)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out[start:], castagnoli))
}

// appendCheckpointHead appends what comes before the versions: the
// magic, the format, the watermark and the version count.
func (s *Store) appendCheckpointHead(out []byte) []byte {
	out = append(out, checkpointMagic...)
	out = binary.BigEndian.AppendUint32(out, checkpointFormat)
	out = s.watermark.AppendKey(out)
	return binary.BigEndian.AppendUint64(out, uint64(s.versions.Len()))
}

// appendTransactions appends what comes after the versions (before the
// checksum): the transactions and their intents.
func (s *Store) appendTransactions(out []byte) []byte {
	ids := slices.SortedFunc(maps.Keys(s.transactions), TxnID.Compare)
	out = binary.BigEndian.AppendUint64(out, uint64(len(ids)))
	for _, id := range ids {
		out = s.appendTransaction(out, id)
	}
	return out
}

// FrozenCheckpoint is the store's checkpoint at the moment it was frozen,
// encoded only when written: Checkpoint's bytes, in pieces. Freezing costs
// two btree clones (copy-on-write, as View) and the encoding of the
// transactions (the few in progress); the versions, most of a checkpoint,
// are encoded chunk by chunk as they are written, so a host can write a
// checkpoint to a file without holding a copy of the store. Later writes,
// commits and GC do not change it. FreezeCheckpoint must be called from
// the store's owner; the FrozenCheckpoint may then be written from any
// goroutine, and more than once.
type FrozenCheckpoint struct {
	sealed binenc.Sealed
}

// FreezeCheckpoint returns the store's checkpoint, frozen now.
func (s *Store) FreezeCheckpoint() *FrozenCheckpoint {
	head := s.appendCheckpointHead(nil)
	tail := s.appendTransactions(nil)
	versions := frozenVersions{versions: s.versions.clone(),
		length: s.CheckpointLen() - len(head) - len(tail) - checkpointChecksumLen}
	return &FrozenCheckpoint{sealed: binenc.Sealed{Prefix: head, Inner: versions, Suffix: tail}}
}

// Len is the length of the checkpoint's bytes (CheckpointLen when it was
// frozen).
func (f *FrozenCheckpoint) Len() int { return f.sealed.Len() }

// WriteTo writes the checkpoint's bytes to w, in chunks.
func (f *FrozenCheckpoint) WriteTo(w io.Writer) (int64, error) { return f.sealed.WriteTo(w) }

// frozenVersions is the Stream of a checkpoint's versions.
type frozenVersions struct {
	versions versionSet
	length   int
}

func (f frozenVersions) Len() int { return f.length }

func (f frozenVersions) WriteTo(w io.Writer) (int64, error) {
	chunks := binenc.NewChunkWriter(w)
	f.versions.Ascend(func(v version) bool {
		return chunks.Wrote(appendEntry(chunks.Chunk(), v.key(), &v.timestamp, v.value()))
	})
	return chunks.Flush()
}

// CheckpointLen is the length of Checkpoint's bytes, computed from the
// counters so that the buffer is allocated once at its final size (a
// checkpoint is as large as the store; growing it by doubling would hold
// up to three times that). approximateBytes counts each version's and
// intent's key and value bytes plus itemOverheadBytes; the encoding adds
// versionEncodedLenMin or intentEncodedLenMin instead.
func (s *Store) CheckpointLen() int {
	versions, intents := s.versions.Len(), s.intents.Len()
	dataBytes := int(s.approximateBytes) - itemOverheadBytes*(versions+intents)
	length := checkpointHeaderLen + 8 + dataBytes + versionEncodedLenMin*versions + 8 +
		(LifecycleEncodedLen+8)*len(s.transactions) + intentEncodedLenMin*intents + checkpointChecksumLen
	return max(length, 0)
}

func (s *Store) appendTransaction(out []byte, id TxnID) []byte {
	record := s.transactions[id]
	out = record.AppendCheckpoint(out)
	keys := slices.SortedFunc(slices.Values(record.keys), bytes.Compare)
	out = binary.BigEndian.AppendUint64(out, uint64(len(keys)))
	for _, key := range keys {
		it, ok := s.intents.Get(intent{entry: pivotEntry(key), txn: id})
		if !ok {
			assert.Broken("mvcc: txn %v lists key %q without an intent", id, key)
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
	reader, err := binenc.OpenFrame(data, checkpointMagic, checkpointFormat, ErrCorruptCheckpoint)
	if err != nil {
		return nil, err
	}
	d := &reader
	s := New(opts)
	s.watermark = d.Timestamp()
	if err := s.restoreVersions(d); err != nil {
		return nil, err
	}
	if err := s.restoreTransactions(d); err != nil {
		return nil, err
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) restoreVersions(d *binenc.Reader) error {
	count := d.CountUint64(versionEncodedLenMin)
	var previous version
	atOrBelowWatermark := false
	// The versions come in ascending order; they go into the trees in
	// descending order, which packs the nodes (see compaction in
	// versions.go).
	var newest, older []version
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		offset := d.Offset()
		key := readKey(d)
		timestamp := d.Timestamp()
		value := readValue(d)
		if d.Err() != nil {
			break
		}
		current := version{entry: newEntry(key, value), timestamp: timestamp}
		newKey := index == 0 || !bytes.Equal(key, previous.key())
		if index > 0 && !versionLess(previous, current) {
			return corrupt("version at offset %d: out of order", offset)
		}
		if err := s.checkVersion(offset, current, newKey, &atOrBelowWatermark); err != nil {
			return err
		}
		if newKey {
			newest = append(newest, current)
		} else {
			older = append(older, current)
		}
		s.approximateBytes += current.bytes()
		previous = current
	}
	for _, v := range slices.Backward(newest) {
		s.versions.latest.ReplaceOrInsert(v)
	}
	for _, v := range slices.Backward(older) {
		s.versions.history.ReplaceOrInsert(v)
	}
	s.latestBuiltLen = len(newest)
	return d.Err()
}

// checkVersion checks a restored version: the first version of a key
// (newKey) is its newest. atOrBelowWatermark tracks, per key, whether a
// version at or below the watermark was seen already (only one may stay,
// and no tombstone).
func (s *Store) checkVersion(offset int, current version, newKey bool, atOrBelowWatermark *bool) error {
	if !validWriteTimestamp(current.timestamp) {
		return corrupt("version at offset %d: reserved timestamp %v", offset, current.timestamp)
	}
	if newKey {
		*atOrBelowWatermark = false
	}
	if !s.watermark.Less(current.timestamp) {
		if *atOrBelowWatermark || current.tombstone() {
			return corrupt("version at offset %d: key %q keeps a collectable version at %v below watermark %v", offset,
				current.key(), current.timestamp, s.watermark)
		}
		*atOrBelowWatermark = true
	}
	return nil
}

// placeVersion checks a version (as checkVersion does) and puts it in its
// tree: a key's newest in latest, the others in history.
func (s *Store) placeVersion(offset int, current version, newKey bool, atOrBelowWatermark *bool) error {
	if err := s.checkVersion(offset, current, newKey, atOrBelowWatermark); err != nil {
		return err
	}
	if newKey {
		s.versions.latest.ReplaceOrInsert(current)
	} else {
		s.versions.history.ReplaceOrInsert(current)
	}
	s.approximateBytes += current.bytes()
	return nil
}

func (s *Store) restoreTransactions(d *binenc.Reader) error {
	count := d.CountUint64(transactionEncodedLenMin)
	var previous TxnID
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		offset := d.Offset()
		record := &transaction{Lifecycle: readLifecycle(d)}
		id := record.id
		if d.Err() != nil {
			break
		}
		if index > 0 && !previous.Less(id) {
			return corrupt("transaction at offset %d: id %v out of order", offset, id)
		}
		if record.prepared {
			s.prepared[id] = record.prepareTimestamp
		}
		if err := s.restoreIntents(d, id, record); err != nil {
			return err
		}
		s.transactions[id] = record
		previous = id
	}
	return d.Err()
}

func (s *Store) restoreIntents(d *binenc.Reader, id TxnID, record *transaction) error {
	count := d.CountUint64(intentEncodedLenMin)
	if d.Err() == nil && count == 0 {
		return corrupt("transaction %v at offset %d: no intents", id, d.Offset())
	}
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		offset := d.Offset()
		key := readKey(d)
		value := readValue(d)
		if d.Err() != nil {
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
	return d.Err()
}

func corrupt(format string, args ...any) error {
	return errorf(ErrCorruptCheckpoint, format, args...)
}

// readKey reads a length-prefixed key; the slice aliases the input.
func readKey(r *binenc.Reader) []byte {
	offset := r.Offset()
	length := r.Uint32()
	if r.Err() == nil && length > KeyLenMax {
		r.Failf("key length %d at offset %d exceeds %d", length, offset, KeyLenMax)
		return nil
	}
	return r.Next(int(length))
}

// readValue reads an entry kind and a length-prefixed value; nil means a
// tombstone, and a live value is non-nil and aliases the input (capped).
func readValue(r *binenc.Reader) []byte {
	offset := r.Offset()
	kind := r.Byte()
	length := r.Uint32()
	if r.Err() != nil {
		return nil
	}
	switch {
	case kind == entryKindTombstone && length == 0:
		return nil
	case kind != entryKindValue:
		r.Failf("entry kind %d with length %d at offset %d", kind, length, offset)
		return nil
	case length > ValueLenMax:
		r.Failf("value length %d at offset %d exceeds %d", length, offset, ValueLenMax)
		return nil
	}
	return r.Next(int(length))
}
