package checkers

import (
	"cmp"
	"slices"
)

// ListAppendConfig configures CheckListAppend.
type ListAppendConfig struct {
	// SingleRWTriesMax bounds the rw edges tried when looking for a
	// G-single cycle in one component; zero means 1000. It never changes a
	// verdict: a component where no G-single cycle is found in time is
	// reported as G2-item.
	SingleRWTriesMax int
}

// ListAppendResult holds both verdicts of one list-append check.
type ListAppendResult struct {
	// Serializable judges the dependency graph (ww, wr, rw edges) and the
	// findings that need no graph. Checker "serializable".
	Serializable Result
	// StrictSerializable adds real-time edges: a transaction that completed
	// before another was invoked precedes it. Its anomalies include all of
	// Serializable's; a cycle that needs a real-time edge is named with a
	// "-realtime" suffix (G-single-realtime). Checker "strict-serializable".
	StrictSerializable Result
}

// The micro-op names inside a "txn" value.
const (
	MicroAppend = "append"
	MicroRead   = "r"
)

type microOp struct {
	isRead  bool
	key     int     // index into listAppendState.keys
	element int64   // for an append
	list    []int64 // for a read; nil when not read (invoke, info, fail)
	// shared marks a list that is a slice of its key's sharedReads, so a
	// prefix of every longer shared list (see parseReadList).
	shared bool
	// repeats marks a read that lists an element twice (set by
	// checkReads); its edges come from its first occurrences only.
	repeats bool
}

type listTxn struct {
	// operation points into the history's operations, not copied.
	operation *Operation
	microOps  []microOp
}

func (t listTxn) failed() bool    { return t.operation.Type == TypeFail }
func (t listTxn) committed() bool { return t.operation.Type == TypeOK }

// keyState is everything the check knows about one key.
type keyState struct {
	name string
	// writers maps each appended element to the txn that appended it.
	// Invariant: an element is appended once per key (parse refuses more).
	writers map[int64]int
	// sharedReads backs reads that agree with it: a read that is a prefix
	// of it, or extends it, is a slice of it, so repeated prefixes cost no
	// memory (see parseReadList).
	sharedReads []int64
	// verified is the longest clean read seen so far (listappend_reads.go).
	verified verifiedList
	// version is the key's inferred version order: the longest committed
	// read without repeated elements, or the single append of a key that
	// no committed read shows non-empty. position maps its elements to
	// their indexes. versionReader is the txn that read it, -1 when
	// inferred from a single append.
	version       []int64
	versionShared bool
	position      map[int64]int
	versionReader int
}

// listAppendState is the analysis of one history.
type listAppendState struct {
	txns   []listTxn
	keys   []*keyState
	keyIDs map[string]int
	// keyOrder lists key indexes by key name, so findings come out in a
	// fixed order.
	keyOrder []int
	found    findings
	// seen is scratch space for read checks, cleared per read.
	seen map[int64]bool
}

// CheckListAppend checks a list-append history (Elle's model) for
// serializability and for strict serializability, in one pass. Each "txn"
// operation's value is a list of micro-ops [append key element] and
// [r key list] (the list Null on invoke); elements are Ints, unique per key.
//
// What it reports, with Elle's names: internal, future-read,
// duplicate-elements, garbage-read, G1a, G1b, dirty-update,
// incompatible-order and lost-update directly; then, from each key's
// version order (the longest read, plus appends no read shows, which come
// after it), ww, wr and rw edges between committed and indeterminate txns,
// and each dependency cycle named G0, G1c, G-single or G2-item. A malformed
// history is an error.
//
// The verdicts are exact for this model: no finding means a serial order of
// the committed txns (and of the indeterminate ones whose appends were
// read) produces every committed read, restricted to real-time order for
// StrictSerializable (a rapid property checks this against a brute-force
// search).
func CheckListAppend(history History, config ListAppendConfig) (ListAppendResult, error) {
	if config.SingleRWTriesMax == 0 {
		config.SingleRWTriesMax = 1000
	}
	if err := history.Validate(); err != nil {
		return ListAppendResult{}, err
	}
	state := &listAppendState{keyIDs: map[string]int{}, seen: map[int64]bool{}}
	if err := state.parse(history); err != nil {
		return ListAppendResult{}, err
	}
	state.keyOrder = make([]int, len(state.keys))
	for i := range state.keyOrder {
		state.keyOrder[i] = i
	}
	slices.SortFunc(state.keyOrder, func(a, b int) int { return cmp.Compare(state.keys[a].name, state.keys[b].name) })
	state.checkInternal()
	state.checkFutureReads()
	state.checkReads()
	state.inferVersions()
	state.checkAppendOrders()
	state.checkDirtyUpdates()
	state.checkLostUpdates()
	return state.checkCycles(history, config), nil
}

func (s *listAppendState) describe(txn int) string { return s.txns[txn].operation.Describe() }

func (s *listAppendState) invokeIndex(txn int) int { return s.txns[txn].operation.InvokeIndex }

// appendsTo returns txn's appends to key, in its order.
func (s *listAppendState) appendsTo(txn, key int) []int64 {
	var elements []int64
	for _, micro := range s.txns[txn].microOps {
		if !micro.isRead && micro.key == key {
			elements = append(elements, micro.element)
		}
	}
	return elements
}

// lastAppendTo returns txn's final append to key; ok is false when it has
// none.
func (s *listAppendState) lastAppendTo(txn, key int) (int64, bool) {
	microOps := s.txns[txn].microOps
	for i := len(microOps) - 1; i >= 0; i-- {
		if !microOps[i].isRead && microOps[i].key == key {
			return microOps[i].element, true
		}
	}
	return 0, false
}
