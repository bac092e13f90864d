package mvcc

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"unsafe"

	"github.com/proven2pc/proven/clock"
	"pgregory.net/rapid"
)

// checkLayout checks versionSet's invariants directly: latest holds one
// version per key, the newest; history holds only strictly older versions of
// keys that are in latest; and the merged walk sees them all in
// (key ascending, timestamp descending) order.
func checkLayout(t *rapid.T, set versionSet) {
	var previous version
	walked, newestSeen := 0, 0
	set.ascendKeys(func(v version, newest bool) bool {
		if walked > 0 && !versionLess(previous, v) {
			t.Fatalf("walk out of order: %q@%v after %q@%v", v.key(), v.timestamp, previous.key(), previous.timestamp)
		}
		startsKey := walked == 0 || !bytes.Equal(previous.key(), v.key())
		if startsKey != newest {
			t.Fatalf("version %q@%v: starts its key %v, newest %v", v.key(), v.timestamp, startsKey, newest)
		}
		if newest {
			newestSeen++
		}
		walked++
		previous = v
		return true
	})
	if walked != set.Len() || newestSeen != set.latest.Len() {
		t.Fatalf("walked %d versions (%d newest), trees hold %d (%d latest)", walked, newestSeen, set.Len(), set.latest.Len())
	}
	set.history.Ascend(func(v version) bool {
		newest, ok := set.newest(v.key())
		if !ok || !v.timestamp.Less(newest.timestamp) {
			t.Fatalf("history version %q@%v has newest %v (found %v)", v.key(), v.timestamp, newest.timestamp, ok)
		}
		return true
	})
}

// TestLayoutInvariants runs the model test's actions and checks the
// latest/history split after each one, in the store and in every view.
func TestLayoutInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		degree := rapid.SampledFrom([]int{2, 3, 32}).Draw(t, "degree")
		m := &storeMachine{store: New(Options{BTreeDegree: degree}), model: newModel()}
		t.Repeat(map[string]func(*rapid.T){
			"put":          m.put,
			"delete":       m.delete,
			"oneShot":      m.oneShot,
			"preparedPair": m.preparedPair,
			"commit":       m.commit,
			"gc":           m.gc,
			"checkpoint":   m.checkpoint,
			"view":         m.takeView,
			"": func(t *rapid.T) {
				checkLayout(t, m.store.versions)
				for _, frozen := range m.views {
					checkLayout(t, frozen.view.reader.versions)
				}
			},
		})
	})
}

// TestAscendKeysStops checks that the merged walk stops when fn says so,
// both in latest and inside a key's history.
func TestAscendKeysStops(t *testing.T) {
	s := New(Options{BTreeDegree: 2})
	for round := int64(1); round <= 3; round++ {
		txn := TxnID{WallNanos: round, Node: 1}
		for _, key := range []string{"a", "b", "c"} {
			if err := s.Put(txn, []byte(key), []byte{byte(round)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(txn, TxnID{WallNanos: round}); err != nil {
			t.Fatal(err)
		}
	}
	for limit := 1; limit <= 9; limit++ {
		seen := 0
		s.versions.Ascend(func(version) bool {
			seen++
			return seen < limit
		})
		if seen != limit {
			t.Fatalf("walk with limit %d saw %d versions", limit, seen)
		}
	}
}

// TestItemSizes pins the sizes of the btree items: nodes hold them by
// value, so every byte here is paid per version (and again for a node's
// spare slots).
func TestItemSizes(t *testing.T) {
	if size := unsafe.Sizeof(version{}); size != 32 {
		t.Fatalf("version is %d bytes, want 32", size)
	}
	if size := unsafe.Sizeof(intent{}); size != 32 {
		t.Fatalf("intent is %d bytes, want 32", size)
	}
}

// TestCompactLatest: GC rebuilds latest once it has grown enough, with the
// same versions in the same order; a view taken before keeps reading its
// own tree, and a restore builds latest compacted.
func TestCompactLatest(t *testing.T) {
	const keys = latestCompactedLenMin + 100
	s := New(Options{})
	for index := range keys {
		txn := clock.Timestamp{WallNanos: int64(2*index + 10)}
		if err := s.Put(txn, fmt.Appendf(nil, "key%06d", index), fmt.Appendf(nil, "value%d", index)); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(txn, clock.Timestamp{WallNanos: int64(2*index + 11)}); err != nil {
			t.Fatal(err)
		}
	}
	before := s.View()
	oldLatest := s.versions.latest
	s.GC(clock.Timestamp{WallNanos: 1})
	if s.versions.latest == oldLatest || s.latestBuiltLen != keys {
		t.Fatalf("GC did not rebuild latest (built at %d versions)", s.latestBuiltLen)
	}
	read := func(scanned interface {
		Scan(ScanOptions, func(key, value []byte) bool) error
	}) []string {
		var pairs []string
		if err := scanned.Scan(ScanOptions{At: MaxTimestamp}, func(key, value []byte) bool {
			pairs = append(pairs, string(key)+"="+string(value))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return pairs
	}
	got, want := read(s), read(before)
	if len(got) != keys || !slices.Equal(got, want) {
		t.Fatalf("after compaction: %d keys, view before it: %d; equal %v", len(got), len(want), slices.Equal(got, want))
	}
	rapid.Check(t, func(t *rapid.T) { checkLayout(t, s.versions) })
	oldLatest = s.versions.latest
	s.GC(clock.Timestamp{WallNanos: 2})
	if s.versions.latest != oldLatest {
		t.Fatalf("GC rebuilt latest again without growth")
	}
	restored, err := Restore(s.Checkpoint(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if restored.latestBuiltLen != keys || !slices.Equal(read(restored), want) {
		t.Fatalf("restored: built at %d versions, equal %v", restored.latestBuiltLen, slices.Equal(read(restored), want))
	}
}
