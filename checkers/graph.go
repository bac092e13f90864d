package checkers

import (
	"cmp"
	"slices"
)

// edgeKind is a set of dependency kinds between two transactions.
type edgeKind uint8

const (
	edgeWW edgeKind = 1 << iota
	edgeWR
	edgeRW
	edgeRealtime
)

func (k edgeKind) String() string {
	names := []string{"ww", "wr", "rw", "rt"}
	text := ""
	for bit, name := range names {
		if k&(1<<bit) != 0 {
			if text != "" {
				text += "+"
			}
			text += name
		}
	}
	return text
}

type edge struct {
	from, to int32
	// key indexes the key the edge is about; -1 for a real-time edge.
	key  int32
	kind edgeKind
}

// graph is a dependency graph over transactions 0..nodeCount-1, with edges
// merged per (from, to) and sorted, so every walk is deterministic. The
// edges of node n are edges[start[n]:start[n+1]].
type graph struct {
	nodeCount int
	edges     []edge
	start     []int
}

// newGraph groups edges by node (a counting sort), sorts each node's by
// target and key, and merges those to the same target.
func newGraph(nodeCount int, edges []edge) *graph {
	start := make([]int, nodeCount+1)
	for _, e := range edges {
		start[e.from+1]++
	}
	for node := range nodeCount {
		start[node+1] += start[node]
	}
	grouped := make([]edge, len(edges))
	next := slices.Clone(start[:nodeCount])
	for _, e := range edges {
		grouped[next[e.from]] = e
		next[e.from]++
	}
	merged := grouped[:0]
	for node := range nodeCount {
		own := grouped[start[node]:start[node+1]]
		slices.SortFunc(own, func(a, b edge) int { return cmp.Or(cmp.Compare(a.to, b.to), cmp.Compare(a.key, b.key)) })
		start[node] = len(merged)
		first := len(merged)
		for _, e := range own {
			if last := len(merged) - 1; last >= first && merged[last].to == e.to {
				merged[last].kind |= e.kind
				if merged[last].key < 0 { // a real-time edge sorts first; name a data edge's key
					merged[last].key = e.key
				}
				continue
			}
			merged = append(merged, e)
		}
	}
	start[nodeCount] = len(merged)
	return &graph{nodeCount: nodeCount, edges: merged, start: start}
}

// adjacency returns the edges leaving node.
func (g *graph) adjacency(node int) []edge { return g.edges[g.start[node]:g.start[node+1]] }

// components returns the strongly connected components with more than one
// node, over edges whose kind intersects allowed, restricted to nodes where
// inside is true (all nodes when inside is nil). Iterative Tarjan.
func (g *graph) components(allowed edgeKind, inside []bool) [][]int {
	index := make([]int, g.nodeCount)
	low := make([]int, g.nodeCount)
	onStack := make([]bool, g.nodeCount)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var result [][]int
	counter := 0
	type frame struct{ node, next int }
	for root := range g.nodeCount {
		if index[root] >= 0 || (inside != nil && !inside[root]) {
			continue
		}
		calls := []frame{{root, 0}}
		index[root], low[root] = counter, counter
		counter++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			top := &calls[len(calls)-1]
			node := top.node
			if top.next < len(g.adjacency(node)) {
				e := g.adjacency(node)[top.next]
				to := int(e.to)
				top.next++
				if e.kind&allowed == 0 || (inside != nil && !inside[to]) {
					continue
				}
				if index[to] < 0 {
					index[to], low[to] = counter, counter
					counter++
					stack = append(stack, to)
					onStack[to] = true
					calls = append(calls, frame{to, 0})
				} else if onStack[to] {
					low[node] = min(low[node], index[to])
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				parent := calls[len(calls)-1].node
				low[parent] = min(low[parent], low[node])
			}
			if low[node] != index[node] {
				continue
			}
			var component []int
			for {
				member := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[member] = false
				component = append(component, member)
				if member == node {
					break
				}
			}
			if len(component) > 1 {
				slices.Sort(component)
				result = append(result, component)
			}
		}
	}
	return result
}

// shortestPath returns the edges of a shortest path from start to target
// over allowed edges inside the marked nodes, or nil. A path from a node to
// itself is a cycle.
func (g *graph) shortestPath(start, target int, allowed edgeKind, inside []bool) []edge {
	parent := map[int]edge{}
	queue := []int{start}
	for len(queue) > 0 {
		node := queue[0]
		queue = queue[1:]
		for _, e := range g.adjacency(node) {
			to := int(e.to)
			if e.kind&allowed == 0 || !inside[to] {
				continue
			}
			if _, seen := parent[to]; seen {
				continue
			}
			parent[to] = edge{from: e.from, to: e.to, kind: e.kind & allowed, key: e.key}
			if to == target {
				return unwindPath(parent, start, target)
			}
			queue = append(queue, to)
		}
	}
	return nil
}

func unwindPath(parent map[int]edge, start, target int) []edge {
	var path []edge
	node := target
	for {
		e := parent[node]
		path = append(path, e)
		node = int(e.from)
		if node == start {
			break
		}
	}
	slices.Reverse(path)
	return path
}

// findCycle returns a shortest cycle found in the first component of the
// allowed subgraph inside the marked nodes, or nil when there is none.
func (g *graph) findCycle(allowed edgeKind, inside []bool) []edge {
	components := g.components(allowed, inside)
	if len(components) == 0 {
		return nil
	}
	member := make([]bool, g.nodeCount)
	for _, node := range components[0] {
		member[node] = true
	}
	return g.shortestPath(components[0][0], components[0][0], allowed, member)
}

// findSingleRW returns a cycle with exactly one rw edge, the rest of kinds
// in others, trying at most triesMax rw edges; nil when none is found.
func (g *graph) findSingleRW(others edgeKind, inside []bool, triesMax int) []edge {
	tries := 0
	for from := range g.nodeCount {
		if !inside[from] {
			continue
		}
		for _, e := range g.adjacency(from) {
			if e.kind&edgeRW == 0 || !inside[e.to] {
				continue
			}
			if tries++; tries > triesMax {
				return nil
			}
			if back := g.shortestPath(int(e.to), from, others, inside); back != nil {
				first := edge{from: e.from, to: e.to, kind: edgeRW, key: e.key}
				return append([]edge{first}, back...)
			}
		}
	}
	return nil
}
