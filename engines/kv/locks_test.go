package kv

import (
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"pgregory.net/rapid"
)

// naiveLock is one lock in the reference list of TestLockTableExact.
type naiveLock struct {
	txn       engines.TxnID
	exclusive bool
	key       string // point locks
	span      keySpan
	isRange   bool
}

// covers reports whether the lock holds key.
func (l naiveLock) covers(key string) bool {
	if l.isRange {
		return l.span.contains(key)
	}
	return l.key == key
}

// TestLockTableExact checks the lock table against a plain list of locks:
// each blocker query returns exactly the transactions a linear scan of the
// list finds, and the segment map keeps its invariants (it starts at the
// empty key, adjacent segments differ, and each segment's holders are the
// ranges covering its start).
func TestLockTableExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		table := newLockTable()
		var locks []naiveLock
		for range rapid.IntRange(1, 80).Draw(t, "steps") {
			txn := engines.TxnID{WallNanos: rapid.Int64Range(1, 3).Draw(t, "txn")}
			key := drawKey(t, "key")
			span := keySpan{start: drawKey(t, "start"), end: drawKey(t, "end"), unbounded: rapid.Bool().Draw(t, "unbounded")}
			if span.unbounded {
				span.end = ""
			}
			switch rapid.IntRange(0, 4).Draw(t, "action") {
			case 0:
				checkBlockers(t, "shared", table.sharedBlockers(txn, key), naiveBlockers(locks, txn, func(l naiveLock) bool {
					return l.exclusive && l.key == key
				}))
				if len(table.sharedBlockers(txn, key)) == 0 && !holdsPoint(locks, txn, key) {
					table.addShared(txn, key)
					locks = append(locks, naiveLock{txn: txn, key: key})
				}
			case 1:
				checkBlockers(t, "exclusive", table.exclusiveBlockers(txn, key), naiveBlockers(locks, txn, func(l naiveLock) bool {
					return l.covers(key)
				}))
				if len(table.exclusiveBlockers(txn, key)) == 0 && !holdsPoint(locks, txn, key) {
					table.addExclusive(txn, key)
					locks = append(locks, naiveLock{txn: txn, key: key, exclusive: true})
				}
			case 2:
				if span.empty() {
					continue
				}
				checkBlockers(t, "range", table.rangeBlockers(txn, span), naiveBlockers(locks, txn, func(l naiveLock) bool {
					return l.exclusive && span.contains(l.key)
				}))
				if len(table.rangeBlockers(txn, span)) == 0 {
					table.addRange(txn, span)
					locks = append(locks, naiveLock{txn: txn, span: span, isRange: true})
				}
			default:
				if len(locks) == 0 {
					continue
				}
				index := rapid.IntRange(0, len(locks)-1).Draw(t, "release")
				releaseLock(table, locks[index])
				locks = slices.Delete(locks, index, index+1)
			}
			checkSegments(t, table, locks)
		}
		for _, lock := range locks {
			releaseLock(table, lock)
		}
		if !table.isEmpty() {
			t.Fatalf("table not empty after releasing every lock")
		}
	})
}

func holdsPoint(locks []naiveLock, txn engines.TxnID, key string) bool {
	return slices.ContainsFunc(locks, func(l naiveLock) bool { return !l.isRange && l.txn == txn && l.key == key })
}

func releaseLock(table *lockTable, lock naiveLock) {
	switch {
	case lock.isRange:
		table.removeRange(lock.txn, lock.span)
	case lock.exclusive:
		table.removeExclusive(lock.txn, lock.key)
	default:
		table.removeShared(lock.txn, lock.key)
	}
}

func naiveBlockers(locks []naiveLock, txn engines.TxnID, conflicts func(naiveLock) bool) []engines.TxnID {
	var blockers []engines.TxnID
	for _, lock := range locks {
		if lock.txn != txn && conflicts(lock) {
			blockers = append(blockers, lock.txn)
		}
	}
	return blockers
}

func checkBlockers(t *rapid.T, what string, got, want []engines.TxnID) {
	got = engines.Blocked(engines.WaitForFinished, got...).Blockers
	want = engines.Blocked(engines.WaitForFinished, want...).Blockers
	if !slices.Equal(got, want) {
		t.Fatalf("%s blockers %v, want %v", what, got, want)
	}
}

func checkSegments(t *rapid.T, table *lockTable, locks []naiveLock) {
	var previous *segment
	table.segments.Ascend(func(s *segment) bool {
		if previous == nil && s.start != "" {
			t.Fatalf("first segment starts at %q", s.start)
		}
		if previous != nil && slices.Equal(previous.holders, s.holders) {
			t.Fatalf("segments at %q and %q have the same holders %v", previous.start, s.start, s.holders)
		}
		var want []rangeHolder
		for _, lock := range locks {
			if !lock.isRange || !lock.span.contains(s.start) {
				continue
			}
			index, found := slices.BinarySearchFunc(want, lock.txn, compareHolder)
			if found {
				want[index].count++
			} else {
				want = slices.Insert(want, index, rangeHolder{txn: lock.txn, count: 1})
			}
		}
		if !slices.Equal(want, s.holders) {
			t.Fatalf("segment at %q holds %v, want %v", s.start, s.holders, want)
		}
		previous = s
		return true
	})
}

// TestPrefixSpan checks prefixSpan against strings.HasPrefix on edge cases.
func TestPrefixSpan(t *testing.T) {
	for _, test := range []struct {
		prefix string
		want   keySpan
	}{
		{"", keySpan{unbounded: true}},
		{"a", keySpan{start: "a", end: "b"}},
		{"a\xff", keySpan{start: "a\xff", end: "b"}},
		{"\xff\xff", keySpan{start: "\xff\xff", unbounded: true}},
		{"a\x00", keySpan{start: "a\x00", end: "a\x01"}},
	} {
		if got := prefixSpan(test.prefix); got != test.want {
			t.Errorf("prefixSpan(%q) = %v, want %v", test.prefix, got, test.want)
		}
	}
}
