package sql

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// queryContext is where a query is planned: the scope around it (nil at
// the top), the correlation that records its references to that scope
// (nil unless it is a subquery), and the common table expressions it may
// name.
type queryContext struct {
	outer       *planScope
	correlation *correlation
	ctes        *cteScope
}

// queryPlan is a planned query: its body, then ORDER BY, LIMIT and
// OFFSET over the body's rows.
type queryPlan struct {
	body    bodyPlan
	order   []parser.OrderItem // directions and NULL placement of the keys
	limit   expression         // nil: none; compiled over no row
	offset  expression
	columns []string
}

// bodyPlan is a SELECT or a compound of SELECTs. Its rows carry the
// ORDER BY keys of the query.
type bodyPlan interface {
	rows(s *session, outer *frame) ([]orderedRow, error)
	explain(w *explainWriter, indent int)
}

// orderedRow is an output row with its ORDER BY keys.
type orderedRow struct {
	values []Value
	keys   []Value
}

// selectPlan is one SELECT.
type selectPlan struct {
	from     fromNode   // rows of FROM with WHERE applied
	grouping *groupPlan // nil unless aggregating
	items    []expression
	order    []orderKey
	distinct bool
	// targets are the output columns as written, * expanded (nil when a
	// column is not expressible so), for pushing conditions into a view.
	targets []parser.Expr
}

// orderKey is an ORDER BY key: an output column, or an expression over
// the rows before projection.
type orderKey struct {
	output     int // -1 for an expression
	expression expression
}

// setPlan is left UNION | INTERSECT | EXCEPT [ALL] right.
type setPlan struct {
	operator    parser.SetOperator
	all         bool
	left        bodyPlan
	right       *selectPlan
	orderOutput []int // ORDER BY keys as output positions
}

func (p planner) planQuery(q *parser.Query, ctx queryContext) (*queryPlan, error) {
	ctx, err := p.withCTEs(q.With, ctx)
	if err != nil {
		return nil, err
	}
	plan := &queryPlan{order: q.OrderBy}
	if plan.body, plan.columns, err = p.planBody(q.Body, q.OrderBy, ctx); err != nil {
		return nil, err
	}
	limits := &compiler{s: p.s, scope: &planScope{parent: ctx.outer, correlation: ctx.correlation}, ctes: ctx.ctes, clause: "LIMIT"}
	if q.Limit != nil {
		if plan.limit, err = limits.compile(q.Limit); err != nil {
			return nil, err
		}
	}
	if q.Offset != nil {
		limits.clause = "OFFSET"
		if plan.offset, err = limits.compile(q.Offset); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

func (p planner) planBody(body parser.QueryBody, order []parser.OrderItem, ctx queryContext) (bodyPlan, []string, error) {
	switch body := body.(type) {
	case *parser.Select:
		return p.planSelect(body, order, ctx)
	case *parser.SetOperation:
		return p.planSetOperation(body, order, ctx)
	}
	return nil, nil, fmt.Errorf("%w: unsupported query %s", ErrInvalid, body)
}

func (p planner) planSetOperation(op *parser.SetOperation, order []parser.OrderItem, ctx queryContext) (bodyPlan, []string, error) {
	left, columns, err := p.planBody(op.Left, nil, ctx)
	if err != nil {
		return nil, nil, err
	}
	right, rightColumns, err := p.planSelect(op.Right, nil, ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(columns) != len(rightColumns) {
		return nil, nil, fmt.Errorf("%w: %s of %d and %d columns", ErrInvalid, op.Operator, len(columns), len(rightColumns))
	}
	positions, err := outputOrderKeys(columns, order)
	if err != nil {
		return nil, nil, err
	}
	return &setPlan{operator: op.Operator, all: op.All, left: left, right: right, orderOutput: positions}, columns, nil
}

// outputOrderKeys resolves ORDER BY of a compound: output names or
// positions only.
func outputOrderKeys(columns []string, order []parser.OrderItem) ([]int, error) {
	positions := make([]int, len(order))
	for i, item := range order {
		position, ok := outputPosition(columns, item.Expr)
		if !ok {
			return nil, fmt.Errorf("%w: ORDER BY of a compound query must name an output column: %s", ErrInvalid, item.Expr)
		}
		positions[i] = position
	}
	return positions, nil
}

// outputPosition finds an ORDER BY item among the output columns: a
// 1-based position or an unqualified output name.
func outputPosition(columns []string, e parser.Expr) (int, bool) {
	switch e := e.(type) {
	case *parser.NumberLiteral:
		n, err := strconv.Atoi(e.Text)
		if err == nil && n >= 1 && n <= len(columns) {
			return n - 1, true
		}
	case *parser.ColumnRef:
		if e.Table == "" {
			if position := slices.Index(columns, e.Column); position >= 0 {
				return position, true
			}
		}
	}
	return 0, false
}

// planSelect plans FROM and WHERE (fromPlanner), then grouping,
// projection and the ORDER BY keys.
func (p planner) planSelect(sel *parser.Select, order []parser.OrderItem, ctx queryContext) (*selectPlan, []string, error) {
	from, scope, err := p.planFrom(sel.From, sel.Where, ctx)
	if err != nil {
		return nil, nil, err
	}
	plan := &selectPlan{from: from, distinct: sel.Distinct}
	c := &compiler{s: p.s, scope: scope, ctes: ctx.ctes, clause: "this clause"}
	if needsGrouping(sel, order) {
		if plan.grouping, err = p.planGrouping(sel, c); err != nil {
			return nil, nil, err
		}
		c.aggregates = plan.grouping.aggregates
	}
	items, columns, err := expandItems(sel.Items, scope)
	if err != nil {
		return nil, nil, err
	}
	plan.targets = targetExprs(items, scope)
	c.clause = "SELECT"
	if plan.items, err = c.compileTargets(items); err != nil {
		return nil, nil, err
	}
	c.clause = "ORDER BY"
	for _, item := range order {
		if position, ok := outputPosition(columns, item.Expr); ok {
			plan.order = append(plan.order, orderKey{output: position})
			continue
		}
		key, err := c.compile(item.Expr)
		if err != nil {
			return nil, nil, err
		}
		plan.order = append(plan.order, orderKey{output: -1, expression: key})
	}
	return plan, columns, nil
}

// planGrouping compiles GROUP BY (no aggregates) and HAVING (over the
// grouped rows).
func (p planner) planGrouping(sel *parser.Select, c *compiler) (*groupPlan, error) {
	g := &groupPlan{aggregates: &aggregateSet{inputWidth: len(c.scope.columns)}, grouped: len(sel.GroupBy) > 0}
	c.clause = "GROUP BY"
	keys, err := c.compileAll(sel.GroupBy)
	if err != nil {
		return nil, err
	}
	g.keys = keys
	if sel.Having != nil {
		having := *c
		having.aggregates, having.clause = g.aggregates, "HAVING"
		if g.having, err = having.compile(sel.Having); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func needsGrouping(sel *parser.Select, order []parser.OrderItem) bool {
	if len(sel.GroupBy) > 0 || sel.Having != nil {
		return true
	}
	for _, item := range sel.Items {
		if item.Expr != nil && containsAggregate(item.Expr) {
			return true
		}
	}
	for _, item := range order {
		if containsAggregate(item.Expr) {
			return true
		}
	}
	return false
}

// selectTarget is an output column before compiling: an expression, or
// (from * and table.*) a column of the FROM scope by position.
type selectTarget struct {
	expr     parser.Expr
	position int
	merge    bool // a bare * reads a merged USING column as COALESCE
}

// expandItems replaces * and table.* by the columns they stand for and
// names the output columns.
func expandItems(items []parser.SelectItem, scope *planScope) ([]selectTarget, []string, error) {
	var out []selectTarget
	var names []string
	for _, item := range items {
		if !item.Star {
			out = append(out, selectTarget{expr: item.Expr})
			names = append(names, itemName(item))
			continue
		}
		matched := false
		for position, c := range scope.columns {
			if item.Table == "" && !c.hidden || item.Table != "" && c.table == item.Table {
				out = append(out, selectTarget{position: position, merge: item.Table == "" && c.merged > 0})
				names = append(names, c.name)
				matched = true
			}
		}
		if !matched && item.Table != "" {
			return nil, nil, fmt.Errorf("%w: %s.*", ErrUnknownTable, item.Table)
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("%w: SELECT * without columns", ErrInvalid)
	}
	return out, names, nil
}

// targetExprs writes the output columns as expressions: a column of *
// becomes a reference to it (unqualified for a merged USING column).
func targetExprs(targets []selectTarget, scope *planScope) []parser.Expr {
	out := make([]parser.Expr, len(targets))
	for i, target := range targets {
		if target.expr != nil {
			out[i] = target.expr
			continue
		}
		switch c := scope.columns[target.position]; {
		case target.merge:
			out[i] = &parser.ColumnRef{Column: c.name}
		case c.table == "":
			return nil
		default:
			out[i] = &parser.ColumnRef{Table: c.table, Column: c.name}
		}
	}
	return out
}

// compileTargets compiles the output columns.
func (c *compiler) compileTargets(targets []selectTarget) ([]expression, error) {
	out := make([]expression, len(targets))
	for i, target := range targets {
		if target.expr != nil {
			compiled, err := c.compile(target.expr)
			if err != nil {
				return nil, err
			}
			out[i] = compiled
			continue
		}
		out[i] = &columnExpr{position: target.position}
		if target.merge {
			other := &columnExpr{position: c.scope.columns[target.position].merged - 1}
			out[i] = &coalesceExpr{operands: []expression{out[i], other}}
		}
	}
	return out, nil
}

func itemName(item parser.SelectItem) string {
	if item.Alias != "" {
		return item.Alias
	}
	if ref, ok := item.Expr.(*parser.ColumnRef); ok {
		return ref.Column
	}
	return item.Expr.String()
}
