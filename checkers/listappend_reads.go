package checkers

// verifiedList is a list of one key's elements, each appended by exactly one
// txn that did not fail, no element twice: the longest clean read of the key
// seen so far, grown as later reads extend it. A read that starts with part
// of it needs checking only past that part. position maps each element to its
// index in list.
type verifiedList struct {
	list     []int64
	position map[int64]int
}

// checkRead finds duplicate elements, garbage reads, aborted reads (G1a) and
// an intermediate read (G1b) in one committed read. Reads of a key mostly
// repeat a prefix of the key's version order, so it checks only the part of
// the read past the key's verified list; a read with any finding among its
// elements goes to checkReadFully, which reports exactly as before.
func (s *listAppendState) checkRead(reader int, micro microOp) {
	verified := s.verified[micro.key]
	if verified == nil {
		verified = &verifiedList{position: map[int64]int{}}
		s.verified[micro.key] = verified
	}
	common := commonPrefixLength(micro.list, verified.list)
	if !s.cleanPast(micro, verified, common) {
		s.checkReadFully(reader, micro)
		return
	}
	if common == len(verified.list) {
		for _, element := range micro.list[common:] {
			verified.position[element] = len(verified.list)
			verified.list = append(verified.list, element)
		}
	}
	if length := len(micro.list); length > 0 {
		if ref := s.writer[micro.key][micro.list[length-1]]; ref.txn != reader {
			s.checkIntermediate(reader, micro, ref.txn)
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
	writers := s.writer[micro.key]
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
		ref, written := writers[element]
		if !written || s.txns[ref.txn].operation.Type == TypeFail {
			return false
		}
	}
	return true
}

// commonPrefixLength returns how many leading elements a and b share.
func commonPrefixLength(a, b []int64) int {
	length := min(len(a), len(b))
	for i := range length {
		if a[i] != b[i] {
			return i
		}
	}
	return length
}
