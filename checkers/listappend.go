package checkers

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// ListAppendConfig configures CheckListAppend.
type ListAppendConfig struct {
	// RealTime adds real-time edges (a transaction that completed before
	// another was invoked precedes it), checking strict serializability.
	RealTime bool
	// SingleRWTriesMax bounds the rw edges tried when looking for a
	// G-single cycle in one component; zero means 1000.
	SingleRWTriesMax int
}

// The micro-op names inside a "txn" value.
const (
	MicroAppend = "append"
	MicroRead   = "r"
)

type microOp struct {
	function string
	key      string
	element  int64   // for append
	list     []int64 // for a read; nil when not read
}

type listTxn struct {
	operation Operation
	microOps  []microOp
}

type writeRef struct {
	txn int // index into the txn slice
}

// listAppendState is the analysis of one history.
type listAppendState struct {
	txns   []listTxn
	writer map[string]map[int64]writeRef
	// appendOrder lists, per txn and key, its appended elements in order.
	appendOrder []map[string][]int64
	versions    map[string][]int64
	found       findings
	// seen is scratch space for reading checks, cleared per read.
	seen map[int64]bool
	// verified holds, per key, a list of elements already checked clean
	// (see verifiedList).
	verified map[string]*verifiedList
}

// CheckListAppend checks a list-append history for serializability (Elle's
// model): each "txn" operation's value is a list of micro-ops
// [append key element] and [r key list] (the list Null on invoke). Elements
// are Ints, unique per key. It reports internal, duplicate-elements,
// garbage-read, G1a, G1b, incompatible-order and lost-update findings
// directly, then infers each key's version order from the longest read,
// builds ww, wr, rw (and real-time) edges and names each dependency cycle:
// G0, G1c, G-single, G2-item (with a "-realtime" suffix when the cycle needs
// a real-time edge). A malformed history is an error.
func CheckListAppend(history History, config ListAppendConfig) (Result, error) {
	if config.SingleRWTriesMax == 0 {
		config.SingleRWTriesMax = 1000
	}
	if err := history.Validate(); err != nil {
		return Result{}, err
	}
	state := &listAppendState{writer: map[string]map[int64]writeRef{}, versions: map[string][]int64{},
		seen: map[int64]bool{}, verified: map[string]*verifiedList{}}
	if err := state.parse(history); err != nil {
		return Result{}, err
	}
	state.checkInternal()
	state.checkReads()
	state.inferVersions()
	state.checkLostUpdates()
	state.checkCycles(history, config)
	return state.found.result("list-append"), nil
}

func (s *listAppendState) parse(history History) error {
	for _, operation := range history.Operations() {
		if operation.Function != FunctionTxn {
			continue
		}
		value := operation.Input
		if operation.Type == TypeOK {
			value = operation.Output
		}
		microOps, err := parseMicroOps(operation, value)
		if err != nil {
			return err
		}
		txnIndex := len(s.txns)
		s.txns = append(s.txns, listTxn{operation: operation, microOps: microOps})
		order := map[string][]int64{}
		for _, micro := range microOps {
			if micro.function != MicroAppend {
				continue
			}
			if s.writer[micro.key] == nil {
				s.writer[micro.key] = map[int64]writeRef{}
			}
			if previous, exists := s.writer[micro.key][micro.element]; exists {
				return malformed(operation.InvokeIndex, "element %d appended to %q twice (also by op %d)",
					micro.element, micro.key, s.txns[previous.txn].operation.InvokeIndex)
			}
			s.writer[micro.key][micro.element] = writeRef{txn: txnIndex}
			order[micro.key] = append(order[micro.key], micro.element)
		}
		s.appendOrder = append(s.appendOrder, order)
	}
	return nil
}

func parseMicroOps(operation Operation, v value.Value) ([]microOp, error) {
	if v.Kind() != value.KindList {
		return nil, malformed(operation.InvokeIndex, "txn value %v is not a list of micro-ops", v)
	}
	microOps := make([]microOp, 0, v.Len())
	for i := range v.Len() {
		item := v.Index(i)
		function, okFunction := item.Index(0).AsString()
		key, okKey := item.Index(1).AsString()
		if item.Kind() != value.KindList || item.Len() != 3 || !okFunction || !okKey {
			return nil, malformed(operation.InvokeIndex, "micro-op %v is not [function key value]", item)
		}
		micro := microOp{function: function, key: key}
		argument := item.Index(2)
		switch function {
		case MicroAppend:
			element, ok := argument.AsInt()
			if !ok {
				return nil, malformed(operation.InvokeIndex, "append element %v is not an int", argument)
			}
			micro.element = element
		case MicroRead:
			if argument.Kind() == value.KindList {
				micro.list = make([]int64, 0, argument.Len())
				for j := range argument.Len() {
					element, ok := argument.Index(j).AsInt()
					if !ok {
						return nil, malformed(operation.InvokeIndex, "read element %v is not an int", argument.Index(j))
					}
					micro.list = append(micro.list, element)
				}
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

func (s *listAppendState) describe(txn int) string { return s.txns[txn].operation.Describe() }

// checkInternal: within a committed txn, each read of a key equals its
// previous read plus its own appends since, or ends with its own appends
// when it has not read the key before.
func (s *listAppendState) checkInternal() {
	for txnIndex, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		lastRead := map[string][]int64{}
		appended := map[string][]int64{}
		for _, micro := range txn.microOps {
			if micro.function == MicroAppend {
				appended[micro.key] = append(appended[micro.key], micro.element)
				continue
			}
			previous, readBefore := lastRead[micro.key]
			mine := appended[micro.key]
			consistent := slices.Equal(micro.list, append(slices.Clone(previous), mine...))
			if !readBefore {
				consistent = len(micro.list) >= len(mine) && slices.Equal(micro.list[len(micro.list)-len(mine):], mine)
			}
			if !consistent {
				s.found.add("internal", fmt.Sprintf("%s read %q as %v, inconsistent with its earlier read %v and own appends %v",
					s.describe(txnIndex), micro.key, micro.list, previous, mine), txn.operation.InvokeIndex)
			}
			lastRead[micro.key] = micro.list
			appended[micro.key] = nil
		}
	}
}

// checkReads finds duplicate elements, garbage reads, aborted reads (G1a)
// and intermediate reads (G1b) in committed reads.
func (s *listAppendState) checkReads() {
	for txnIndex, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		for _, micro := range txn.microOps {
			if micro.function != MicroRead {
				continue
			}
			s.checkRead(txnIndex, micro)
		}
	}
}

// checkReadFully checks every element of one read; it reports each finding
// in element order. checkRead calls it for reads that have a duplicate,
// garbage or aborted element.
func (s *listAppendState) checkReadFully(reader int, micro microOp) {
	readerIndex := s.txns[reader].operation.InvokeIndex
	seen := s.seen
	clear(seen)
	writers := s.writer[micro.key]
	for position, element := range micro.list {
		if seen[element] {
			s.found.add("duplicate-elements", fmt.Sprintf("%s read %q as %v: %d appears twice", s.describe(reader), micro.key, micro.list, element), readerIndex)
		}
		seen[element] = true
		ref, written := writers[element]
		if !written {
			s.found.add("garbage-read", fmt.Sprintf("%s read %d in %q, which no one appended", s.describe(reader), element, micro.key), readerIndex)
			continue
		}
		writerIndex := s.txns[ref.txn].operation.InvokeIndex
		if s.txns[ref.txn].operation.Type == TypeFail {
			s.found.add("G1a", fmt.Sprintf("%s read %d in %q, appended by aborted %s", s.describe(reader), element, micro.key, s.describe(ref.txn)), readerIndex, writerIndex)
		}
		if position == len(micro.list)-1 && ref.txn != reader {
			s.checkIntermediate(reader, micro, ref.txn)
		}
	}
}

// checkIntermediate reports G1b when a read ends in an element that its
// writer (another txn) later followed with an append to the same key.
func (s *listAppendState) checkIntermediate(reader int, micro microOp, writer int) {
	element := micro.list[len(micro.list)-1]
	own := s.appendOrder[writer][micro.key]
	if final := own[len(own)-1]; final != element {
		s.found.add("G1b", fmt.Sprintf("%s read %q ending in %d, an intermediate append of %s (its final is %d)",
			s.describe(reader), micro.key, element, s.describe(writer), final),
			s.txns[reader].operation.InvokeIndex, s.txns[writer].operation.InvokeIndex)
	}
}

// inferVersions takes each key's longest committed read as its version
// order and reports reads that are not prefixes of it.
func (s *listAppendState) inferVersions() {
	longestReader := map[string]int{}
	for txnIndex, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		for _, micro := range txn.microOps {
			if micro.function == MicroRead && len(micro.list) > len(s.versions[micro.key]) {
				s.versions[micro.key] = micro.list
				longestReader[micro.key] = txnIndex
			}
		}
	}
	for txnIndex, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		for _, micro := range txn.microOps {
			longest := s.versions[micro.key]
			if micro.function != MicroRead || slices.Equal(micro.list, longest[:min(len(longest), len(micro.list))]) {
				continue
			}
			other := longestReader[micro.key]
			s.found.add("incompatible-order", fmt.Sprintf("%s read %q as %v, %s read it as %v: neither is a prefix of the other",
				s.describe(txnIndex), micro.key, micro.list, s.describe(other), longest),
				txn.operation.InvokeIndex, s.txns[other].operation.InvokeIndex)
		}
	}
}

// checkLostUpdates finds two committed txns that read the same version of a
// key and both appended to it.
func (s *listAppendState) checkLostUpdates() {
	readThenAppended := map[string]map[int][]int{} // key -> read length -> txns
	for txnIndex, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		firstRead := map[string]int{}
		for _, micro := range txn.microOps {
			length, read := firstRead[micro.key]
			switch {
			case micro.function == MicroRead && !read:
				firstRead[micro.key] = len(micro.list)
			case micro.function == MicroAppend && read && length >= 0:
				if readThenAppended[micro.key] == nil {
					readThenAppended[micro.key] = map[int][]int{}
				}
				readThenAppended[micro.key][length] = append(readThenAppended[micro.key][length], txnIndex)
				firstRead[micro.key] = -1 // count each txn once per key
			}
		}
	}
	for _, key := range sortedKeys(readThenAppended) {
		lengths := readThenAppended[key]
		for _, length := range slices.Sorted(maps.Keys(lengths)) {
			txns := lengths[length]
			if len(txns) < 2 {
				continue
			}
			var names []string
			var indexes []int
			for _, txnIndex := range txns {
				names = append(names, s.describe(txnIndex))
				indexes = append(indexes, s.txns[txnIndex].operation.InvokeIndex)
			}
			s.found.add("lost-update", fmt.Sprintf("%s all read %q at length %d and appended to it", strings.Join(names, ", "), key, length), indexes...)
		}
	}
}
