package stream

import (
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint format 1. Integers are big-endian and fixed-width; an item
// is a uint32 length and its value encoding; timestamps use
// clock.Timestamp.AppendKey (16 bytes). Every field has one valid
// encoding, so Restore followed by Checkpoint reproduces the input.
//
//	magic         4 bytes "PSTM"
//	format        uint32 = 1
//	last commit   timestamp: the participant's newest commit timestamp
//	items         uint64 count, then each item, by position
//	commits       uint64 count, then each timestamp and latest position
//	              uint64, oldest first
//	transactions  mvcc.Participant.AppendCheckpoint: uint64 count, then by
//	              id ascending: id, stage byte, prepare timestamp, then the
//	              uncommitted appends (uint64 count, each an item) and the
//	              tail lock byte (0 or 1)
//	checksum      uint32 CRC-32C of every preceding byte
//
// The claim sets (tail holders, appenders) are rebuilt from the
// transaction records, and checked against their invariant.
const (
	checkpointMagic  = "PSTM"
	checkpointFormat = 1
	// Smallest encodings, to reject counts the remaining bytes cannot hold.
	itemEncodedLenMin       = 4 + 1
	commitVersionEncodedLen = 16 + 8
	transactionRecordLenMin = 8 + 1
)

// errCorruptCheckpoint is engines.ErrCorruptCheckpoint, naming stream.
var errCorruptCheckpoint = fmt.Errorf("%w: stream", engines.ErrCorruptCheckpoint)

// Checkpoint serializes the whole engine; the same state gives the same
// bytes.
func (e *Engine) Checkpoint() []byte {
	w := binenc.NewWriter(nil)
	w.AppendRaw(binenc.AppendFrameHeader(nil, checkpointMagic, checkpointFormat))
	w.AppendTimestamp(e.transactions.LastCommitTimestamp())
	appendItems(&w, e.items)
	w.AppendUint64(uint64(len(e.commits)))
	for _, version := range e.commits {
		w.AppendTimestamp(version.timestamp)
		w.AppendUint64(version.latest)
	}
	return binenc.Seal(e.transactions.AppendCheckpoint(w.Data(), appendRecord))
}

// appendRecord appends a transaction's uncommitted appends and its tail
// lock.
func appendRecord(out []byte, t *transaction) []byte {
	w := binenc.NewWriter(out)
	appendItems(&w, t.appended)
	w.AppendBool(t.tail)
	return w.Data()
}

func appendItems(w *binenc.Writer, items [][]byte) {
	w.AppendUint64(uint64(len(items)))
	for _, item := range items {
		w.AppendUint32(uint32(len(item)))
		w.AppendRaw(item)
	}
}

// readItems reads what appendItems wrote, at most countMax items, each
// checked to be one canonical value encoding. The items are copied out
// of the checkpoint in one allocation.
func readItems(r *binenc.Reader, what string, countMax uint64) [][]byte {
	offset := r.Offset()
	count := r.CountUint64(itemEncodedLenMin)
	if count > countMax {
		r.Failf("%s: %d items at offset %d, at most %d", what, count, offset, countMax)
		return nil
	}
	items := make([][]byte, 0, count)
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		itemOffset := r.Offset()
		item := r.Next(int(r.Uint32()))
		if r.Err() != nil {
			break
		}
		if _, err := value.Decode(item); err != nil || len(item) > mvcc.ValueLenMax {
			r.Failf("%s: item %d at offset %d is not a value encoding of at most %d bytes", what, index, itemOffset, mvcc.ValueLenMax)
			break
		}
		items = append(items, item)
	}
	return cloneItems(items)
}

// cloneItems copies items into one new backing array.
func cloneItems(items [][]byte) [][]byte {
	size := 0
	for _, item := range items {
		size += len(item)
	}
	backing := make([]byte, 0, size)
	clones := make([][]byte, len(items))
	for index, item := range items {
		start := len(backing)
		backing = append(backing, item...)
		clones[index] = backing[start:len(backing):len(backing)]
	}
	return clones
}

// Restore rebuilds an engine from a Checkpoint (nil or empty: a new
// engine). Bad input returns an error matching
// engines.ErrCorruptCheckpoint, never a panic.
func Restore(checkpoint []byte) (engines.Engine, error) {
	e := NewEngine()
	if len(checkpoint) == 0 {
		return e, nil
	}
	reader, err := binenc.OpenFrame(checkpoint, checkpointMagic, checkpointFormat, errCorruptCheckpoint)
	if err != nil {
		return nil, err
	}
	if err := e.restore(&reader); err != nil {
		return nil, err
	}
	return e, nil
}

// restore reads the body of a checkpoint's frame into e, a new engine.
func (e *Engine) restore(r *binenc.Reader) error {
	lastCommitOffset := r.Offset()
	lastCommit := r.Timestamp()
	if lastCommit == mvcc.MaxTimestamp {
		r.Failf("last commit at offset %d is the largest timestamp", lastCommitOffset)
	}
	e.transactions.RestoreLastCommitTimestamp(lastCommit)
	e.items = readItems(r, "items", ^uint64(0))
	e.commits = readCommits(r, e.latest())
	if last := len(e.commits) - 1; r.Err() == nil && last >= 0 && lastCommit.Less(e.commits[last].timestamp) {
		r.Failf("last commit %v at offset %d before the append committed at %v", lastCommit, lastCommitOffset, e.commits[last].timestamp)
	}
	if r.Err() != nil {
		return r.Err()
	}
	if err := e.transactions.RestoreCheckpoint(r, transactionRecordLenMin, e.restoreRecord); err != nil {
		return err
	}
	return r.Finish()
}

// readCommits reads the commit versions and checks their invariant:
// timestamps valid and strictly increasing, latest positions strictly
// increasing from at least 1, the last one latest (none: latest is 0).
func readCommits(r *binenc.Reader, latest uint64) []commitVersion {
	count := r.CountUint64(commitVersionEncodedLen)
	versions := make([]commitVersion, 0, count)
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		offset := r.Offset()
		next := commitVersion{timestamp: r.Timestamp(), latest: r.Uint64()}
		valid := !next.timestamp.IsZero() && next.timestamp != mvcc.MaxTimestamp && next.latest >= 1 && next.latest <= latest
		if index > 0 {
			previous := versions[index-1]
			valid = valid && previous.timestamp.Less(next.timestamp) && previous.latest < next.latest
		}
		if r.Err() == nil && !valid {
			r.Failf("commit %d at offset %d (latest %d at %v) invalid or out of order", index, offset, next.latest, next.timestamp)
		}
		versions = append(versions, next)
	}
	lastLatest := uint64(0)
	if len(versions) > 0 {
		lastLatest = versions[len(versions)-1].latest
	}
	if lastLatest != latest {
		r.Failf("commits end at position %d, the items at %d", lastLatest, latest)
	}
	return versions
}

// restoreRecord reads a restored transaction's appends and tail lock and
// registers its claims, checking the claims' invariant.
func (e *Engine) restoreRecord(r *binenc.Reader, t *transaction) error {
	t.appended = readItems(r, "appends", TransactionAppendsMax)
	offset := r.Offset()
	tail := r.Byte()
	if tail > 1 {
		r.Failf("tail lock byte %d at offset %d", tail, offset)
	}
	t.tail = tail == 1
	if r.Err() != nil {
		return r.Err()
	}
	if len(t.appended) > 0 {
		e.appenders.Add(t.ID())
	}
	if t.tail {
		e.tailHolders.Add(t.ID())
	}
	if !e.claimsConsistent() {
		return fmt.Errorf("tail holders %v beside appenders %v", e.tailHolders, e.appenders)
	}
	return nil
}
