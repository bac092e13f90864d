package checkers

import "fmt"

// verifiedList is a list of one key's elements, each appended by exactly one
// txn that did not fail, no element twice: the longest clean read of the key
// seen so far, grown as later reads extend it. A read that starts with part
// of it needs checking only past that part. position maps each element to its
// index in list.
type verifiedList struct {
	list []int64
	// shared says list is a slice of the key's sharedReads.
	shared   bool
	position map[int64]int
}

// checkReads finds duplicate elements, garbage reads, aborted reads (G1a)
// and intermediate reads (G1b) in committed reads.
func (s *listAppendState) checkReads() {
	for txnIndex, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for i := range txn.microOps {
			if micro := &txn.microOps[i]; micro.isRead {
				s.checkRead(txnIndex, micro)
			}
		}
	}
}

// checkRead finds duplicate elements, garbage reads, aborted reads (G1a) and
// an intermediate read (G1b) in one committed read. Reads of a key mostly
// repeat a prefix of the key's version order, so it checks only the part of
// the read past the key's verified list; a read with any finding among its
// elements goes to checkReadFully, which reports exactly as before.
func (s *listAppendState) checkRead(reader int, micro *microOp) {
	key := s.keys[micro.key]
	verified := &key.verified
	if verified.position == nil {
		verified.position = map[int64]int{}
	}
	common := commonPrefixLength(micro.list, verified.list, micro.shared && verified.shared)
	if !s.cleanPast(*micro, verified, common) {
		s.checkReadFully(reader, micro)
		return
	}
	if common == len(verified.list) && len(micro.list) > common {
		for i, element := range micro.list[common:] {
			verified.position[element] = common + i
		}
		// The read is the longer clean list: verified becomes it (a shared
		// read is not copied, so it stays shared).
		verified.list, verified.shared = micro.list, micro.shared
	}
	if length := len(micro.list); length > 0 {
		if writer := key.writers[micro.list[length-1]]; writer != reader {
			s.checkIntermediate(reader, *micro, writer)
		}
	}
}

// cleanPast reports whether the read's elements from common on were each
// appended by a txn that did not fail, and appear neither in the read's
// first common elements (which equal verified's) nor twice among themselves,
// so that the whole read is clean.
func (s *listAppendState) cleanPast(micro microOp, verified *verifiedList, common int) bool {
	tail := micro.list[common:]
	if len(tail) == 0 {
		return true
	}
	writers := s.keys[micro.key].writers
	seen := s.seen
	clear(seen)
	for _, element := range tail {
		if position, ok := verified.position[element]; ok && position < common {
			return false
		}
		if seen[element] {
			return false
		}
		seen[element] = true
		writer, written := writers[element]
		if !written || s.txns[writer].failed() {
			return false
		}
	}
	return true
}

// checkReadFully checks every element of one read; it reports each finding
// in element order, and marks a read that repeats an element. checkRead
// calls it for reads that have a duplicate, garbage or aborted element.
func (s *listAppendState) checkReadFully(reader int, micro *microOp) {
	readerIndex := s.invokeIndex(reader)
	key := s.keys[micro.key]
	seen := s.seen
	clear(seen)
	for position, element := range micro.list {
		if seen[element] {
			micro.repeats = true
			s.found.add("duplicate-elements", fmt.Sprintf("%s read %q as %v: %d appears twice", s.describe(reader), key.name, micro.list, element), readerIndex)
		}
		seen[element] = true
		writer, written := key.writers[element]
		if !written {
			s.found.add("garbage-read", fmt.Sprintf("%s read %d in %q, which no one appended", s.describe(reader), element, key.name), readerIndex)
			continue
		}
		if s.txns[writer].failed() {
			s.found.add("G1a", fmt.Sprintf("%s read %d in %q, appended by aborted %s", s.describe(reader), element, key.name, s.describe(writer)), readerIndex, s.invokeIndex(writer))
		}
		if position == len(micro.list)-1 && writer != reader {
			s.checkIntermediate(reader, *micro, writer)
		}
	}
}

// checkIntermediate reports G1b when a read ends in an element that its
// writer (another txn) later followed with an append to the same key.
func (s *listAppendState) checkIntermediate(reader int, micro microOp, writer int) {
	element := micro.list[len(micro.list)-1]
	if final, _ := s.lastAppendTo(writer, micro.key); final != element {
		s.found.add("G1b", fmt.Sprintf("%s read %q ending in %d, an intermediate append of %s (its final is %d)",
			s.describe(reader), s.keys[micro.key].name, element, s.describe(writer), final),
			s.invokeIndex(reader), s.invokeIndex(writer))
	}
}
