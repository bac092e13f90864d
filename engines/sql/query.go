package sql

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// executor runs queries: FROM, WHERE, grouping, projection, ordering,
// and evaluates expressions and functions.
type executor struct{ s *session }

// relation is an intermediate table: named columns and materialized rows.
type relation struct {
	columns []relColumn
	rows    [][]Value
}

// query runs a top-level query.
func (x executor) query(q *parser.Query) (*Result, error) {
	return x.runQuery(q, nil, 0)
}

// subquery runs a nested query seeing the enclosing scope. rowsWanted
// (when > 0) lets EXISTS and scalar subqueries stop early.
func (x executor) subquery(q *parser.Query, sc *scope, rowsWanted int) (*Result, error) {
	return x.runQuery(q, sc, rowsWanted)
}

// orderedRow is an output row with its ORDER BY keys.
type orderedRow struct {
	values []Value
	keys   []Value
}

func (x executor) runQuery(q *parser.Query, outer *scope, rowsWanted int) (*Result, error) {
	columns, rows, err := x.queryBody(q.Body, q.OrderBy, outer)
	if err != nil {
		return nil, err
	}
	if len(q.OrderBy) > 0 {
		sortRows(rows, q.OrderBy)
	}
	offset, limit, err := x.limits(q, outer)
	if err != nil {
		return nil, err
	}
	result := &Result{Columns: columns}
	for i := offset; i < len(rows) && (limit < 0 || i < offset+limit); i++ {
		result.Rows = append(result.Rows, rows[i].values)
	}
	if len(result.Rows) > resultRowsMax {
		return nil, fmt.Errorf("%w: a result may hold at most %d rows", ErrLimit, resultRowsMax)
	}
	return result, nil
}

func (x executor) limits(q *parser.Query, sc *scope) (offset, limit int, err error) {
	read := func(e parser.Expr, what string) (int, error) {
		v, err := x.eval(e, sc)
		if err != nil {
			return 0, err
		}
		if v.typ != TypeInt || v.integer < 0 {
			return 0, fmt.Errorf("%w: %s must be a non-negative integer, got %s", ErrInvalid, what, v)
		}
		return int(min(v.integer, 1<<40)), nil
	}
	limit = -1
	if q.Limit != nil {
		if limit, err = read(q.Limit, "LIMIT"); err != nil {
			return 0, 0, err
		}
	}
	if q.Offset != nil {
		if offset, err = read(q.Offset, "OFFSET"); err != nil {
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

func (x executor) queryBody(body parser.QueryBody, order []parser.OrderItem, outer *scope) ([]string, []orderedRow, error) {
	switch body := body.(type) {
	case *parser.Select:
		return x.selectRows(body, order, outer)
	case *parser.SetOperation:
		return x.setOperation(body, order, outer)
	}
	return nil, nil, fmt.Errorf("%w: unsupported query %s", ErrInvalid, body)
}

func (x executor) setOperation(op *parser.SetOperation, order []parser.OrderItem, outer *scope) ([]string, []orderedRow, error) {
	columns, left, err := x.queryBody(op.Left, nil, outer)
	if err != nil {
		return nil, nil, err
	}
	rightColumns, right, err := x.selectRows(op.Right, nil, outer)
	if err != nil {
		return nil, nil, err
	}
	if len(columns) != len(rightColumns) {
		return nil, nil, fmt.Errorf("%w: %s of %d and %d columns", ErrInvalid, op.Operator, len(columns), len(rightColumns))
	}
	rightCounts := map[string]int{}
	for _, row := range right {
		rightCounts[rowKey(row.values)]++
	}
	var out []orderedRow
	seen := map[string]bool{}
	keep := func(row orderedRow) {
		key := rowKey(row.values)
		if !op.All && seen[key] {
			return
		}
		seen[key] = true
		out = append(out, row)
	}
	switch op.Operator {
	case parser.SetUnion:
		for _, row := range append(left, right...) {
			keep(row)
		}
	case parser.SetIntersect, parser.SetExcept:
		for _, row := range left {
			key := rowKey(row.values)
			present := rightCounts[key] > 0
			if op.All && present {
				rightCounts[key]--
			}
			if present == (op.Operator == parser.SetIntersect) {
				keep(row)
			}
		}
	}
	keys, err := outputOrderKeys(columns, order)
	if err != nil {
		return nil, nil, err
	}
	for i := range out {
		out[i].keys = make([]Value, len(keys))
		for j, position := range keys {
			out[i].keys[j] = out[i].values[position]
		}
	}
	return columns, out, nil
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

// selectRows runs one SELECT: FROM, WHERE, grouping, projection,
// DISTINCT, and computes ORDER BY keys.
func (x executor) selectRows(sel *parser.Select, order []parser.OrderItem, outer *scope) ([]string, []orderedRow, error) {
	input, err := x.fromClause(sel.From, sel.Where, outer)
	if err != nil {
		return nil, nil, err
	}
	filtered, err := x.filterRows(sel.Where, input, outer)
	if err != nil {
		return nil, nil, err
	}
	items, columns, err := expandItems(sel.Items, input.columns)
	if err != nil {
		return nil, nil, err
	}
	scopes, err := x.groupScopes(sel, order, input.columns, filtered, outer)
	if err != nil {
		return nil, nil, err
	}
	var out []orderedRow
	seen := map[string]bool{}
	for _, sc := range scopes {
		row, err := x.projectRow(items, columns, order, sc)
		if err != nil {
			return nil, nil, err
		}
		if sel.Distinct {
			key := rowKey(row.values)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		out = append(out, row)
	}
	return columns, out, nil
}

// filterRows returns the rows of input for which where holds: input.rows
// itself when there is no WHERE, else a new slice.
func (x executor) filterRows(where parser.Expr, input *relation, outer *scope) ([][]Value, error) {
	if where == nil {
		return input.rows, nil
	}
	filtered := input.rows[:0:0]
	rowScope := &scope{columns: input.columns, parent: outer, resolved: rememberResolutions(len(input.rows))}
	for _, row := range input.rows {
		rowScope.row = row
		ok, err := x.holds(where, rowScope)
		if err != nil {
			return nil, err
		}
		if ok {
			filtered = append(filtered, row)
		}
	}
	return filtered, nil
}

// groupScopes returns one scope per output row before projection: one per
// input row, or one per group when aggregating (HAVING applied).
func (x executor) groupScopes(sel *parser.Select, order []parser.OrderItem, columns []relColumn, rows [][]Value, outer *scope) ([]*scope, error) {
	if !needsGrouping(sel, order) {
		scopes := make([]*scope, len(rows))
		resolved := rememberResolutions(len(rows))
		for i, row := range rows {
			scopes[i] = &scope{columns: columns, row: row, parent: outer, resolved: resolved}
		}
		return scopes, nil
	}
	// groups in order of first appearance; index maps a group's rowKey to
	// its position in groups.
	var groups [][][]Value
	index := map[string]int{}
	keyScope := &scope{columns: columns, parent: outer, resolved: rememberResolutions(len(rows))}
	values := make([]Value, len(sel.GroupBy))
	var key []byte // reused: lookups by string(key) do not allocate
	for _, row := range rows {
		keyScope.row = row
		for i, e := range sel.GroupBy {
			v, err := x.eval(e, keyScope)
			if err != nil {
				return nil, err
			}
			values[i] = v
		}
		key = appendRowKey(key[:0], values)
		position, ok := index[string(key)]
		if !ok {
			position = len(groups)
			index[string(key)] = position
			groups = append(groups, nil)
		}
		groups[position] = append(groups[position], row)
	}
	if len(sel.GroupBy) == 0 && len(groups) == 0 {
		groups = [][][]Value{{}}
	}
	var scopes []*scope
	resolved := rememberResolutions(len(groups))
	for _, group := range groups {
		first := make([]Value, len(columns))
		if len(group) > 0 {
			first = group[0]
		}
		sc := &scope{columns: columns, row: first, parent: outer, group: group, resolved: resolved}
		ok, err := x.holds(sel.Having, sc)
		if err != nil {
			return nil, err
		}
		if ok {
			scopes = append(scopes, sc)
		}
	}
	return scopes, nil
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

// containsAggregate looks for an aggregate call outside subqueries.
func containsAggregate(e parser.Expr) bool {
	found := false
	walkExpr(e, func(node parser.Expr) bool {
		if call, ok := node.(*parser.FunctionCall); ok && isAggregate(call) {
			found = true
		}
		return !found
	})
	return found
}

// expandItems replaces * and table.* by column references.
func expandItems(items []parser.SelectItem, columns []relColumn) ([]parser.SelectItem, []string, error) {
	var out []parser.SelectItem
	var names []string
	for _, item := range items {
		if !item.Star {
			out = append(out, item)
			names = append(names, itemName(item))
			continue
		}
		matched := false
		for _, c := range columns {
			if item.Table == "" || c.Table == item.Table {
				out = append(out, parser.SelectItem{Expr: &parser.ColumnRef{Table: c.Table, Column: c.Name}})
				names = append(names, c.Name)
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

func itemName(item parser.SelectItem) string {
	if item.Alias != "" {
		return item.Alias
	}
	if ref, ok := item.Expr.(*parser.ColumnRef); ok {
		return ref.Column
	}
	return item.Expr.String()
}

func (x executor) projectRow(items []parser.SelectItem, columns []string, order []parser.OrderItem, sc *scope) (orderedRow, error) {
	row := orderedRow{values: make([]Value, len(items))}
	for i, item := range items {
		v, err := x.eval(item.Expr, sc)
		if err != nil {
			return orderedRow{}, err
		}
		row.values[i] = v
	}
	for _, item := range order {
		if position, ok := outputPosition(columns, item.Expr); ok {
			row.keys = append(row.keys, row.values[position])
			continue
		}
		v, err := x.eval(item.Expr, sc)
		if err != nil {
			return orderedRow{}, err
		}
		row.keys = append(row.keys, v)
	}
	return row, nil
}
