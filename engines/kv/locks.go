package kv

import (
	"fmt"
	"slices"

	"github.com/google/btree"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
)

// keySpan is a range of keys [start, end), or [start, ∞) when unbounded.
// It is comparable, so it serves as a map key.
type keySpan struct {
	start     string
	end       string // ignored when unbounded
	unbounded bool
}

// empty reports whether the span holds no key.
func (s keySpan) empty() bool { return !s.unbounded && s.end <= s.start }

// contains reports whether key lies in the span.
func (s keySpan) contains(key string) bool {
	return key >= s.start && (s.unbounded || key < s.end)
}

func (s keySpan) String() string {
	if s.unbounded {
		return fmt.Sprintf("[%q, ∞)", s.start)
	}
	return fmt.Sprintf("[%q, %q)", s.start, s.end)
}

// lockTable holds the key locks of every live transaction:
//   - shared point locks (Get): any number of holders per key;
//   - exclusive point locks (Put, Delete): one holder per key;
//   - shared range locks (Scan): any number of holders per range.
//
// Conflicts: a shared point lock conflicts with another transaction's
// exclusive lock on the key; an exclusive lock conflicts with every other
// transaction's lock on the key or range lock covering it; a range lock
// conflicts with other transactions' exclusive locks inside it.
//
// The table only answers and records; callers check for blockers before
// acquiring, and the transaction records (engine.go) remember what to
// release.
//
// Invariant: no two transactions hold conflicting locks.
type lockTable struct {
	shared    *btree.BTreeG[*sharedLock]
	exclusive *btree.BTreeG[exclusiveLock]
	// segments partitions the whole key space into consecutive segments,
	// each with the transactions whose range locks cover it. A stabbing
	// query (who covers key k?) is one seek; adding or removing a range
	// touches O(log n + segments it covers).
	// Invariant: a segment starts at "" (the smallest key); adjacent
	// segments have different holders.
	segments *btree.BTreeG[*segment]
	// Reused seek pivots, so that lookups do not allocate; the btree never
	// keeps a pivot.
	sharedPivot  sharedLock
	segmentPivot segment
}

// sharedKey returns the reused pivot for a seek to key in shared.
func (t *lockTable) sharedKey(key string) *sharedLock {
	t.sharedPivot.key = key
	return &t.sharedPivot
}

// segmentKey returns the reused pivot for a seek to start in segments.
func (t *lockTable) segmentKey(start string) *segment {
	t.segmentPivot.start = start
	return &t.segmentPivot
}

// sharedLock is a key with its shared holders.
// Invariant: holders is sorted, without repeats, and not empty.
type sharedLock struct {
	key     string
	holders []engines.TxnID
}

// exclusiveLock is a key with its exclusive holder.
type exclusiveLock struct {
	key    string
	holder engines.TxnID
}

// segment covers [start, the next segment's start).
// Invariant: holders is sorted by txn, each with count >= 1.
type segment struct {
	start   string
	holders []rangeHolder
}

// rangeHolder counts one transaction's range locks covering a segment.
type rangeHolder struct {
	txn   engines.TxnID
	count int
}

const lockTableDegree = 16

func newLockTable() *lockTable {
	table := &lockTable{
		shared:    btree.NewG(lockTableDegree, func(a, b *sharedLock) bool { return a.key < b.key }),
		exclusive: btree.NewG(lockTableDegree, func(a, b exclusiveLock) bool { return a.key < b.key }),
		segments:  btree.NewG(lockTableDegree, func(a, b *segment) bool { return a.start < b.start }),
	}
	table.segments.ReplaceOrInsert(&segment{start: ""})
	return table
}

// sharedBlockers returns who keeps txn from a shared lock on key.
func (t *lockTable) sharedBlockers(txn engines.TxnID, key string) []engines.TxnID {
	if lock, ok := t.exclusive.Get(exclusiveLock{key: key}); ok && lock.holder != txn {
		return []engines.TxnID{lock.holder}
	}
	return nil
}

// exclusiveBlockers returns who keeps txn from an exclusive lock on key.
func (t *lockTable) exclusiveBlockers(txn engines.TxnID, key string) []engines.TxnID {
	blockers := t.sharedBlockers(txn, key)
	if lock, ok := t.shared.Get(t.sharedKey(key)); ok {
		for _, holder := range lock.holders {
			if holder != txn {
				blockers = append(blockers, holder)
			}
		}
	}
	for _, holder := range t.segmentAt(key).holders {
		if holder.txn != txn {
			blockers = append(blockers, holder.txn)
		}
	}
	return blockers
}

// rangeBlockers returns who keeps txn from a range lock on span: the
// holders of exclusive locks inside it.
func (t *lockTable) rangeBlockers(txn engines.TxnID, span keySpan) []engines.TxnID {
	var blockers []engines.TxnID
	visit := func(lock exclusiveLock) bool {
		if lock.holder != txn {
			blockers = append(blockers, lock.holder)
		}
		return true
	}
	if span.unbounded {
		t.exclusive.AscendGreaterOrEqual(exclusiveLock{key: span.start}, visit)
	} else {
		t.exclusive.AscendRange(exclusiveLock{key: span.start}, exclusiveLock{key: span.end}, visit)
	}
	return blockers
}

// addShared records txn's shared lock on key.
// Requires: no blockers, and txn holds neither lock on key.
func (t *lockTable) addShared(txn engines.TxnID, key string) {
	lock, ok := t.shared.Get(t.sharedKey(key))
	if !ok {
		t.shared.ReplaceOrInsert(&sharedLock{key: key, holders: []engines.TxnID{txn}})
		return
	}
	index, found := slices.BinarySearchFunc(lock.holders, txn, engines.TxnID.Compare)
	if found {
		assert.Broken("kv: txn %v holds a shared lock on %q twice", txn, key)
	}
	lock.holders = slices.Insert(lock.holders, index, txn)
}

// removeShared drops txn's shared lock on key.
func (t *lockTable) removeShared(txn engines.TxnID, key string) {
	lock, ok := t.shared.Get(t.sharedKey(key))
	if !ok {
		assert.Broken("kv: txn %v releases a shared lock on %q that nobody holds", txn, key)
	}
	index, found := slices.BinarySearchFunc(lock.holders, txn, engines.TxnID.Compare)
	if !found {
		assert.Broken("kv: txn %v releases a shared lock on %q it does not hold", txn, key)
	}
	lock.holders = slices.Delete(lock.holders, index, index+1)
	if len(lock.holders) == 0 {
		t.shared.Delete(lock)
	}
}

// addExclusive records txn's exclusive lock on key.
// Requires: no blockers.
func (t *lockTable) addExclusive(txn engines.TxnID, key string) {
	if previous, replaced := t.exclusive.ReplaceOrInsert(exclusiveLock{key: key, holder: txn}); replaced {
		assert.Broken("kv: exclusive lock on %q granted to %v while %v holds it", key, txn, previous.holder)
	}
}

// removeExclusive drops txn's exclusive lock on key.
func (t *lockTable) removeExclusive(txn engines.TxnID, key string) {
	lock, ok := t.exclusive.Delete(exclusiveLock{key: key})
	if !ok || lock.holder != txn {
		assert.Broken("kv: txn %v releases an exclusive lock on %q it does not hold", txn, key)
	}
}

// segmentAt returns the segment containing key.
func (t *lockTable) segmentAt(key string) *segment {
	var found *segment
	t.segments.DescendLessOrEqual(t.segmentKey(key), func(s *segment) bool {
		found = s
		return false
	})
	if found == nil {
		assert.Broken("kv: no lock segment starts at the empty key")
	}
	return found
}

// split makes a segment start exactly at key.
func (t *lockTable) split(key string) {
	containing := t.segmentAt(key)
	if containing.start != key {
		t.segments.ReplaceOrInsert(&segment{start: key, holders: slices.Clone(containing.holders)})
	}
}

// segmentsIn calls fn for each segment starting inside span.
func (t *lockTable) segmentsIn(span keySpan, fn func(*segment)) {
	visit := func(s *segment) bool {
		fn(s)
		return true
	}
	if span.unbounded {
		t.segments.AscendGreaterOrEqual(&segment{start: span.start}, visit)
	} else {
		t.segments.AscendRange(&segment{start: span.start}, &segment{start: span.end}, visit)
	}
}

// addRange records one more range lock of txn on span.
// Requires: no blockers; span is not empty.
func (t *lockTable) addRange(txn engines.TxnID, span keySpan) {
	t.changeRange(span, func(s *segment) {
		index, found := slices.BinarySearchFunc(s.holders, txn, compareHolder)
		if found {
			s.holders[index].count++
			return
		}
		s.holders = slices.Insert(s.holders, index, rangeHolder{txn: txn, count: 1})
	})
}

// removeRange drops one range lock of txn on span.
func (t *lockTable) removeRange(txn engines.TxnID, span keySpan) {
	t.changeRange(span, func(s *segment) {
		index, found := slices.BinarySearchFunc(s.holders, txn, compareHolder)
		if !found {
			assert.Broken("kv: txn %v releases range %v it does not hold", txn, span)
		}
		s.holders[index].count--
		if s.holders[index].count == 0 {
			s.holders = slices.Delete(s.holders, index, index+1)
		}
	})
}

// changeRange applies change to every segment of span, splitting at the
// span's bounds first and merging there afterwards. Inside the span every
// segment changes alike, so adjacent inner segments stay different; only
// the bounds can need a merge.
func (t *lockTable) changeRange(span keySpan, change func(*segment)) {
	t.split(span.start)
	if !span.unbounded {
		t.split(span.end)
	}
	t.segmentsIn(span, change)
	t.mergeWithPrevious(span.start)
	if !span.unbounded {
		t.mergeWithPrevious(span.end)
	}
}

// mergeWithPrevious deletes the segment starting at start when its
// predecessor has the same holders.
func (t *lockTable) mergeWithPrevious(start string) {
	if start == "" {
		return
	}
	current, ok := t.segments.Get(t.segmentKey(start))
	if !ok {
		return
	}
	var previous *segment
	t.segments.DescendLessOrEqual(t.segmentKey(start), func(s *segment) bool {
		if s.start == start {
			return true
		}
		previous = s
		return false
	})
	if slices.Equal(previous.holders, current.holders) {
		t.segments.Delete(current)
	}
}

func compareHolder(holder rangeHolder, txn engines.TxnID) int { return holder.txn.Compare(txn) }

// isEmpty reports whether the table holds no lock at all.
func (t *lockTable) isEmpty() bool {
	return t.shared.Len() == 0 && t.exclusive.Len() == 0 && t.segments.Len() == 1 && len(t.segmentAt("").holders) == 0
}
