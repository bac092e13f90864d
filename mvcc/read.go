package mvcc

import (
	"bytes"
	"fmt"

	"github.com/google/btree"
	"github.com/proven2pc/proven/clock"
)

// ReadOptions says how to read one key.
type ReadOptions struct {
	// At is the snapshot timestamp: the read sees versions with commit
	// timestamp <= At. Use MaxTimestamp for the latest state. At must not be
	// below the GC watermark.
	At clock.Timestamp
	// Txn, when not zero, is the reading transaction: its own intents
	// override committed versions (read-your-own-writes).
	Txn TxnID
}

// ScanOptions says which keys to read and how.
type ScanOptions struct {
	Start []byte // inclusive; nil = from the smallest key
	End   []byte // exclusive; nil = unbounded (an empty non-nil End is an empty range)
	// Reverse scans from the largest key in range down to Start.
	Reverse bool
	// Limit stops the scan after that many keys were delivered; <= 0 = no limit.
	Limit int
	At    clock.Timestamp // as in ReadOptions
	Txn   TxnID           // as in ReadOptions
}

// View is a read-only snapshot of a Store, taken by Store.View. It stays
// valid and unchanged while the Store keeps changing.
type View struct {
	reader reader
}

// Get reads key at opts.At as of the moment the View was taken.
func (v *View) Get(key []byte, opts ReadOptions) (value []byte, found bool, err error) {
	return v.reader.get(key, opts)
}

// Scan scans the View as Store.Scan scans the store.
func (v *View) Scan(opts ScanOptions, fn func(key, value []byte) bool) error {
	return v.reader.scan(opts, fn)
}

// reader holds everything reads need, shared by Store and View.
type reader struct {
	versions versionSet
	intents  *btree.BTreeG[intent]
	// prepared maps each Prepared transaction to its prepare timestamp.
	// Invariant: mirrors Store.transactions' Prepared entries.
	prepared  map[TxnID]clock.Timestamp
	watermark clock.Timestamp
}

// keyIntents sums up the intents on one key that matter to one reader.
type keyIntents struct {
	key      []byte
	own      bool
	ownValue []byte // nil = own delete
	blocked  *BlockedError
}

func (k *keyIntents) relevant() bool { return k.own || k.blocked != nil }

// note folds one intent on k.key into k. Intents arrive in transaction id
// order, so the first blocker noted is the smallest id.
func (r *reader) note(k *keyIntents, it intent, txn TxnID, at clock.Timestamp) {
	if !txn.IsZero() && it.txn == txn {
		k.own, k.ownValue = true, it.value()
		return
	}
	if k.blocked != nil {
		return
	}
	prepareTimestamp, prepared := r.prepared[it.txn]
	if prepared && !at.Less(prepareTimestamp) {
		k.blocked = &BlockedError{Txn: it.txn, Key: it.key(), PrepareTimestamp: prepareTimestamp}
	}
}

// intentsMatter reports whether any intent can change a read by txn: only
// own intents and Prepared transactions' intents ever do.
func (r *reader) intentsMatter(txn TxnID) bool {
	return r.intents.Len() > 0 && (len(r.prepared) > 0 || !txn.IsZero())
}

func (r *reader) checkWatermark(at clock.Timestamp) error {
	if at.Less(r.watermark) {
		return fmt.Errorf("%w: read at %v, watermark %v", ErrBelowWatermark, at, r.watermark)
	}
	return nil
}

func (r *reader) get(key []byte, opts ReadOptions) ([]byte, bool, error) {
	if err := r.checkWatermark(opts.At); err != nil {
		return nil, false, err
	}
	if r.intentsMatter(opts.Txn) {
		summary := r.examineIntents(key, opts)
		if summary.own {
			return summary.ownValue, summary.ownValue != nil, nil
		}
		if summary.blocked != nil {
			return nil, false, summary.blocked
		}
	}
	v, ok := r.versions.visible(key, opts.At)
	if !ok || v.tombstone() {
		return nil, false, nil
	}
	return v.value(), true, nil
}

// examineIntents sums up the intents on key for a read.
func (r *reader) examineIntents(key []byte, opts ReadOptions) keyIntents {
	summary := keyIntents{key: key}
	r.intents.AscendGreaterOrEqual(intent{entry: pivotEntry(key), txn: minTimestamp}, func(it intent) bool {
		if !bytes.Equal(it.key(), key) {
			return false
		}
		r.note(&summary, it, opts.Txn, opts.At)
		return true
	})
	return summary
}

// scan delivers, in scan order, each key in range whose read at opts.At
// would find a value, applying Get's rules to every key. At the first key
// blocked by a prepared intent it stops and returns the *BlockedError; fn has
// then seen the keys before it.
func (r *reader) scan(opts ScanOptions, fn func(key, value []byte) bool) error {
	if err := r.checkWatermark(opts.At); err != nil {
		return err
	}
	s := &scanner{opts: opts, fn: fn, versions: r.versions}
	if r.intentsMatter(opts.Txn) {
		s.pending = r.collectIntents(opts)
	}
	if opts.Reverse {
		s.runReverse()
	} else {
		s.runForward()
	}
	return s.err
}

// collectIntents returns the keys in range whose intents matter to the scan,
// in scan order.
func (r *reader) collectIntents(opts ScanOptions) []keyIntents {
	var collected []keyIntents
	current := keyIntents{}
	started := false
	r.intents.AscendGreaterOrEqual(intent{entry: pivotEntry(opts.Start), txn: minTimestamp}, func(it intent) bool {
		key := it.key()
		if opts.End != nil && bytes.Compare(key, opts.End) >= 0 {
			return false
		}
		if !started || !bytes.Equal(key, current.key) {
			if started && current.relevant() {
				collected = append(collected, current)
			}
			started, current = true, keyIntents{key: key}
		}
		r.note(&current, it, opts.Txn, opts.At)
		return true
	})
	if started && current.relevant() {
		collected = append(collected, current)
	}
	if opts.Reverse {
		for low, high := 0, len(collected)-1; low < high; low, high = low+1, high-1 {
			collected[low], collected[high] = collected[high], collected[low]
		}
	}
	return collected
}

// scanner merges the keys in range, each read at opts.At, with the relevant
// intent keys. It walks the latest tree, one item per key, and seeks into
// history only for keys whose newest version is above opts.At.
type scanner struct {
	opts      ScanOptions
	fn        func(key, value []byte) bool
	versions  versionSet
	pending   []keyIntents // relevant intent keys not yet passed, in scan order
	delivered int
	done      bool // the limit was reached, fn asked to stop, or err was set
	err       error
}

func (s *scanner) runForward() {
	s.versions.latest.AscendGreaterOrEqual(version{entry: pivotEntry(s.opts.Start)}, s.forwardKey)
	s.flushAllPending()
}

// forwardKey sees each key's newest version, by key ascending.
func (s *scanner) forwardKey(newest version) bool {
	if s.opts.End != nil && bytes.Compare(newest.key(), s.opts.End) >= 0 {
		return false
	}
	return s.readKey(newest)
}

func (s *scanner) runReverse() {
	if s.opts.End == nil {
		s.versions.latest.Descend(s.reverseKey)
	} else {
		s.versions.latest.DescendLessOrEqual(version{entry: pivotEntry(s.opts.End)}, s.reverseKey)
	}
	s.flushAllPending()
}

// reverseKey sees each key's newest version, by key descending.
func (s *scanner) reverseKey(newest version) bool {
	key := newest.key()
	if s.opts.End != nil && bytes.Compare(key, s.opts.End) >= 0 {
		return true
	}
	if bytes.Compare(key, s.opts.Start) < 0 {
		return false
	}
	return s.readKey(newest)
}

// readKey visits the key of newest if it has a version visible at opts.At.
// The common case, newest visible, needs no call into history.
func (s *scanner) readKey(newest version) bool {
	if !s.opts.At.Less(newest.timestamp) {
		s.visit(newest)
	} else if v, ok := s.versions.visibleFrom(newest, s.opts.At); ok {
		s.visit(v)
	}
	return !s.done
}

// visit handles a key whose visible version is v: intent keys before it go
// first, and the key's own intents override v.
func (s *scanner) visit(v version) {
	key := v.key()
	s.flushPending(key)
	if s.done {
		return
	}
	if len(s.pending) > 0 && bytes.Equal(s.pending[0].key, key) {
		s.resolve(s.pending[0])
		s.pending = s.pending[1:]
		return
	}
	if !v.tombstone() {
		s.emit(key, v.value())
	}
}

// flushPending resolves the pending intent keys that come before key in
// scan order.
func (s *scanner) flushPending(key []byte) {
	for !s.done && len(s.pending) > 0 {
		if !s.before(s.pending[0].key, key) {
			return
		}
		next := s.pending[0]
		s.pending = s.pending[1:]
		s.resolve(next)
	}
}

// flushAllPending resolves every pending intent key left after the versions
// in range ran out.
func (s *scanner) flushAllPending() {
	for !s.done && len(s.pending) > 0 {
		next := s.pending[0]
		s.pending = s.pending[1:]
		s.resolve(next)
	}
}

func (s *scanner) before(a, b []byte) bool {
	if s.opts.Reverse {
		return bytes.Compare(a, b) > 0
	}
	return bytes.Compare(a, b) < 0
}

func (s *scanner) resolve(k keyIntents) {
	if k.own {
		if k.ownValue != nil {
			s.emit(k.key, k.ownValue)
		}
		return
	}
	s.err = k.blocked
	s.done = true
}

func (s *scanner) emit(key, value []byte) {
	s.delivered++
	if !s.fn(key, value) {
		s.done = true
	}
	if s.opts.Limit > 0 && s.delivered >= s.opts.Limit {
		s.done = true
	}
}
