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

// query plans and runs a top-level query, reusing a kept plan of the
// same parsed query over the same table (queryPlanCache).
func (x executor) query(q *parser.Query) (*Result, error) {
	plan, err := x.s.engine.queryPlans.find(x.s, q)
	if err != nil {
		return nil, err
	}
	if plan == nil {
		x.s.parametersMax = 0
		if plan, err = x.s.planner().planQuery(q, queryContext{}); err != nil {
			return nil, err
		}
		x.s.engine.queryPlans.remember(q, plan, x.s.parametersMax)
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

// rows runs FROM and WHERE, grouping, projection and DISTINCT. Rows
// stream from FROM: only grouped rows and output rows are kept.
func (sp *selectPlan) rows(s *session, outer *frame) ([]orderedRow, error) {
	p := &projection{plan: sp, s: s, frame: &frame{outer: outer}}
	if sp.distinct {
		p.seen = map[string]bool{}
	}
	if sp.grouping == nil {
		err := sp.from.each(s, outer, p.add)
		return p.out, err
	}
	g := sp.grouping.start(s, outer)
	if err := sp.from.each(s, outer, g.add); err != nil {
		return nil, err
	}
	grouped, err := g.finish()
	if err != nil {
		return nil, err
	}
	for _, row := range grouped {
		if err := p.add(row); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

// projection computes output rows (and their ORDER BY keys) one input
// row at a time.
type projection struct {
	plan  *selectPlan
	s     *session
	frame *frame
	seen  map[string]bool // DISTINCT
	out   []orderedRow
	slab  []Value // output values are carved from slabs
}

// projectionSlabRows is how many output rows one allocation holds.
const projectionSlabRows = 64

func (p *projection) add(row []Value) error {
	width := len(p.plan.items)
	if len(p.slab) < width {
		p.slab = make([]Value, width*projectionSlabRows)
	}
	projected := p.slab[:width:width]
	p.frame.row = row
	for i, item := range p.plan.items {
		v, err := item.eval(p.s, p.frame)
		if err != nil {
			return err
		}
		projected[i] = v
	}
	if p.seen != nil {
		key := rowKey(projected)
		if p.seen[key] {
			return nil
		}
		p.seen[key] = true
	}
	p.slab = p.slab[width:]
	result := orderedRow{values: projected}
	if len(p.plan.order) > 0 {
		keys, err := p.plan.orderKeys(p.s, p.frame, projected)
		if err != nil {
			return err
		}
		result.keys = keys
	}
	p.out = append(p.out, result)
	return nil
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
