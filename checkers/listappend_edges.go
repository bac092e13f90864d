package checkers

import (
	"fmt"
	"strings"
)

// dependencyEdges builds ww, wr and rw edges from each key's version order,
// between committed and indeterminate txns (failed ones are not nodes), as
// Elle does:
//   - ww from the writer of each element to the writer of the next; an
//     append no read shows comes after the whole version order, so after
//     the writer of its last element;
//   - wr from the writer of a read's last element to the reader;
//   - rw from a reader to the writer of the element after its read's last
//     one, and, for a reader of the whole version order (or of the empty
//     list when no read shows an element), to every txn with an append no
//     read shows.
//
// An indeterminate txn none of whose appends were read gets edges in only
// (its reads are unknown, its elements unread), so it never sits on a
// cycle: exactly as if it were left out.
func (s *listAppendState) dependencyEdges() []edge {
	edges := make([]edge, 0, 6*len(s.txns)) // room for the real-time edges too
	add := func(from, to int, kind edgeKind, key int) {
		if from != to && !s.txns[from].failed() && !s.txns[to].failed() {
			edges = append(edges, edge{from: int32(from), to: int32(to), kind: kind, key: int32(key)})
		}
	}
	for keyIndex, key := range s.keys {
		for i := 1; i < len(key.version); i++ {
			previous, okPrevious := key.writers[key.version[i-1]]
			next, okNext := key.writers[key.version[i]]
			if okPrevious && okNext {
				add(previous, next, edgeWW, keyIndex)
			}
		}
	}
	unseen := s.unseenAppenders(add)
	for reader, txn := range s.txns {
		if !txn.committed() {
			continue
		}
		for _, micro := range txn.microOps {
			if micro.isRead {
				s.readEdges(reader, micro, unseen[micro.key], add)
			}
		}
	}
	return edges
}

// unseenAppenders lists, per key, the txns (not failed) with an append that
// no read shows, and adds the ww edge from the writer of the version
// order's last element to each.
func (s *listAppendState) unseenAppenders(add func(from, to int, kind edgeKind, key int)) [][]int {
	unseen := make([][]int, len(s.keys))
	for txnIndex, txn := range s.txns {
		if txn.failed() {
			continue
		}
		for _, micro := range txn.microOps {
			key := s.keys[micro.key]
			if _, shown := key.position[micro.element]; micro.isRead || shown {
				continue
			}
			if list := unseen[micro.key]; len(list) > 0 && list[len(list)-1] == txnIndex {
				continue
			}
			unseen[micro.key] = append(unseen[micro.key], txnIndex)
			if length := len(key.version); length > 0 {
				if writer, ok := key.writers[key.version[length-1]]; ok {
					add(writer, txnIndex, edgeWW, micro.key)
				}
			}
		}
	}
	return unseen
}

// readEdges adds a committed read's wr edge and its rw edges. A read that
// repeats an element counts as the list of its first occurrences, so the
// repeat implies no order.
func (s *listAppendState) readEdges(reader int, micro microOp, unseen []int, add func(from, to int, kind edgeKind, key int)) {
	key := s.keys[micro.key]
	list := micro.list
	if micro.repeats {
		list = distinctElements(list)
	}
	next := 0
	if length := len(list); length > 0 {
		last := list[length-1]
		if writer, ok := key.writers[last]; ok {
			add(writer, reader, edgeWR, micro.key)
		}
		position, shown := key.position[last]
		if !shown {
			return
		}
		next = position + 1
	}
	if next < len(key.version) {
		if writer, ok := key.writers[key.version[next]]; ok {
			add(reader, writer, edgeRW, micro.key)
		}
		return
	}
	for _, appender := range unseen {
		add(reader, appender, edgeRW, micro.key)
	}
}

// realtimeEdges appends to edges a link from each committed txn to the
// txns invoked after it completed, keeping only a frontier of txns not
// already implied by transitivity. Failed txns are not nodes;
// indeterminate ones never complete, so edges only enter them.
func (s *listAppendState) realtimeEdges(history History, edges []edge) []edge {
	txnAt := make([]int, len(history.Events))
	for i := range txnAt {
		txnAt[i] = -1
	}
	for txnIndex, txn := range s.txns {
		txnAt[txn.operation.InvokeIndex] = txnIndex
		if txn.committed() {
			txnAt[txn.operation.CompletionIndex] = txnIndex
		}
	}
	var frontier []int
	for position, txnIndex := range txnAt {
		if txnIndex < 0 {
			continue
		}
		txn := s.txns[txnIndex]
		if position == txn.operation.InvokeIndex {
			if !txn.failed() {
				for _, before := range frontier {
					edges = append(edges, edge{from: int32(before), to: int32(txnIndex), kind: edgeRealtime, key: -1})
				}
			}
			continue
		}
		kept := frontier[:0]
		for _, before := range frontier {
			if s.txns[before].operation.CompletionIndex > txn.operation.InvokeIndex {
				kept = append(kept, before)
			}
		}
		frontier = append(kept, txnIndex)
	}
	return edges
}

// checkCycles searches the strongly connected components of the data
// edges for the most specific cycle in each, for both verdicts, then those
// of data and real-time edges together that hold no data cycle, for the
// strict verdict only.
func (s *listAppendState) checkCycles(history History, config ListAppendConfig) ListAppendResult {
	const data = edgeWW | edgeWR | edgeRW
	edges := s.realtimeEdges(history, s.dependencyEdges())
	g := newGraph(len(s.txns), edges)
	inside := make([]bool, len(s.txns))
	onDataCycle := make([]bool, len(s.txns))
	for _, component := range g.components(data, nil) {
		s.reportCycle(&s.found, g, component, inside, data, "", config)
		for _, node := range component {
			onDataCycle[node] = true
		}
	}
	strict := s.found.clone()
	for _, component := range g.components(data|edgeRealtime, nil) {
		if !onDataCycle[component[0]] {
			s.reportCycle(&strict, g, component, inside, data|edgeRealtime, "-realtime", config)
		}
	}
	return ListAppendResult{Serializable: s.found.result("serializable"), StrictSerializable: strict.result("strict-serializable")}
}

// reportCycle names the most specific cycle in one component and adds it
// to found. inside is scratch space, all false on entry and on return.
func (s *listAppendState) reportCycle(found *findings, g *graph, component []int, inside []bool, allowed edgeKind, suffix string, config ListAppendConfig) {
	for _, node := range component {
		inside[node] = true
	}
	name, cycle := classifyCycle(g, inside, allowed, config)
	for _, node := range component {
		inside[node] = false
	}
	if cycle == nil {
		panic("checkers: a strongly connected component holds no cycle")
	}
	var text strings.Builder
	var indexes []int
	drawn := Cycle{Anomaly: name + suffix}
	for _, e := range cycle {
		fmt.Fprintf(&text, "%s -%s", s.describe(int(e.from)), e.kind)
		key := ""
		if e.kind != edgeRealtime {
			key = s.keys[e.key].name
			fmt.Fprintf(&text, "[%s]", key)
		}
		text.WriteString("-> ")
		indexes = append(indexes, s.invokeIndex(int(e.from)))
		drawn.Edges = append(drawn.Edges, CycleEdge{From: s.invokeIndex(int(e.from)), To: s.invokeIndex(int(e.to)),
			Kind: e.kind.String(), Key: key})
	}
	text.WriteString(s.describe(int(cycle[0].from)))
	found.add(name+suffix, "cycle "+text.String(), indexes...)
	found.cycles = append(found.cycles, drawn)
}

// classifyCycle finds the most specific cycle inside the marked nodes: G0
// (ww only), G1c (ww and wr), G-single (exactly one rw), else G2-item;
// real-time edges count with the others when allowed.
func classifyCycle(g *graph, inside []bool, allowed edgeKind, config ListAppendConfig) (string, []edge) {
	extra := allowed &^ (edgeWW | edgeWR | edgeRW)
	if cycle := g.findCycle(edgeWW|extra, inside); cycle != nil {
		return "G0", cycle
	}
	if cycle := g.findCycle(edgeWW|edgeWR|extra, inside); cycle != nil {
		return "G1c", cycle
	}
	if cycle := g.findSingleRW(edgeWW|edgeWR|extra, inside, config.SingleRWTriesMax); cycle != nil {
		return "G-single", cycle
	}
	if cycle := g.findCycle(allowed, inside); cycle != nil {
		return "G2-item", cycle
	}
	return "", nil
}
