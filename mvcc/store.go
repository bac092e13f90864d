package mvcc

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"unsafe"

	"github.com/google/btree"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
)

// TxnID identifies a transaction: an HLC timestamp whose Node is the
// coordinator's id. Smaller is older. The zero TxnID means "no transaction".
type TxnID = clock.Timestamp

// MaxTimestamp is the largest timestamp. A read at MaxTimestamp reads the
// latest committed state. It is reserved: no version, prepare or commit
// carries it.
var MaxTimestamp = clock.Timestamp{WallNanos: math.MaxInt64, Logical: math.MaxUint32, Node: math.MaxUint32}

// minTimestamp is the smallest timestamp, used as a seek pivot that sorts
// before every transaction id.
var minTimestamp = clock.Timestamp{WallNanos: math.MinInt64}

const (
	// KeyLenMax is the longest key the store accepts, in bytes.
	KeyLenMax = 1 << 16
	// ValueLenMax is the longest value the store accepts, in bytes.
	ValueLenMax = 1 << 26

	btreeDegreeDefault = 32
	// itemOverheadBytes approximates the memory of one btree item beyond its
	// key and value bytes (slice headers, timestamp, node slot).
	itemOverheadBytes = 64
)

// Options configures a Store.
type Options struct {
	// BTreeDegree is the degree of the underlying btrees. Values below 2
	// select the default (32). It changes performance, never results.
	BTreeDegree int
}

// entry is a key and a value (or a tombstone) in one allocation, kept small
// because btree nodes hold items by value: the smaller the item, the fewer
// cache lines a seek touches and the less memory a node's spare slots take.
// It is a pointer and two lengths (16 bytes) instead of a slice header, a
// length and a flag (32 bytes): a version is then 32 bytes, not 48.
type entry struct {
	// data points to the key's first byte, followed by the value's. It is
	// the start of an allocation made by newEntry, or a caller's key in a
	// pivot; nil only when key and value are both empty and nothing points
	// anywhere.
	data   *byte
	keyLen uint32
	// valueLen is the value's length, or tombstoneLen for a tombstone.
	valueLen uint32
}

// tombstoneLen marks a tombstone in entry.valueLen; no value is that long
// (ValueLenMax is far below it).
const tombstoneLen = math.MaxUint32

// newEntry packs key and value into one new allocation; a nil value makes a
// tombstone.
func newEntry(key, value []byte) entry {
	data := make([]byte, len(key)+len(value))
	copy(data, key)
	copy(data[len(key):], value)
	valueLen := uint32(len(value))
	if value == nil {
		valueLen = tombstoneLen
	}
	return entry{data: unsafe.SliceData(data), keyLen: uint32(len(key)), valueLen: valueLen}
}

// pivotEntry wraps key, without copying, for a btree seek.
func pivotEntry(key []byte) entry {
	return entry{data: unsafe.SliceData(key), keyLen: uint32(len(key)), valueLen: tombstoneLen}
}

// tombstone reports whether e deletes its key.
func (e entry) tombstone() bool { return e.valueLen == tombstoneLen }

// key returns the key, capped so an append cannot reach the value.
func (e entry) key() []byte { return unsafe.Slice(e.data, e.keyLen) }

// value returns the value, nil for a tombstone. Invariant: a live value is
// non-nil, even when empty.
func (e entry) value() []byte {
	switch {
	case e.tombstone():
		return nil
	case e.valueLen == 0:
		return []byte{}
	}
	return unsafe.Slice(e.data, e.keyLen+e.valueLen)[e.keyLen:]
}

// dataLen is the length of the key and the value together.
func (e entry) dataLen() int {
	if e.tombstone() {
		return int(e.keyLen)
	}
	return int(e.keyLen) + int(e.valueLen)
}

// version is one committed value of a key.
type version struct {
	entry
	timestamp clock.Timestamp
}

// versionLess orders versions by key ascending, then commit timestamp
// descending, so that the first version at or after (key, T) is the newest
// version of key at or below T.
func versionLess(a, b version) bool {
	if order := bytes.Compare(a.key(), b.key()); order != 0 {
		return order < 0
	}
	return b.timestamp.Less(a.timestamp)
}

// intent is one transaction's uncommitted write or delete (tombstone) of a
// key.
type intent struct {
	entry
	txn TxnID
}

// intentLess orders intents by key ascending, then transaction id ascending
// (oldest first), so a reader meets the smallest blocking id first.
func intentLess(a, b intent) bool {
	if order := bytes.Compare(a.key(), b.key()); order != 0 {
		return order < 0
	}
	return a.txn.Less(b.txn)
}

// transaction is the store's record of a transaction that holds intents.
// When a Participant runs the transaction, the Lifecycle here mirrors the
// participant's.
type transaction struct {
	Lifecycle
	// keys lists the keys this transaction holds intents on, in the order of
	// first write. Invariant: non-empty, no duplicates, and each key has an
	// intent of this transaction in Store.intents.
	keys [][]byte
}

// Store is the multi-version store. It is not safe for concurrent use; a
// View taken from it may be read concurrently with later Store calls.
type Store struct {
	reader
	// transactions holds every Active or Prepared transaction.
	// Invariant: a transaction is here iff it has at least one intent.
	transactions map[TxnID]*transaction
	// approximateBytes sums key and value lengths plus itemOverheadBytes over
	// versions and intents.
	approximateBytes int64
	// spareTransactions are emptied records of forgotten transactions,
	// reused by the next ones. Invariant: none is in transactions.
	spareTransactions spares[transaction]
	// displacedScratch is Commit's working list, kept for its capacity.
	// Invariant: empty (and cleared) between calls.
	displacedScratch []displacedVersion
	// changed holds the keys whose versions changed since TrackChanges or
	// the last CheckpointDelta (nil: not tracking; see delta.go).
	changed map[string]struct{}
	// degree is the btrees' degree.
	degree int
	// latestBuiltLen is the number of versions in latest when it was last
	// built in descending order (see compaction in versions.go).
	latestBuiltLen int
}

// Stats are the store's counters.
type Stats struct {
	Keys             int // distinct keys with at least one version (tombstones included)
	Versions         int // committed versions, tombstones included
	Intents          int // uncommitted writes and deletes
	Transactions     int // Active or Prepared transactions
	ApproximateBytes int64
}

// New returns an empty store.
func New(opts Options) *Store {
	degree := opts.BTreeDegree
	if degree < 2 {
		degree = btreeDegreeDefault
	}
	return &Store{
		reader: reader{
			versions: newVersionSet(degree),
			intents:  btree.NewG(degree, intentLess),
			prepared: map[TxnID]clock.Timestamp{},
		},
		transactions: map[TxnID]*transaction{},
		degree:       degree,
	}
}

// Put records txn's intent to write value at key, replacing txn's earlier
// intent on key. The store copies key and value.
func (s *Store) Put(txn TxnID, key, value []byte) error {
	if len(value) > ValueLenMax {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrValueTooLarge, len(value), ValueLenMax)
	}
	return s.write(txn, key, value, false)
}

// Delete records txn's intent to delete key (a tombstone once committed),
// replacing txn's earlier intent on key.
func (s *Store) Delete(txn TxnID, key []byte) error {
	return s.write(txn, key, nil, true)
}

func (s *Store) write(txn TxnID, key, value []byte, tombstone bool) error {
	if txn.IsZero() {
		return ErrInvalidTransaction
	}
	if len(key) > KeyLenMax {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrKeyTooLarge, len(key), KeyLenMax)
	}
	record := s.transactions[txn]
	if record != nil && record.prepared {
		return fmt.Errorf("%w: txn %v cannot write key %q after prepare at %v", ErrTransactionPrepared, txn, key, record.prepareTimestamp)
	}
	if !tombstone && value == nil {
		value = []byte{}
	}
	owned := newEntry(key, value)
	if record == nil {
		record = s.spareTransactions.get()
		record.id = txn
		s.transactions[txn] = record
	}
	previous, replaced := s.intents.ReplaceOrInsert(intent{entry: owned, txn: txn})
	if replaced {
		s.approximateBytes -= previous.bytes()
	} else {
		record.keys = append(record.keys, owned.key())
	}
	s.approximateBytes += owned.bytes()
	return nil
}

// Prepare marks txn Prepared at prepareTimestamp: it may no longer write, and
// readers at or above prepareTimestamp that meet its intents are blocked.
// Preparing again at the same timestamp is a no-op.
func (s *Store) Prepare(txn TxnID, prepareTimestamp clock.Timestamp) error {
	record := s.transactions[txn]
	if record == nil {
		return fmt.Errorf("%w: prepare of txn %v", ErrUnknownTransaction, txn)
	}
	if err := record.checkPrepare(prepareTimestamp); err != nil {
		return err
	}
	s.prepare(txn, record, prepareTimestamp)
	return nil
}

// prepare marks record Prepared. Requires: record.checkPrepare passed.
func (s *Store) prepare(txn TxnID, record *transaction, prepareTimestamp clock.Timestamp) {
	record.prepared = true
	record.prepareTimestamp = prepareTimestamp
	s.prepared[txn] = prepareTimestamp
}

// Commit turns every intent of txn into a version stamped commitTimestamp,
// atomically: it validates first and changes nothing if any check fails.
// It accepts Prepared transactions and Active ones (one-phase commit).
//
// The per-key check (commitTimestamp above the key's newest version) is
// fused with the install: each key's version replaces the newest one in
// the latest tree in one descent, and the displaced version is checked
// there. A failed check puts back every key replaced so far, so the store
// ends as it began; only then do displaced versions move to history.
func (s *Store) Commit(txn TxnID, commitTimestamp clock.Timestamp) error {
	record := s.transactions[txn]
	if record == nil {
		return fmt.Errorf("%w: commit of txn %v", ErrUnknownTransaction, txn)
	}
	if err := record.checkCommit(commitTimestamp); err != nil {
		return err
	}
	return s.commit(txn, record, commitTimestamp)
}

// commit is Commit of txn, whose record is record.
// Requires: record.checkCommit(commitTimestamp) passed.
func (s *Store) commit(txn TxnID, record *transaction, commitTimestamp clock.Timestamp) error {
	if !s.watermark.Less(commitTimestamp) {
		return fmt.Errorf("%w: txn %v commit %v <= watermark %v", ErrCommitBelowWatermark, txn, commitTimestamp, s.watermark)
	}
	displaced := s.displacedScratch[:0]
	for _, key := range record.keys {
		removed, ok := s.intents.Delete(intent{entry: pivotEntry(key), txn: txn})
		if !ok {
			assert.Broken("mvcc: txn %v lists key %q without an intent", txn, key)
		}
		installed := version{entry: removed.entry, timestamp: commitTimestamp}
		previous, replaced := s.versions.latest.ReplaceOrInsert(installed)
		displaced = append(displaced, displacedVersion{installed: installed, previous: previous, replaced: replaced})
		if replaced && !previous.timestamp.Less(commitTimestamp) {
			s.undoInstalls(txn, displaced)
			return fmt.Errorf("%w: txn %v commit %v <= version %v of key %q", ErrWriteTooOld, txn, commitTimestamp, previous.timestamp, key)
		}
	}
	for _, moved := range displaced {
		if moved.replaced {
			s.versions.history.ReplaceOrInsert(moved.previous)
		}
		s.noteChanged(moved.installed.key())
	}
	clear(displaced)
	s.displacedScratch = displaced[:0]
	s.forget(txn, record)
	return nil
}

// displacedVersion is one key's step in Commit: the version installed in
// latest and the newest version it replaced there, if any.
type displacedVersion struct {
	installed version
	previous  version
	replaced  bool
}

// undoInstalls reverses Commit's installs, newest first: each key's newest
// version and its intent of txn are put back.
func (s *Store) undoInstalls(txn TxnID, displaced []displacedVersion) {
	for index := len(displaced) - 1; index >= 0; index-- {
		step := displaced[index]
		if step.replaced {
			s.versions.latest.ReplaceOrInsert(step.previous)
		} else {
			s.versions.latest.Delete(step.installed)
		}
		s.intents.ReplaceOrInsert(intent{entry: step.installed.entry, txn: txn})
	}
	clear(displaced)
	s.displacedScratch = displaced[:0]
}

// Abort discards every intent of txn, Active or Prepared.
func (s *Store) Abort(txn TxnID) error {
	record := s.transactions[txn]
	if record == nil {
		return fmt.Errorf("%w: abort of txn %v", ErrUnknownTransaction, txn)
	}
	s.abort(txn, record)
	return nil
}

// abort is Abort of txn, whose record is record.
func (s *Store) abort(txn TxnID, record *transaction) {
	for _, key := range record.keys {
		removed, ok := s.intents.Delete(intent{entry: pivotEntry(key), txn: txn})
		if !ok {
			assert.Broken("mvcc: txn %v lists key %q without an intent", txn, key)
		}
		s.approximateBytes -= removed.bytes()
	}
	s.forget(txn, record)
}

// forget drops txn's record and keeps it, emptied, for a later transaction
// (up to sparesMax of them): the record is reachable from nowhere else, so
// nothing of txn can leak into its next user.
func (s *Store) forget(txn TxnID, record *transaction) {
	delete(s.transactions, txn)
	if record.prepared {
		delete(s.prepared, txn)
	}
	if s.spareTransactions.full() {
		return
	}
	clear(record.keys)
	*record = transaction{keys: record.keys[:0]}
	s.spareTransactions.put(record)
}

// GC raises the watermark and drops versions no read at or above it can see:
// per key it keeps every version newer than watermark and the newest version
// at or below it, unless that one is a tombstone. A watermark at or below the
// current one changes nothing. Cost: one pass over all versions (a walk of
// latest plus one history seek per key that has older versions).
func (s *Store) GC(watermark clock.Timestamp) {
	if !s.watermark.Less(watermark) {
		return
	}
	s.watermark = watermark
	var doomed, doomedNewest []version
	passedWatermark := false
	s.versions.ascendKeys(func(v version, newest bool) bool {
		if newest {
			passedWatermark = false
		}
		switch {
		case watermark.Less(v.timestamp):
		case !passedWatermark && !v.tombstone():
			passedWatermark = true
		case newest:
			// A tombstone at or below the watermark: every older version is
			// below it too and goes with it, so the key disappears.
			passedWatermark = true
			doomedNewest = append(doomedNewest, v)
		default:
			passedWatermark = true
			doomed = append(doomed, v)
		}
		return true
	})
	s.collect(s.versions.history, doomed)
	s.collect(s.versions.latest, doomedNewest)
	if s.versions.compactionDue(s.latestBuiltLen) {
		s.versions.compactLatest(s.degree)
		s.latestBuiltLen = s.versions.latest.Len()
	}
}

// collect removes the versions GC doomed from tree.
func (s *Store) collect(tree *btree.BTreeG[version], doomed []version) {
	for _, v := range doomed {
		if _, ok := tree.Delete(v); !ok {
			assert.Broken("mvcc: GC lost version %q@%v", v.key(), v.timestamp)
		}
		s.approximateBytes -= v.bytes()
		s.noteChanged(v.key())
	}
}

// Watermark returns the GC watermark: reads below it fail.
func (s *Store) Watermark() clock.Timestamp { return s.watermark }

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Keys:             s.versions.latest.Len(),
		Versions:         s.versions.Len(),
		Intents:          s.intents.Len(),
		Transactions:     len(s.transactions),
		ApproximateBytes: s.approximateBytes,
	}
}

// View returns a read-only snapshot of the store's current state. Later
// writes, commits and GC do not change it. View must be called from the
// store's owner; the returned View may then be read from any goroutine.
func (s *Store) View() *View {
	return &View{reader: reader{
		versions:  s.versions.clone(),
		intents:   s.intents.Clone(),
		prepared:  maps.Clone(s.prepared),
		watermark: s.watermark,
	}}
}

// Get reads key at opts.At; see ReadOptions for the rules.
func (s *Store) Get(key []byte, opts ReadOptions) (value []byte, found bool, err error) {
	return s.reader.get(key, opts)
}

// Scan calls fn for each visible key in range, in order; see ScanOptions.
func (s *Store) Scan(opts ScanOptions, fn func(key, value []byte) bool) error {
	return s.reader.scan(opts, fn)
}

// validWriteTimestamp reports whether t may stamp a prepare or a commit.
func validWriteTimestamp(t clock.Timestamp) bool {
	return !t.IsZero() && t != MaxTimestamp
}

// bytes is e's contribution to Stats.ApproximateBytes.
func (e entry) bytes() int64 { return int64(e.dataLen() + itemOverheadBytes) }
