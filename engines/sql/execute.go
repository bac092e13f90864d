package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Running plans. Every node materializes its rows (bounded by the
// statement's intermediateMax); rows keep the order they are produced in,
// which depends only on the plan and the data, never on map order.

// executor runs statements' plans: queries here, and the rows DML
// reads and writes (dml.go).
type executor struct{ s *session }

// query plans and runs a top-level query.
func (x executor) query(q *parser.Query) (*Result, error) {
	plan, err := x.s.planner().planQuery(q, queryContext{})
	if err != nil {
		return nil, err
	}
	return plan.run(x.s, nil)
}

func (plan *queryPlan) run(s *session, outer *frame) (*Result, error) {
	rows, err := plan.body.rows(s, outer)
	if err != nil {
		return nil, err
	}
	if len(plan.order) > 0 {
		sortRows(rows, plan.order)
	}
	offset, limit, err := plan.limits(s, outer)
	if err != nil {
		return nil, err
	}
	result := &Result{Columns: plan.columns}
	for i := offset; i < len(rows) && (limit < 0 || i < offset+limit); i++ {
		result.Rows = append(result.Rows, rows[i].values)
	}
	if len(result.Rows) > resultRowsMax {
		return nil, fmt.Errorf("%w: a result may hold at most %d rows", ErrLimit, resultRowsMax)
	}
	return result, nil
}

func (plan *queryPlan) limits(s *session, outer *frame) (offset, limit int, err error) {
	f := &frame{outer: outer}
	read := func(e expression, what string) (int, error) {
		v, err := e.eval(s, f)
		if err != nil {
			return 0, err
		}
		if v.typ != TypeInt || v.integer < 0 {
			return 0, fmt.Errorf("%w: %s must be a non-negative integer, got %s", ErrInvalid, what, v)
		}
		return int(min(v.integer, 1<<40)), nil
	}
	limit = -1
	if plan.limit != nil {
		if limit, err = read(plan.limit, "LIMIT"); err != nil {
			return 0, 0, err
		}
	}
	if plan.offset != nil {
		if offset, err = read(plan.offset, "OFFSET"); err != nil {
			return 0, 0, err
		}
	}
	return offset, limit, nil
}

func sortRows(rows []orderedRow, order []parser.OrderItem) {
	slices.SortStableFunc(rows, func(a, b orderedRow) int {
		for i, item := range order {
			x, y := a.keys[i], b.keys[i]
			if x.IsNull() != y.IsNull() {
				nullsFirst := item.Nulls == parser.NullsFirst || item.Nulls == parser.NullsDefault && item.Descending
				if x.IsNull() == nullsFirst {
					return -1
				}
				return 1
			}
			result := sortCompare(x, y)
			if item.Descending {
				result = -result
			}
			if result != 0 {
				return result
			}
		}
		return 0
	})
}

// rows runs FROM and WHERE, grouping, projection and DISTINCT.
func (sp *selectPlan) rows(s *session, outer *frame) ([]orderedRow, error) {
	input, err := sp.from.run(s, outer)
	if err != nil {
		return nil, err
	}
	rows := input.rows
	if sp.grouping != nil {
		if rows, err = sp.grouping.run(s, rows, outer); err != nil {
			return nil, err
		}
	}
	out := make([]orderedRow, 0, len(rows))
	values := make([]Value, len(rows)*len(sp.items)) // one allocation for every output value
	var seen map[string]bool
	if sp.distinct {
		seen = map[string]bool{}
	}
	f := &frame{outer: outer}
	for _, row := range rows {
		f.row = row
		projected := values[:len(sp.items):len(sp.items)]
		values = values[len(sp.items):]
		for i, item := range sp.items {
			if projected[i], err = item.eval(s, f); err != nil {
				return nil, err
			}
		}
		if seen != nil {
			key := rowKey(projected)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		result := orderedRow{values: projected}
		if len(sp.order) > 0 {
			if result.keys, err = sp.orderKeys(s, f, projected); err != nil {
				return nil, err
			}
		}
		out = append(out, result)
	}
	return out, nil
}

func (sp *selectPlan) orderKeys(s *session, f *frame, projected []Value) ([]Value, error) {
	keys := make([]Value, len(sp.order))
	for i, key := range sp.order {
		if key.output >= 0 {
			keys[i] = projected[key.output]
			continue
		}
		v, err := key.expression.eval(s, f)
		if err != nil {
			return nil, err
		}
		keys[i] = v
	}
	return keys, nil
}

func (sp *setPlan) rows(s *session, outer *frame) ([]orderedRow, error) {
	left, err := sp.left.rows(s, outer)
	if err != nil {
		return nil, err
	}
	right, err := sp.right.rows(s, outer)
	if err != nil {
		return nil, err
	}
	rightCounts := map[string]int{}
	for _, row := range right {
		rightCounts[rowKey(row.values)]++
	}
	var out []orderedRow
	seen := map[string]bool{}
	keep := func(row orderedRow) {
		key := rowKey(row.values)
		if !sp.all && seen[key] {
			return
		}
		seen[key] = true
		out = append(out, row)
	}
	switch sp.operator {
	case parser.SetUnion:
		for _, row := range append(left, right...) {
			keep(row)
		}
	case parser.SetIntersect, parser.SetExcept:
		for _, row := range left {
			key := rowKey(row.values)
			present := rightCounts[key] > 0
			if sp.all && present {
				rightCounts[key]--
			}
			if present == (sp.operator == parser.SetIntersect) {
				keep(row)
			}
		}
	}
	for i := range out {
		out[i].keys = make([]Value, len(sp.orderOutput))
		for j, position := range sp.orderOutput {
			out[i].keys[j] = out[i].values[position]
		}
	}
	return out, nil
}

// fromNode produces rows of a FROM clause.
type fromNode interface {
	run(s *session, outer *frame) (rowSet, error)
	explain(w *explainWriter, indent int)
}

// span is where one leaf's columns sit in the canonical layout.
type span struct{ offset, width int }

// rowSet is what a node produces: rows in the canonical layout, or
// (local) the rows of one leaf, holding only its columns.
type rowSet struct {
	rows  [][]Value
	local bool
}

// singleRowNode is the FROM of a SELECT without FROM: one empty row.
type singleRowNode struct{ width int }

func (n *singleRowNode) run(*session, *frame) (rowSet, error) {
	return rowSet{rows: [][]Value{make([]Value, n.width)}}, nil
}

// gateNode evaluates conditions that read no row of its FROM once,
// before anything is read: when one does not hold, nothing is.
type gateNode struct {
	conditions []conjunct
	child      fromNode
}

func gateNodeOf(conditions []conjunct, child fromNode) fromNode {
	if len(conditions) == 0 {
		return child
	}
	return &gateNode{conditions: conditions, child: child}
}

func (n *gateNode) run(s *session, outer *frame) (rowSet, error) {
	ok, err := holdsAll(s, compiledOf(n.conditions), &frame{outer: outer})
	if err != nil || !ok {
		return rowSet{}, err
	}
	return n.child.run(s, outer)
}

func compiledOf(conditions []conjunct) []expression {
	out := make([]expression, len(conditions))
	for i, c := range conditions {
		out[i] = c.compiled
	}
	return out
}

// filterNode keeps the canonical rows of its child that satisfy every
// condition.
type filterNode struct {
	child   fromNode
	filters []conjunct
}

func (n *filterNode) run(s *session, outer *frame) (rowSet, error) {
	input, err := n.child.run(s, outer)
	if err != nil {
		return rowSet{}, err
	}
	conditions := compiledOf(n.filters)
	kept := input.rows[:0:0]
	f := &frame{outer: outer}
	for _, row := range input.rows {
		f.row = row
		ok, err := holdsAll(s, conditions, f)
		if err != nil {
			return rowSet{}, err
		}
		if ok {
			kept = append(kept, row)
		}
	}
	return rowSet{rows: kept, local: input.local}, nil
}

// orderedNode marks a group joined in a chosen order, for EXPLAIN.
type orderedNode struct {
	child fromNode
	order []string
}

func (n *orderedNode) run(s *session, outer *frame) (rowSet, error) { return n.child.run(s, outer) }

// leafFilter evaluates a leaf's conditions over its local rows: each row
// is placed in a canonical row (when the leaf is not the whole layout)
// that the conditions read.
type leafFilter struct {
	conditions []expression
	offset     int
	scratch    []Value
	frame      *frame
}

func newLeafFilter(filters []conjunct, l *leaf, width int, outer *frame) *leafFilter {
	if len(filters) == 0 {
		return nil
	}
	f := &leafFilter{conditions: compiledOf(filters), offset: l.offset, frame: &frame{outer: outer}}
	if l.width != width {
		f.scratch = make([]Value, width)
	}
	return f
}

func (f *leafFilter) keeps(s *session, row []Value) (bool, error) {
	if f == nil {
		return true, nil
	}
	f.frame.row = row
	if f.scratch != nil {
		copy(f.scratch[f.offset:], row)
		f.frame.row = f.scratch
	}
	return holdsAll(s, f.conditions, f.frame)
}

// scanNode reads a base table through its access path, under the
// path's predicate lock, keeping the rows its conditions accept.
type scanNode struct {
	leaf    *leaf
	path    accessPath
	width   int
	filters []conjunct
}

func (n *scanNode) run(s *session, outer *frame) (rowSet, error) {
	if err := s.locks().predicate(n.path.lock); err != nil {
		return rowSet{}, err
	}
	filter := newLeafFilter(n.filters, n.leaf, n.width, outer)
	var rows [][]Value
	err := s.readPath(n.path, func(_ []byte, row []Value) error {
		ok, err := filter.keeps(s, row)
		if err != nil || !ok {
			return err
		}
		rows = append(rows, row)
		return s.produced(1)
	})
	return rowSet{rows: rows, local: true}, err
}

// derivedNode runs the query of a derived table, view or common table
// expression.
type derivedNode struct {
	leaf    *leaf
	width   int
	filters []conjunct
}

func (n *derivedNode) run(s *session, outer *frame) (rowSet, error) {
	result, err := n.leaf.derived.run(s, outer)
	if err != nil {
		return rowSet{}, err
	}
	filter := newLeafFilter(n.filters, n.leaf, n.width, outer)
	rows := result.Rows[:0:0]
	for _, row := range result.Rows {
		ok, err := filter.keeps(s, row)
		if err != nil {
			return rowSet{}, err
		}
		if ok {
			rows = append(rows, row)
		}
	}
	return rowSet{rows: rows, local: true}, s.produced(len(rows))
}
