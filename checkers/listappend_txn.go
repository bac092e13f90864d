package checkers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// checkInternal: within a committed txn, each read of a key equals its
// previous read plus its own appends since, or ends with its own appends
// when it has not read the key before.
func (s *listAppendState) checkInternal() {
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for i, micro := range txn.microOps {
			if !micro.isRead {
				continue
			}
			previous, readBefore, mine := ownStateBefore(txn.microOps[:i], micro.key)
			if consistentRead(micro.list, previous, readBefore, mine) {
				continue
			}
			if previous == nil {
				previous = []int64{}
			}
			s.found.add("internal", fmt.Sprintf("%s read %q as %v, inconsistent with its earlier read %v and own appends %v",
				s.describe(txnIndex), s.keys[micro.key].name, micro.list, previous, mine), txn.operation.InvokeIndex)
		}
	}
}

// ownStateBefore looks back through a txn's earlier micro-ops on key: its
// latest read of key (readBefore false when it has none) and its own
// appends to key since, in order.
func ownStateBefore(earlier []microOp, key int) (previous []int64, readBefore bool, mine []int64) {
	for j := len(earlier) - 1; j >= 0; j-- {
		micro := earlier[j]
		if micro.key != key {
			continue
		}
		if micro.isRead {
			previous, readBefore = micro.list, true
			break
		}
		mine = append(mine, micro.element)
	}
	slices.Reverse(mine)
	return previous, readBefore, mine
}

// consistentRead: a read after an earlier read is that read plus the own
// appends since; a first read ends with the own appends so far.
func consistentRead(list, previous []int64, readBefore bool, mine []int64) bool {
	if readBefore {
		return len(list) == len(previous)+len(mine) && isPrefix(previous, list, false) && slices.Equal(list[len(previous):], mine)
	}
	return len(list) >= len(mine) && slices.Equal(list[len(list)-len(mine):], mine)
}

// checkFutureReads finds a committed txn that reads an element it appends
// only later (Elle's future-read): no serial order lets a txn see its own
// write before making it.
func (s *listAppendState) checkFutureReads() {
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for j, micro := range txn.microOps {
			if micro.isRead {
				continue
			}
			for _, read := range txn.microOps[:j] {
				if read.isRead && read.key == micro.key && slices.Contains(read.list, micro.element) {
					s.found.add("future-read", fmt.Sprintf("%s read %q as %v, which holds %d, an element it appends only later",
						s.describe(txnIndex), s.keys[micro.key].name, read.list, micro.element), txn.operation.InvokeIndex)
					break
				}
			}
		}
	}
}

// readThenAppend is a committed txn whose first micro-op on key read it
// (length elements, ending in last) and which later appended to it.
type readThenAppend struct {
	key, length int
	last        int64
	txn         int
}

// checkLostUpdates finds two committed txns that read the same version of
// a key before appending to it: whichever ran second would have seen the
// other's append.
func (s *listAppendState) checkLostUpdates() {
	var found []readThenAppend
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for i, micro := range txn.microOps {
			if micro.isRead && firstOnKey(txn.microOps[:i], micro.key) && appendsLater(txn.microOps[i+1:], micro.key) {
				entry := readThenAppend{key: micro.key, length: len(micro.list), txn: txnIndex}
				if entry.length > 0 {
					entry.last = micro.list[entry.length-1]
				}
				found = append(found, entry)
			}
		}
	}
	sameVersion := func(a, b readThenAppend) int {
		return cmp.Or(cmp.Compare(s.keys[a.key].name, s.keys[b.key].name), cmp.Compare(a.length, b.length), cmp.Compare(a.last, b.last))
	}
	slices.SortStableFunc(found, sameVersion)
	for start := 0; start < len(found); {
		end := start + 1
		for end < len(found) && sameVersion(found[start], found[end]) == 0 {
			end++
		}
		if end-start > 1 {
			s.reportLostUpdate(found[start:end])
		}
		start = end
	}
}

func (s *listAppendState) reportLostUpdate(group []readThenAppend) {
	var names []string
	var indexes []int
	for _, entry := range group {
		names = append(names, s.describe(entry.txn))
		indexes = append(indexes, s.invokeIndex(entry.txn))
	}
	s.found.add("lost-update", fmt.Sprintf("%s all read %q at length %d and appended to it",
		strings.Join(names, ", "), s.keys[group[0].key].name, group[0].length), indexes...)
}

func firstOnKey(earlier []microOp, key int) bool {
	return !slices.ContainsFunc(earlier, func(micro microOp) bool { return micro.key == key })
}

func appendsLater(later []microOp, key int) bool {
	return slices.ContainsFunc(later, func(micro microOp) bool { return !micro.isRead && micro.key == key })
}

// checkAppendOrders: a txn's appends to a key take effect together and in
// its order, so those the version order shows must be its first ones, in
// that order (the rest, unseen, come after the version order ends).
// Another txn's element between two of them is left to the cycle search
// (a ww cycle); this check reports what no edge shows, named
// incompatible-order.
func (s *listAppendState) checkAppendOrders() {
	for txnIndex, txn := range s.txns {
		if txn.failed() {
			continue
		}
		for j, micro := range txn.microOps {
			if micro.isRead || !firstAppendOnKey(txn.microOps[:j], micro.key) {
				continue
			}
			key := s.keys[micro.key]
			appended := s.appendsTo(txnIndex, micro.key)
			if len(appended) < 2 || inOrderPrefix(appended, key.position) {
				continue
			}
			shown := slices.Clone(appended)
			shown = slices.DeleteFunc(shown, func(element int64) bool { _, ok := key.position[element]; return !ok })
			slices.SortFunc(shown, func(a, b int64) int { return cmp.Compare(key.position[a], key.position[b]) })
			indexes := []int{txn.operation.InvokeIndex}
			if key.versionReader >= 0 {
				indexes = append(indexes, s.invokeIndex(key.versionReader))
			}
			s.found.add("incompatible-order", fmt.Sprintf("%s appended %v to %q in that order, but the version order %v holds them as %v",
				s.describe(txnIndex), appended, key.name, key.version, shown), indexes...)
		}
	}
}

func firstAppendOnKey(earlier []microOp, key int) bool {
	return !slices.ContainsFunc(earlier, func(micro microOp) bool { return !micro.isRead && micro.key == key })
}

// inOrderPrefix reports whether the elements that position holds are a
// prefix of appended, at increasing positions.
func inOrderPrefix(appended []int64, position map[int64]int) bool {
	last, shownSoFar := -1, true
	for _, element := range appended {
		at, shown := position[element]
		if !shown {
			shownSoFar = false
			continue
		}
		if !shownSoFar || at <= last {
			return false
		}
		last = at
	}
	return true
}
