package workloads

import (
	"fmt"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/value"
)

// streamMicro is one micro-operation on a stream table, as recorded.
type streamMicro struct {
	kind  string
	table string
	// value is an append's value.
	value int64
	// position, limit and items are a read's; latest is LatestPosition's
	// answer, or a final log's latest position (whose items are items).
	position, limit, latest int64
	items                   []int64
	// snapshot is a read-only transaction's snapshot timestamp.
	snapshot string
}

// microsOf lists an operation's micro-operations on stream tables: from
// its completion when it is ok (what the reads saw), else from its invoke
// (what it meant to append).
type microsOf func(operation checkers.Operation) []streamMicro

// streamMicrosOf reads the stream workload's operations.
func streamMicrosOf(operation checkers.Operation) []streamMicro {
	switch operation.Function {
	case functionStreamTxn, functionStreamRead, functionStreamFinal:
	default:
		return nil
	}
	recorded := operation.Input
	if operation.Type == checkers.TypeOK {
		recorded = operation.Output
	}
	micros := make([]streamMicro, 0, recorded.Len())
	for index := range recorded.Len() {
		micros = append(micros, parseStreamMicro(recorded.Index(index)))
	}
	return micros
}

// parseStreamMicro reads one recorded micro-operation (see streamtable.go);
// what it cannot read comes out with kind "".
func parseStreamMicro(recorded value.Value) streamMicro {
	kind, _ := recorded.Index(0).AsString()
	m := streamMicro{kind: kind}
	if kind == microSnapshot {
		m.snapshot, _ = recorded.Index(1).AsString()
		return m
	}
	m.table, _ = recorded.Index(1).AsString()
	switch kind {
	case microAppend:
		m.value, _ = recorded.Index(2).AsInt()
	case microLatest:
		m.latest, _ = recorded.Index(2).AsInt()
	case microReadFrom:
		m.position, _ = recorded.Index(2).AsInt()
		m.limit, _ = recorded.Index(3).AsInt()
		m.items = intsOf(recorded.Index(4))
	case microLog:
		m.latest, _ = recorded.Index(2).AsInt()
		m.items = intsOf(recorded.Index(3))
	}
	return m
}

func intsOf(list value.Value) []int64 {
	numbers := make([]int64, list.Len())
	for index := range numbers {
		numbers[index], _ = list.Index(index).AsInt()
	}
	return numbers
}

// appendRef says which operation appended a value, to which table, and
// as its how-many-th append to that table (from 0).
type appendRef struct {
	operation int
	table     string
	ordinal   int
}

// streamHistory is what the stream-table check knows of a history.
type streamHistory struct {
	operations []checkers.Operation
	micros     [][]streamMicro
	// commits holds each operation's commit timestamp, when known.
	commits map[int]clock.Timestamp
	refs    map[int64]appendRef
	// appendCounts counts each operation's appends per table.
	appendCounts map[int]map[string]int
	// logs are the final reads' tables; positions maps each value found in
	// them to its position.
	logs      map[string][]int64
	positions map[int64]int
	found     findingList
}

// streamTablesCheck checks a history's stream tables against the final
// read of every table (the "stream-final" operation):
//   - every table's final log is gap-free (its latest position is its
//     number of items) and holds every value of a committed append exactly
//     once, no value of an aborted one, and all or none of each
//     operation's;
//   - positions follow commit-timestamp order: each operation's values sit
//     together, in the order it appended them, and operations' commit
//     timestamps increase along the log;
//   - every read of a committed or read-only operation is a part of the
//     final log, and exactly the part that the serial order at its commit
//     timestamp (a read-only one's: its snapshot) shows: LatestPosition is
//     the number of items committed before it plus the transaction's own
//     earlier appends, and a ReadFrom returns that prefix's items (when an
//     unsettled outcome leaves a commit timestamp unknown, only the
//     first part is checked for that table).
func streamTablesCheck(tables []string, extract microsOf) check {
	return check{name: "stream-tables", run: func(history checkers.History) (checkers.Result, error) {
		h := newStreamHistory(history, extract)
		if !h.readFinalLogs(tables) {
			return checkers.Result{Checker: "stream-tables", Verdict: checkers.VerdictUnknown,
				Explanation: "no final read of the stream tables succeeded"}, nil
		}
		for _, table := range tables {
			h.checkLog(table)
		}
		h.checkCompleteness()
		for index := range h.operations {
			h.checkReads(index)
		}
		return h.found.result("stream-tables"), nil
	}}
}

func newStreamHistory(history checkers.History, extract microsOf) *streamHistory {
	h := &streamHistory{operations: history.Operations(), commits: map[int]clock.Timestamp{},
		refs: map[int64]appendRef{}, appendCounts: map[int]map[string]int{}, logs: map[string][]int64{},
		positions: map[int64]int{}}
	h.micros = make([][]streamMicro, len(h.operations))
	for index, operation := range h.operations {
		h.micros[index] = extract(operation)
		if operation.CommitTimestamp != "" && operation.Type != checkers.TypeFail {
			if timestamp, err := clock.ParseTimestamp(operation.CommitTimestamp); err == nil {
				h.commits[index] = timestamp
			}
		}
		h.collectAppends(index)
	}
	return h
}

func (h *streamHistory) collectAppends(index int) {
	for _, m := range h.micros[index] {
		if m.kind != microAppend {
			continue
		}
		if earlier, seen := h.refs[m.value]; seen {
			h.found.add(fmt.Sprintf("value %d appended twice, by %s and %s", m.value,
				h.operations[earlier.operation].Describe(), h.operations[index].Describe()), h.operations[index].InvokeIndex)
			continue
		}
		counts := h.appendCounts[index]
		if counts == nil {
			counts = map[string]int{}
			h.appendCounts[index] = counts
		}
		h.refs[m.value] = appendRef{operation: index, table: m.table, ordinal: counts[m.table]}
		counts[m.table]++
	}
}

// readFinalLogs finds the last ok final read and checks that each of its
// tables is gap-free; false when there is none.
func (h *streamHistory) readFinalLogs(tables []string) bool {
	final := -1
	for index, operation := range h.operations {
		if operation.Function == functionStreamFinal && operation.Type == checkers.TypeOK {
			final = index
		}
	}
	if final < 0 {
		return false
	}
	for _, m := range h.micros[final] {
		if m.kind != microLog {
			continue
		}
		h.logs[m.table] = m.items
		if m.latest != int64(len(m.items)) {
			h.found.add(fmt.Sprintf("table %s: latest position %d, but %d items from position 1 on", m.table, m.latest, len(m.items)),
				h.operations[final].InvokeIndex)
		}
	}
	for _, table := range tables {
		if _, ok := h.logs[table]; !ok {
			h.found.add("the final read lacks table "+table, h.operations[final].InvokeIndex)
		}
	}
	return true
}

// checkLog checks a table's final log: each value appended once, to this
// table, by an operation that did not fail; then each operation's values
// together and in order, operations in commit-timestamp order.
func (h *streamHistory) checkLog(table string) {
	log := h.logs[table]
	for offset, v := range log {
		position := offset + 1
		ref, known := h.refs[v]
		if _, seen := h.positions[v]; seen {
			h.found.add(fmt.Sprintf("table %s: value %d at positions %d and %d", table, v, h.positions[v], position))
			continue
		}
		h.positions[v] = position
		switch {
		case !known:
			h.found.add(fmt.Sprintf("table %s: value %d at position %d was never appended", table, v, position))
		case ref.table != table:
			h.found.add(fmt.Sprintf("table %s: value %d at position %d was appended to %s", table, v, position, ref.table))
		case h.operations[ref.operation].Type == checkers.TypeFail:
			h.found.add(fmt.Sprintf("table %s: value %d at position %d, appended by %s, which did not commit", table, v, position,
				h.operations[ref.operation].Describe()), h.operations[ref.operation].InvokeIndex)
		}
	}
	for offset := 1; offset < len(log); offset++ {
		h.checkNeighbours(table, offset, log[offset-1], log[offset])
	}
}

// checkNeighbours checks two values at consecutive positions (offset is
// the second's, from 0).
func (h *streamHistory) checkNeighbours(table string, offset int, earlier, later int64) {
	a, aKnown := h.refs[earlier]
	b, bKnown := h.refs[later]
	if !aKnown || !bKnown {
		return
	}
	if a.operation == b.operation {
		if b.ordinal != a.ordinal+1 {
			h.found.add(fmt.Sprintf("table %s: positions %d and %d hold appends %d and %d of %s", table, offset, offset+1,
				a.ordinal, b.ordinal, h.operations[a.operation].Describe()), h.operations[a.operation].InvokeIndex)
		}
		return
	}
	first, second := h.operations[a.operation], h.operations[b.operation]
	if a.ordinal != h.appendCounts[a.operation][table]-1 || b.ordinal != 0 {
		h.found.add(fmt.Sprintf("table %s: positions %d and %d interleave the appends of %s and %s", table, offset, offset+1,
			first.Describe(), second.Describe()), first.InvokeIndex, second.InvokeIndex)
	}
	aCommit, aCommitted := h.commits[a.operation]
	bCommit, bCommitted := h.commits[b.operation]
	if aCommitted && bCommitted && !aCommit.Less(bCommit) {
		h.found.add(fmt.Sprintf("table %s: position %d (%s, committed at %v) before position %d (%s, committed at %v)", table,
			offset, first.Describe(), aCommit, offset+1, second.Describe(), bCommit), first.InvokeIndex, second.InvokeIndex)
	}
}

// checkCompleteness checks that every committed operation's appends are
// in the final logs, and every operation's all or none of them.
func (h *streamHistory) checkCompleteness() {
	for index, operation := range h.operations {
		present, absent := 0, 0
		for _, m := range h.micros[index] {
			if m.kind != microAppend || h.refs[m.value].operation != index {
				continue
			}
			if _, ok := h.positions[m.value]; ok {
				present++
			} else {
				absent++
			}
		}
		_, committed := h.commits[index]
		switch {
		case absent > 0 && (operation.Type == checkers.TypeOK || committed):
			h.found.add(fmt.Sprintf("%s committed, but %d of its appends are missing from the final logs", operation.Describe(), absent),
				operation.InvokeIndex)
		case absent > 0 && present > 0:
			h.found.add(fmt.Sprintf("%s: %d of its appends are in the final logs, %d are not", operation.Describe(), present, absent),
				operation.InvokeIndex)
		}
	}
}

// checkReads checks the reads of an ok operation against the final logs,
// and against the prefix its commit timestamp (or snapshot) defines.
func (h *streamHistory) checkReads(index int) {
	operation := h.operations[index]
	if operation.Type != checkers.TypeOK {
		return
	}
	at, known := h.commits[index]
	inclusive := false // a commit sees what committed before it
	own := map[string]int64{}
	for _, m := range h.micros[index] {
		switch m.kind {
		case microSnapshot:
			snapshot, err := clock.ParseTimestamp(m.snapshot)
			at, known, inclusive = snapshot, err == nil, true // a snapshot sees what committed at or before it
		case microAppend:
			own[m.table]++
		case microLatest, microReadFrom:
			end, exact := h.prefixLength(m.table, at, inclusive)
			h.checkRead(operation, m, end+own[m.table], known && exact)
		}
	}
}

// prefixLength counts the items of table committed before at (at or
// before, when inclusive); exact is false when an item's commit timestamp
// is unknown.
func (h *streamHistory) prefixLength(table string, at clock.Timestamp, inclusive bool) (length int64, exact bool) {
	exact = true
	for _, v := range h.logs[table] {
		commit, known := h.commits[h.refs[v].operation]
		switch {
		case !known:
			exact = false
		case commit.Less(at) || inclusive && commit == at:
			length++
		}
	}
	return length, exact
}

// checkRead checks one LatestPosition or ReadFrom: a part of the final
// log, and, when exact, the part ending at end.
func (h *streamHistory) checkRead(operation checkers.Operation, m streamMicro, end int64, exact bool) {
	log := h.logs[m.table]
	if m.kind == microLatest {
		if m.latest > int64(len(log)) || exact && m.latest != end {
			h.found.add(fmt.Sprintf("%s: latest position of %s %d; the final log has %d items, the serial order says %d",
				operation.Describe(), m.table, m.latest, len(log), end), operation.InvokeIndex)
		}
		return
	}
	for offset, v := range m.items {
		position := m.position + int64(offset)
		if position < 1 || position > int64(len(log)) || log[position-1] != v {
			h.found.add(fmt.Sprintf("%s: read %d at position %d of %s, which the final log does not hold there",
				operation.Describe(), v, position, m.table), operation.InvokeIndex)
			return
		}
	}
	want := min(max(end-(m.position-1), 0), m.limit)
	if int64(len(m.items)) > m.limit || exact && int64(len(m.items)) != want {
		h.found.add(fmt.Sprintf("%s: read %d items of %s from position %d (limit %d), the serial order says %d",
			operation.Describe(), len(m.items), m.table, m.position, m.limit, want), operation.InvokeIndex)
	}
}
