package mvcc

import (
	"bytes"

	"github.com/google/btree"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
)

// versionSet holds the committed versions in two btrees, so that a read at a
// recent snapshot costs the same however many versions a key has: latest
// holds the newest version of each key and stays as small as the key count;
// history holds every older version.
//
// Invariants:
//   - latest holds exactly one version per key that has any version: the one
//     with the largest commit timestamp.
//   - every version in history is strictly older than its key's version in
//     latest (so every key in history is also in latest).
type versionSet struct {
	// latest is ordered by key alone: keys are unique in it.
	latest *btree.BTreeG[version]
	// history is ordered by versionLess: key ascending, timestamp descending.
	history *btree.BTreeG[version]
}

func newVersionSet(degree int) versionSet {
	return versionSet{
		latest:  btree.NewG(degree, keyLess),
		history: btree.NewG(degree, versionLess),
	}
}

// keyLess orders versions by key alone, for the latest tree.
func keyLess(a, b version) bool { return bytes.Compare(a.key(), b.key()) < 0 }

// Compaction. google/btree splits a full node in two halves and the left
// half keeps the full node's array: keys inserted in ascending order (a
// bulk load, a restore, keys that grow with time) leave every node half
// full in an array grown for a full one, so a node's spare slots cost as
// much again as its items (about 66 bytes a version at 32-byte items).
// Inserting in descending order instead leaves each split-off half in an
// array of its own size (about 34 bytes a version). So a restore inserts
// its versions in descending order, and the store rebuilds latest that way
// once it has grown by a quarter since it was last built (at GC, which
// walks every version anyway), up to latestCompactedLenMax versions: a
// rebuild costs one insert per key, and beyond that size the pause would
// be too long for the memory it saves. Compaction changes memory only:
// the same versions, in the same order.
const (
	latestCompactedLenMin = 4096
	latestCompactedLenMax = 1 << 20
)

// compactionDue reports whether latest, built with builtLen versions,
// should be rebuilt: once it holds a quarter more.
func (set versionSet) compactionDue(builtLen int) bool {
	length := set.latest.Len()
	return length >= latestCompactedLenMin && length <= latestCompactedLenMax && 4*length >= 5*builtLen
}

// compactLatest rebuilds latest with the same versions, inserted in
// descending order. Views keep the tree they cloned.
func (set *versionSet) compactLatest(degree int) {
	compacted := btree.NewG(degree, keyLess)
	set.latest.Descend(func(v version) bool {
		compacted.ReplaceOrInsert(v)
		return true
	})
	set.latest = compacted
}

// clone returns a copy-on-write copy of both trees.
func (set versionSet) clone() versionSet {
	return versionSet{latest: set.latest.Clone(), history: set.history.Clone()}
}

// Len is the number of versions, tombstones included.
func (set versionSet) Len() int { return set.latest.Len() + set.history.Len() }

// newest returns the version of key with the largest commit timestamp.
func (set versionSet) newest(key []byte) (version, bool) {
	return set.latest.Get(version{entry: pivotEntry(key)})
}

// visible returns the newest version of key with commit timestamp <= at: a
// lookup in latest, and a seek in history only when the newest version is
// above at.
func (set versionSet) visible(key []byte, at clock.Timestamp) (version, bool) {
	newest, ok := set.newest(key)
	if !ok {
		return version{}, false
	}
	return set.visibleFrom(newest, at)
}

// visibleFrom is visible, given the key's newest version.
func (set versionSet) visibleFrom(newest version, at clock.Timestamp) (version, bool) {
	if !at.Less(newest.timestamp) {
		return newest, true
	}
	key := newest.key()
	var found version
	ok := false
	set.history.AscendGreaterOrEqual(version{entry: pivotEntry(key), timestamp: at}, func(v version) bool {
		if bytes.Equal(v.key(), key) {
			found, ok = v, true
		}
		return false
	})
	return found, ok
}

// Ascend calls fn with every version in (key ascending, timestamp
// descending) order until fn returns false.
func (set versionSet) Ascend(fn func(v version) bool) {
	set.ascendKeys(func(v version, _ bool) bool { return fn(v) })
}

// ascendKeys walks like Ascend and also tells fn whether v is its key's
// newest version (in latest). It walks latest once and seeks into history
// only for keys that have older versions.
func (set versionSet) ascendKeys(fn func(v version, newest bool) bool) {
	next, hasNext := set.history.Min()
	stopped := false
	set.latest.Ascend(func(newest version) bool {
		key := newest.key()
		if !fn(newest, true) {
			stopped = true
			return false
		}
		if !hasNext {
			return true
		}
		if order := bytes.Compare(next.key(), key); order != 0 {
			if order < 0 {
				assert.Broken("mvcc: history holds key %q absent from latest", next.key())
			}
			return true
		}
		more := true
		hasNext = false
		set.history.AscendGreaterOrEqual(next, func(v version) bool {
			if !bytes.Equal(v.key(), key) {
				next, hasNext = v, true
				return false
			}
			more = fn(v, false)
			return more
		})
		stopped = !more
		return more
	})
	if !stopped && hasNext {
		assert.Broken("mvcc: history holds key %q absent from latest", next.key())
	}
}
