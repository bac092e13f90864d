package checkers

import (
	"fmt"
	"strings"
)

// dependencyEdges builds ww, wr and rw edges from each key's version order,
// over committed and indeterminate txns (aborted ones are not nodes).
func (s *listAppendState) dependencyEdges() []edge {
	var edges []edge
	add := func(from, to int, kind edgeKind, key string) {
		if from != to && s.txns[from].operation.Type != TypeFail && s.txns[to].operation.Type != TypeFail {
			edges = append(edges, edge{from: from, to: to, kind: kind, key: key})
		}
	}
	for _, key := range sortedKeys(s.versions) {
		versions := s.versions[key]
		for i := 1; i < len(versions); i++ {
			previous, okPrevious := s.writer[key][versions[i-1]]
			next, okNext := s.writer[key][versions[i]]
			if okPrevious && okNext {
				add(previous.txn, next.txn, edgeWW, key)
			}
		}
	}
	for reader, txn := range s.txns {
		if txn.operation.Type != TypeOK {
			continue
		}
		for _, micro := range txn.microOps {
			if micro.function != MicroRead {
				continue
			}
			versions := s.versions[micro.key]
			if length := len(micro.list); length > 0 {
				if ref, ok := s.writer[micro.key][micro.list[length-1]]; ok {
					add(ref.txn, reader, edgeWR, micro.key)
				}
			}
			if length := len(micro.list); length < len(versions) {
				if ref, ok := s.writer[micro.key][versions[length]]; ok {
					add(reader, ref.txn, edgeRW, micro.key)
				}
			}
		}
	}
	return edges
}

// realtimeEdges links each committed txn to the txns invoked after it
// completed, keeping only a frontier of txns not already implied by
// transitivity.
func (s *listAppendState) realtimeEdges(history History) []edge {
	txnAtInvoke := map[int]int{}
	txnAtCompletion := map[int]int{}
	for txnIndex, txn := range s.txns {
		txnAtInvoke[txn.operation.InvokeIndex] = txnIndex
		if txn.operation.Type == TypeOK {
			txnAtCompletion[txn.operation.CompletionIndex] = txnIndex
		}
	}
	var edges []edge
	var frontier []int
	for position := range history.Events {
		if txnIndex, ok := txnAtInvoke[position]; ok && s.txns[txnIndex].operation.Type != TypeFail {
			for _, before := range frontier {
				edges = append(edges, edge{from: before, to: txnIndex, kind: edgeRealtime})
			}
		}
		txnIndex, ok := txnAtCompletion[position]
		if !ok {
			continue
		}
		invoke := s.txns[txnIndex].operation.InvokeIndex
		kept := frontier[:0]
		for _, before := range frontier {
			if s.txns[before].operation.CompletionIndex > invoke {
				kept = append(kept, before)
			}
		}
		frontier = append(kept, txnIndex)
	}
	return edges
}

// checkCycles searches each strongly connected component for the most
// specific cycle it contains and names it.
func (s *listAppendState) checkCycles(history History, config ListAppendConfig) {
	edges := s.dependencyEdges()
	data := edgeWW | edgeWR | edgeRW
	all := data
	if config.RealTime {
		edges = append(edges, s.realtimeEdges(history)...)
		all |= edgeRealtime
	}
	g := newGraph(len(s.txns), edges)
	for _, component := range g.components(all, nil) {
		inside := make([]bool, len(s.txns))
		for _, node := range component {
			inside[node] = true
		}
		name, cycle := s.classify(g, inside, data, "", config)
		if cycle == nil && config.RealTime {
			name, cycle = s.classify(g, inside, all, "-realtime", config)
		}
		if cycle == nil {
			panic("checkers: a strongly connected component holds no cycle")
		}
		s.reportCycle(name, cycle)
	}
}

func (s *listAppendState) classify(g *graph, inside []bool, allowed edgeKind, suffix string, config ListAppendConfig) (string, []edge) {
	extra := allowed &^ (edgeWW | edgeWR | edgeRW)
	if cycle := g.findCycle(edgeWW|extra, inside); cycle != nil {
		return "G0" + suffix, cycle
	}
	if cycle := g.findCycle(edgeWW|edgeWR|extra, inside); cycle != nil {
		return "G1c" + suffix, cycle
	}
	if cycle := g.findSingleRW(edgeWW|edgeWR|extra, inside, config.SingleRWTriesMax); cycle != nil {
		return "G-single" + suffix, cycle
	}
	if cycle := g.findCycle(allowed, inside); cycle != nil {
		return "G2-item" + suffix, cycle
	}
	return "", nil
}

func (s *listAppendState) reportCycle(name string, cycle []edge) {
	var text strings.Builder
	var indexes []int
	for _, e := range cycle {
		fmt.Fprintf(&text, "%s -%s", s.describe(e.from), e.kind)
		if e.key != "" && e.kind != edgeRealtime {
			fmt.Fprintf(&text, "[%s]", e.key)
		}
		text.WriteString("-> ")
		indexes = append(indexes, s.txns[e.from].operation.InvokeIndex)
	}
	text.WriteString(s.describe(cycle[0].from))
	s.found.add(name, "cycle "+text.String(), indexes...)
}
