package checkers

import "fmt"

// inferVersions takes each key's longest committed read as its version
// order, reports reads that are not prefixes of it (incompatible-order),
// and indexes the positions of its elements. An element read twice keeps
// its first position only, so a duplicate cannot imply an order that no
// execution has (the duplicate itself is reported by checkReads).
//
// Appends that no read shows are not in the version order; they come after
// it (the dependency edges place them there), which covers a key with one
// append and no non-empty read as well.
func (s *listAppendState) inferVersions() {
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for _, micro := range txn.microOps {
			if key := s.keys[micro.key]; micro.isRead && len(micro.list) > len(key.version) {
				key.version, key.versionShared, key.versionReader = micro.list, micro.shared, txnIndex
			}
		}
	}
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for _, micro := range txn.microOps {
			key := s.keys[micro.key]
			if !micro.isRead || isPrefix(micro.list, key.version, micro.shared && key.versionShared) {
				continue
			}
			s.found.add("incompatible-order", fmt.Sprintf("%s read %q as %v, %s read it as %v: neither is a prefix of the other",
				s.describe(txnIndex), key.name, micro.list, s.describe(key.versionReader), key.version),
				txn.operation.InvokeIndex, s.invokeIndex(key.versionReader))
		}
	}
	for _, key := range s.keys {
		key.position = make(map[int64]int, len(key.version))
		for _, element := range key.version {
			if _, repeated := key.position[element]; repeated {
				key.version, key.versionShared = distinctElements(key.version), false
				clear(key.position)
				break
			}
			key.position[element] = len(key.position)
		}
		for i, element := range key.version {
			key.position[element] = i
		}
	}
}

// distinctElements returns list without repeats, each element at its
// first occurrence.
func distinctElements(list []int64) []int64 {
	seen := make(map[int64]bool, len(list))
	distinct := make([]int64, 0, len(list))
	for _, element := range list {
		if !seen[element] {
			seen[element] = true
			distinct = append(distinct, element)
		}
	}
	return distinct
}

// checkDirtyUpdates walks each key's version order for a failed txn's
// element followed by a committed txn's (Elle's dirty-update): the
// committed txn updated state that was never committed. Indeterminate
// txns in between neither end nor start such a span. The failed element
// was read by someone, so G1a is reported beside it.
func (s *listAppendState) checkDirtyUpdates() {
	for _, keyIndex := range s.keyOrder {
		key := s.keys[keyIndex]
		lastFailed := -1 // the txn of the last failed element since a committed one, or -1
		var span []int64
		for _, element := range key.version {
			writer, written := key.writers[element]
			if !written {
				continue
			}
			switch txn := s.txns[writer]; {
			case txn.failed():
				if lastFailed < 0 {
					lastFailed, span = writer, nil
				}
				span = append(span, element)
			case txn.committed() && lastFailed >= 0:
				span = append(span, element)
				s.found.add("dirty-update", fmt.Sprintf("%s's append to %q follows aborted %s's in the version order (span %v)",
					s.describe(writer), key.name, s.describe(lastFailed), span), s.invokeIndex(lastFailed), s.invokeIndex(writer))
				lastFailed = -1
			case lastFailed >= 0:
				span = append(span, element)
			}
		}
	}
}
