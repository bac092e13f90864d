package checkers

import (
	"github.com/proven2pc/proven/engines/value"
)

// parse reads every "txn" operation into a listTxn: an ok txn's micro-ops
// from its completion, a failed or indeterminate one's from its invoke
// (its reads unknown). It records each append's writer and refuses an
// element appended twice to one key.
func (s *listAppendState) parse(history History) error {
	for _, operation := range history.Operations() {
		if operation.Function != FunctionTxn {
			continue
		}
		v := operation.Input
		if operation.Type == TypeOK {
			v = operation.Output
		}
		microOps, err := s.parseMicroOps(operation, v, len(s.txns))
		if err != nil {
			return err
		}
		s.txns = append(s.txns, listTxn{operation: operation, microOps: microOps})
	}
	return nil
}

// keyID returns the index of the key's state, creating it.
func (s *listAppendState) keyID(name string) int {
	if id, ok := s.keyIDs[name]; ok {
		return id
	}
	id := len(s.keys)
	s.keyIDs[name] = id
	s.keys = append(s.keys, &keyState{name: name, writers: map[int64]int{}, versionReader: -1})
	return id
}

func (s *listAppendState) parseMicroOps(operation Operation, v value.Value, txn int) ([]microOp, error) {
	if v.Kind() != value.KindList {
		return nil, malformed(operation.InvokeIndex, "txn value %v is not a list of micro-ops", v)
	}
	microOps := make([]microOp, 0, v.Len())
	for i := range v.Len() {
		item := v.Index(i)
		function, okFunction := item.Index(0).AsString()
		keyName, okKey := item.Index(1).AsString()
		if item.Kind() != value.KindList || item.Len() != 3 || !okFunction || !okKey {
			return nil, malformed(operation.InvokeIndex, "micro-op %v is not [function key value]", item)
		}
		micro := microOp{key: s.keyID(keyName)}
		key := s.keys[micro.key]
		argument := item.Index(2)
		switch function {
		case MicroAppend:
			element, ok := argument.AsInt()
			if !ok {
				return nil, malformed(operation.InvokeIndex, "append element %v is not an int", argument)
			}
			if previous, exists := key.writers[element]; exists {
				return nil, malformed(operation.InvokeIndex, "element %d appended to %q twice (also by op %d)",
					element, keyName, s.txns[previous].operation.InvokeIndex)
			}
			key.writers[element] = txn
			micro.element = element
		case MicroRead:
			micro.isRead = true
			if argument.Kind() == value.KindList {
				list, ok := key.parseReadList(argument)
				if !ok {
					return nil, malformed(operation.InvokeIndex, "read result %v is not a list of ints", argument)
				}
				micro.list = list
			} else if !argument.IsNull() || operation.Type == TypeOK {
				return nil, malformed(operation.InvokeIndex, "read result %v is not a list", argument)
			}
		default:
			return nil, malformed(operation.InvokeIndex, "micro-op function %q is not append or r", function)
		}
		microOps = append(microOps, micro)
	}
	return microOps, nil
}

// parseReadList converts a read's list of Ints. Reads of a key mostly
// repeat or extend one another, so a read that agrees with the key's
// sharedReads is returned as a slice of it (extending it first when the
// read is longer) instead of a new list; only a read that departs from it
// gets its own. ok is false when an element is not an Int.
func (k *keyState) parseReadList(list value.Value) ([]int64, bool) {
	length := list.Len()
	shared := k.sharedReads
	common := min(length, len(shared))
	agree := 0
	for ; agree < common; agree++ {
		element, ok := list.Index(agree).AsInt()
		if !ok {
			return nil, false
		}
		if element != shared[agree] {
			break
		}
	}
	if agree == common {
		for i := len(shared); i < length; i++ {
			element, ok := list.Index(i).AsInt()
			if !ok {
				return nil, false
			}
			shared = append(shared, element)
		}
		k.sharedReads = shared
		return shared[:length:length], true
	}
	own := make([]int64, length)
	copy(own, shared[:agree])
	for i := agree; i < length; i++ {
		element, ok := list.Index(i).AsInt()
		if !ok {
			return nil, false
		}
		own[i] = element
	}
	return own, true
}

// samePrefix reports whether a is a prefix of b. Two slices of the same
// sharedReads (which start at the same element) agree without a look.
func samePrefix(a, b []int64) bool {
	if len(a) > len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i, element := range a {
		if b[i] != element {
			return false
		}
	}
	return true
}

// commonPrefixLength returns how many leading elements a and b share.
func commonPrefixLength(a, b []int64) int {
	length := min(len(a), len(b))
	if length > 0 && &a[0] == &b[0] {
		return length
	}
	for i := range length {
		if a[i] != b[i] {
			return i
		}
	}
	return length
}
