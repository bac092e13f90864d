package mvcc

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"maps"
	"slices"

	"github.com/proven2pc/proven/internal/binenc"
)

// Incremental checkpoints. After TrackChanges, a store remembers the keys
// whose committed versions changed (a commit installed a version, GC
// dropped one); CheckpointDelta serializes only those keys, with every
// version each now has, and the whole transaction table (the intents of
// live transactions: as small as the transactions in flight), then
// forgets them. ApplyDelta brings a store restored from the checkpoint
// (or delta) before it up to the delta's state: Restore(full), then
// ApplyDelta of each delta in order, gives the store that wrote the last
// one, byte for byte (its Checkpoint is the same).
//
// Delta format, version 1 (as Checkpoint's, see checkpoint.go):
//
//	magic             4 bytes "PMVD"
//	format            uint32  = 1
//	watermark         timestamp
//	keyCount          uint64
//	  key:            keyLen uint32, key, versionCount uint64 (0: the key
//	                  has no version left), then its versions newest first,
//	                  each as in a checkpoint; keys ascending
//	transactionCount  uint64, then transactions as in a checkpoint
//	checksum          uint32 CRC-32C of every preceding byte
const (
	deltaMagic  = "PMVD"
	deltaFormat = 1
)

// TrackChanges starts (or restarts) remembering which keys' versions
// change, for CheckpointDelta. Without it a store tracks nothing.
func (s *Store) TrackChanges() { s.changed = map[string]struct{}{} }

// noteChanged remembers that key's versions changed, when tracking.
func (s *Store) noteChanged(key []byte) {
	if s.changed != nil {
		s.changed[string(key)] = struct{}{}
	}
}

// CheckpointDelta serializes what changed since TrackChanges or the last
// CheckpointDelta, and starts remembering afresh. Requires: TrackChanges.
func (s *Store) CheckpointDelta() []byte {
	out := append([]byte(deltaMagic), 0, 0, 0, deltaFormat)
	out = s.watermark.AppendKey(out)
	keys := slices.Sorted(maps.Keys(s.changed))
	out = binary.BigEndian.AppendUint64(out, uint64(len(keys)))
	for _, key := range keys {
		versions := s.versionsOf([]byte(key))
		out = binary.BigEndian.AppendUint32(out, uint32(len(key)))
		out = append(out, key...)
		out = binary.BigEndian.AppendUint64(out, uint64(len(versions)))
		for _, v := range versions {
			out = appendEntry(out, v.key(), &v.timestamp, v.value())
		}
	}
	ids := slices.SortedFunc(maps.Keys(s.transactions), TxnID.Compare)
	out = binary.BigEndian.AppendUint64(out, uint64(len(ids)))
	for _, id := range ids {
		out = s.appendTransaction(out, id)
	}
	s.changed = map[string]struct{}{}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// versionsOf returns key's versions, newest first.
func (s *Store) versionsOf(key []byte) []version {
	newest, ok := s.versions.newest(key)
	if !ok {
		return nil
	}
	versions := []version{newest}
	s.versions.history.AscendGreaterOrEqual(version{entry: pivotEntry(key), timestamp: MaxTimestamp}, func(v version) bool {
		if !bytes.Equal(v.key(), key) {
			return false
		}
		versions = append(versions, v)
		return true
	})
	return versions
}

// ApplyDelta applies CheckpointDelta bytes to a store restored from the
// checkpoint or delta written before them. It checks the checksum, every
// length and order, and the watermark rule as Restore does, and returns
// an error wrapping ErrCorruptCheckpoint on any violation, never a panic;
// on an error the store is in no defined state.
func (s *Store) ApplyDelta(data []byte) error {
	reader, err := binenc.OpenFrame(data, deltaMagic, deltaFormat, ErrCorruptCheckpoint)
	if err != nil {
		return err
	}
	d := &reader
	watermark := d.Timestamp()
	if watermark.Less(s.watermark) {
		return corrupt("delta watermark %v below the store's %v", watermark, s.watermark)
	}
	s.watermark = watermark
	if err := s.applyChangedKeys(d); err != nil {
		return err
	}
	s.dropTransactions()
	if err := s.restoreTransactions(d); err != nil {
		return err
	}
	return d.Finish()
}

// applyChangedKeys replaces the versions of each key the delta lists.
func (s *Store) applyChangedKeys(d *binenc.Reader) error {
	count := d.CountUint64(4 + 8)
	var previousKey []byte
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		offset := d.Offset()
		key := readKey(d)
		versionCount := d.CountUint64(versionEncodedLenMin)
		if d.Err() != nil {
			break
		}
		if index > 0 && bytes.Compare(previousKey, key) >= 0 {
			return corrupt("delta key at offset %d: out of order", offset)
		}
		previousKey = key
		s.dropVersions(key)
		if err := s.applyKeyVersions(d, key, versionCount); err != nil {
			return err
		}
	}
	return d.Err()
}

// applyKeyVersions reads one key's versions, newest first, and places
// them as Restore does.
func (s *Store) applyKeyVersions(d *binenc.Reader, key []byte, count uint64) error {
	var previous version
	atOrBelowWatermark := false
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		offset := d.Offset()
		got := readKey(d)
		timestamp := d.Timestamp()
		value := readValue(d)
		if d.Err() != nil {
			break
		}
		if !bytes.Equal(got, key) {
			return corrupt("delta version at offset %d: key %q under key %q", offset, got, key)
		}
		current := version{entry: newEntry(key, value), timestamp: timestamp}
		if index > 0 && !versionLess(previous, current) {
			return corrupt("delta version at offset %d: out of order", offset)
		}
		if err := s.placeVersion(offset, current, index == 0, &atOrBelowWatermark); err != nil {
			return err
		}
		previous = current
	}
	return d.Err()
}

// dropVersions removes every version of key: its newest from latest, the
// others from history.
func (s *Store) dropVersions(key []byte) {
	for index, v := range s.versionsOf(key) {
		tree := s.versions.history
		if index == 0 {
			tree = s.versions.latest
		}
		tree.Delete(v)
		s.approximateBytes -= v.bytes()
	}
}

// dropTransactions removes every transaction and intent.
func (s *Store) dropTransactions() {
	s.intents.Ascend(func(it intent) bool {
		s.approximateBytes -= it.bytes()
		return true
	})
	s.intents.Clear(false)
	clear(s.transactions)
	clear(s.prepared)
}
