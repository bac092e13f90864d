package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Join order. A group's members are joined one at a time, greedily: first
// the member with the fewest estimated rows, then, again and again, the
// member connected to those joined so far by an equality (so a chain or
// star of equalities never needs a cross product) whose join is estimated
// to produce the fewest rows. Estimates start from the engine's row
// counts (statistics.go) and shrink with guesses per condition: an
// equality with a constant keeps one row of a unique column and a tenth
// otherwise, a range a third, anything else a half. A joined member is
// looked up through its primary key or an index when an equality binds
// the key's leading column and the rows joined so far are few beside the
// table; otherwise it is hashed (or, without an equality, looped over).

// Guesses of the planner.
const (
	selectivityEquality = 0.1
	selectivityRange    = 1.0 / 3
	selectivityOther    = 0.5
	derivedRowsGuess    = 100
	// lookupRatio: a lookup join needs at least this many table rows per
	// row looked up from.
	lookupRatio = 4
)

// planGroup places the group's conditions and joins its members; it
// returns the estimated rows too.
func (fp *fromPlanner) planGroup(g *group) (fromNode, float64, error) {
	var gates, spanning []conjunct
	for _, c := range g.conjuncts {
		if c.leaves == 0 {
			gates = append(gates, c)
			continue
		}
		if i := slices.IndexFunc(g.members, func(m *member) bool { return c.leaves.subsetOf(m.leaves) }); i >= 0 {
			g.members[i].filters = append(g.members[i].filters, c)
			continue
		}
		spanning = append(spanning, c)
	}
	if len(g.members) == 0 {
		return gateNodeOf(gates, &singleRowNode{width: fp.width()}), 1, nil
	}
	nodes := make([]fromNode, len(g.members))
	estimates := make([]float64, len(g.members))
	for i, m := range g.members {
		node, estimate, err := fp.memberNode(m)
		if err != nil {
			return nil, 0, err
		}
		nodes[i], estimates[i] = node, estimate
	}
	first := 0
	for i, estimate := range estimates {
		if estimate < estimates[first] {
			first = i
		}
	}
	used := make([]bool, len(g.members))
	used[first] = true
	order := []int{first}
	current, bound, rows := nodes[first], g.members[first].leaves, estimates[first]
	for len(order) < len(g.members) {
		next := fp.nextMember(g.members, used, estimates, bound, rows, spanning)
		m := g.members[next.index]
		if next.lookup != nil {
			current, spanning = fp.lookupStep(current, m, bound, *next.lookup, spanning)
		} else {
			var step *joinNode
			step, spanning = fp.joinStep(parser.JoinInner, current, nodes[next.index], bound, m.leaves, spanning)
			step.buildLeft = rows < estimates[next.index] // hash the smaller side, stream the larger
			current = step
		}
		used[next.index] = true
		order = append(order, next.index)
		bound, rows = bound|m.leaves, next.rows
	}
	if len(spanning) > 0 {
		return nil, 0, fmt.Errorf("%w: the condition %s reads a table outside its join", ErrInvalid, spanning[0].source)
	}
	if len(order) > 2 {
		current = &orderedNode{child: current, order: memberNames(g.members, order)}
	}
	return gateNodeOf(gates, current), rows, nil
}

// candidate is a member that may be joined next.
type candidate struct {
	index     int
	connected bool    // an equality binds it to the members joined so far
	rows      float64 // estimated rows after the join
	lookup    *lookupKey
}

// lookupKey is an equality that finds a leaf's rows through its primary
// key or an index: the leaf's column at position (in the table) equals
// key, an expression over the members joined so far.
type lookupKey struct {
	equality conjunct
	key      expression
	position int
	index    *indexSchema // nil: the primary key
}

// nextMember picks the member to join next: connected ones first, then
// the fewest estimated rows, then the fewest rows of its own, then the
// first written.
func (fp *fromPlanner) nextMember(members []*member, used []bool, estimates []float64, bound leafSet, rows float64, spanning []conjunct) candidate {
	best := candidate{index: -1}
	for i, m := range members {
		if used[i] {
			continue
		}
		c := fp.joinEstimate(m, estimates[i], bound, rows, spanning)
		c.index = i
		switch {
		case best.index < 0,
			c.connected && !best.connected,
			c.connected == best.connected && c.rows < best.rows,
			c.connected == best.connected && c.rows == best.rows && estimates[i] < estimates[best.index]:
			best = c
		}
	}
	return best
}

// joinEstimate estimates joining m (of estimate rows of its own) to the
// bound members (of rows), and whether to look it up.
func (fp *fromPlanner) joinEstimate(m *member, estimate float64, bound leafSet, rows float64, spanning []conjunct) candidate {
	c := candidate{rows: rows * estimate}
	unique := false
	residuals := 0
	for _, condition := range spanning {
		if !condition.leaves.subsetOf(bound|m.leaves) || condition.leaves.subsetOf(bound) {
			continue
		}
		boundSide, memberSide, ok := fp.equalitySides(condition, bound, m.leaves)
		if !ok {
			residuals++
			continue
		}
		c.connected = true
		if key, ok := fp.keyColumn(m, memberSide); ok {
			unique = unique || key.unique
			if c.lookup == nil && key.usable {
				c.lookup = &lookupKey{equality: condition, key: boundSide, position: key.position, index: key.index}
			}
		}
	}
	if c.connected {
		c.rows = max(rows, estimate)
		if unique {
			c.rows = rows
		}
	}
	for range residuals {
		c.rows *= selectivityOther
	}
	c.rows = max(c.rows, 1)
	if c.lookup != nil && rows*lookupRatio > fp.p.s.engine.estimatedRows(m.leaf.table.ID) {
		c.lookup = nil
	}
	return c
}

// keyFacts says what a column of a base-table leaf is to lookups.
type keyFacts struct {
	position int
	index    *indexSchema
	usable   bool // it leads the primary key or an index
	unique   bool // it alone is the primary key or a unique index
}

// keyColumn reports whether e is a column of m's base table, and what
// it leads.
func (fp *fromPlanner) keyColumn(m *member, e expression) (keyFacts, bool) {
	if m.leaf == nil || m.leaf.table == nil {
		return keyFacts{}, false
	}
	column, ok := e.(*columnExpr)
	position, inLeaf := column.positionIn(m.leaf.offset, m.leaf.width)
	if !ok || !inLeaf {
		return keyFacts{}, false
	}
	t := m.leaf.table
	id := t.Columns[position].ID
	facts := keyFacts{position: position}
	if len(t.PrimaryKey) > 0 && t.PrimaryKey[0] == id {
		facts.usable, facts.unique = true, len(t.PrimaryKey) == 1
	}
	for i := range t.Indexes {
		index := &t.Indexes[i]
		if index.Columns[0] != id {
			continue
		}
		if !facts.usable {
			facts.usable, facts.index = true, index
		}
		facts.unique = facts.unique || index.Unique && len(index.Columns) == 1
	}
	return facts, true
}

// memberNode plans one member with the conditions over it alone, and
// estimates its rows.
func (fp *fromPlanner) memberNode(m *member) (fromNode, float64, error) {
	if m.leaf == nil {
		node, estimate, err := fp.planOuterJoin(m.outer)
		if err != nil || len(m.filters) == 0 {
			return node, estimate, err
		}
		return &filterNode{child: node, filters: m.filters}, fp.filtered(estimate, m.filters, nil), nil
	}
	l := m.leaf
	if l.derived != nil {
		filters := fp.pushIntoDerived(l, m.filters)
		return &derivedNode{leaf: l, width: fp.width(), filters: filters}, fp.filtered(derivedRowsGuess, m.filters, l), nil
	}
	path := fp.p.chooseAccess(l.table, l.offset, compiledOf(m.filters))
	estimate := fp.filtered(fp.p.s.engine.estimatedRows(l.table.ID), m.filters, l)
	parameterized := slices.ContainsFunc(m.filters, func(c conjunct) bool { return readsParameter(c.compiled) })
	return &scanNode{leaf: l, path: path, width: fp.width(), filters: m.filters, parameterized: parameterized}, estimate, nil
}

// filtered applies the guesses of each condition to rows.
func (fp *fromPlanner) filtered(rows float64, filters []conjunct, l *leaf) float64 {
	out := rows
	for _, c := range filters {
		switch {
		case l == nil:
			out *= selectivityOther
		default:
			position, low, high, ok := conditionBounds(c.compiled, l.offset, l.width, fp.p.s.args)
			switch {
			case !ok:
				out *= selectivityOther
			case isEquality(columnBounds{low: low, high: high}):
				facts, _ := fp.keyColumn(&member{leaf: l}, &columnExpr{position: l.offset + position})
				if facts.unique {
					out = min(out, 1)
				} else {
					out *= selectivityEquality
				}
			default:
				out *= selectivityRange
			}
		}
	}
	return max(out, 1)
}

// planOuterJoin plans both sides and the join. ON conditions over the
// side whose rows may go unmatched filter that side before the join;
// equalities between the sides become hash keys; the rest decide
// matches.
func (fp *fromPlanner) planOuterJoin(oj *outerJoin) (fromNode, float64, error) {
	leftLeaves, rightLeaves := groupLeaves(oj.left), groupLeaves(oj.right)
	var pending []conjunct
	for _, c := range oj.on {
		switch {
		case oj.kind == parser.JoinLeft && c.leaves.subsetOf(rightLeaves):
			oj.right.conjuncts = append(oj.right.conjuncts, c)
		case oj.kind == parser.JoinRight && c.leaves.subsetOf(leftLeaves):
			oj.left.conjuncts = append(oj.left.conjuncts, c)
		default:
			pending = append(pending, c)
		}
	}
	left, leftRows, err := fp.planGroup(oj.left)
	if err != nil {
		return nil, 0, err
	}
	right, rightRows, err := fp.planGroup(oj.right)
	if err != nil {
		return nil, 0, err
	}
	step, rest := fp.joinStep(oj.kind, left, right, leftLeaves, rightLeaves, pending)
	if len(rest) > 0 {
		return nil, 0, fmt.Errorf("%w: the condition %s reads a table outside its join", ErrInvalid, rest[0].source)
	}
	switch oj.kind {
	case parser.JoinLeft:
		return step, leftRows, nil
	case parser.JoinRight:
		return step, rightRows, nil
	}
	return step, leftRows + rightRows, nil
}

func groupLeaves(g *group) leafSet {
	var set leafSet
	for _, m := range g.members {
		set |= m.leaves
	}
	return set
}

// lookupStep joins the leaf of m by looking its rows up: the conditions
// over m alone and every pending one the join binds apply to each row
// found.
func (fp *fromPlanner) lookupStep(left fromNode, m *member, bound leafSet, key lookupKey, pending []conjunct) (fromNode, []conjunct) {
	l := m.leaf
	access := fp.p.chooseAccess(l.table, l.offset, compiledOf(m.filters))
	path := accessPath{table: l.table, index: key.index, column: l.table.Columns[key.position].Name, usesKey: true, equalities: true}
	step := &lookupJoinNode{left: left, leaf: l, path: path, lock: access.lock, key: key.key, equality: key.equality,
		filters: m.filters, width: fp.width(), leftSpans: fp.spans(bound)}
	var rest []conjunct
	for _, c := range pending {
		switch {
		case !c.leaves.subsetOf(bound | m.leaves):
			rest = append(rest, c)
		case c.source != key.equality.source:
			step.on = append(step.on, c)
		}
	}
	return step, rest
}

// memberNames names the members in join order, for EXPLAIN.
func memberNames(members []*member, order []int) []string {
	names := make([]string, len(order))
	for i, index := range order {
		if l := members[index].leaf; l != nil {
			names[i] = l.alias
		} else {
			names[i] = "(outer join)"
		}
	}
	return names
}
