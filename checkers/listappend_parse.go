package checkers

import (
	"slices"

	"github.com/proven2pc/proven/engines/value"
)

// parse reads every "txn" operation into a listTxn: an ok txn's micro-ops
// from its completion, a failed or indeterminate one's from its invoke
// (its reads unknown). It records each append's writer and refuses an
// element appended twice to one key.
func (s *listAppendState) parse(history History) error {
	operations := history.Operations()
	s.txns = make([]listTxn, 0, len(operations))
	// All micro-ops share one backing array, sized by a first pass.
	microOpCount := 0
	for i := range operations {
		if operation := &operations[i]; operation.Function == FunctionTxn {
			microOpCount += microOpValue(operation).Len()
		}
	}
	arena := make([]microOp, 0, microOpCount)
	for i := range operations {
		operation := &operations[i]
		if operation.Function != FunctionTxn {
			continue
		}
		start := len(arena)
		var err error
		if arena, err = s.parseMicroOps(arena, operation, microOpValue(operation), len(s.txns)); err != nil {
			return err
		}
		s.txns = append(s.txns, listTxn{operation: operation, microOps: arena[start:len(arena):len(arena)]})
	}
	return nil
}

// microOpValue is where a txn's micro-ops are: an ok txn's completion
// (with its reads), any other's invoke.
func microOpValue(operation *Operation) value.Value {
	if operation.Type == TypeOK {
		return operation.Output
	}
	return operation.Input
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

// parseMicroOps appends txn's micro-ops, read from v, to microOps.
func (s *listAppendState) parseMicroOps(microOps []microOp, operation *Operation, v value.Value, txn int) ([]microOp, error) {
	if v.Kind() != value.KindList {
		return nil, malformed(operation.InvokeIndex, "txn value %v is not a list of micro-ops", v)
	}
	for i := range v.Len() {
		item := v.Index(i)
		if item.Kind() != value.KindList || item.Len() != 3 {
			return nil, malformed(operation.InvokeIndex, "micro-op %v is not [function key value]", item)
		}
		function, okFunction := item.Index(0).AsString()
		keyName, okKey := item.Index(1).AsString()
		if !okFunction || !okKey {
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
				list, shared, ok := key.parseReadList(argument)
				if !ok {
					return nil, malformed(operation.InvokeIndex, "read result %v is not a list of ints", argument)
				}
				micro.list, micro.shared = list, shared
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
// gets its own (shared false). ok is false when an element is not an Int.
func (k *keyState) parseReadList(list value.Value) (elements []int64, shared, ok bool) {
	length := list.Len()
	sharedReads := k.sharedReads
	common := min(length, len(sharedReads))
	agree := 0
	for ; agree < common; agree++ {
		element, ok := list.Index(agree).AsInt()
		if !ok {
			return nil, false, false
		}
		if element != sharedReads[agree] {
			break
		}
	}
	if agree == common {
		for i := len(sharedReads); i < length; i++ {
			element, ok := list.Index(i).AsInt()
			if !ok {
				return nil, false, false
			}
			sharedReads = append(sharedReads, element)
		}
		k.sharedReads = sharedReads
		return sharedReads[:length:length], true, true
	}
	own := make([]int64, length)
	copy(own, sharedReads[:agree])
	for i := agree; i < length; i++ {
		element, ok := list.Index(i).AsInt()
		if !ok {
			return nil, false, false
		}
		own[i] = element
	}
	return own, false, true
}

// isPrefix reports whether a is a prefix of b; shared says both are
// slices of one key's sharedReads, which settles it without a look.
func isPrefix(a, b []int64, shared bool) bool {
	if len(a) > len(b) {
		return false
	}
	return shared || slices.Equal(a, b[:len(a)])
}

// commonPrefixLength returns how many leading elements a and b share;
// shared as for isPrefix.
func commonPrefixLength(a, b []int64, shared bool) int {
	length := min(len(a), len(b))
	if shared {
		return length
	}
	for i := range length {
		if a[i] != b[i] {
			return i
		}
	}
	return length
}
