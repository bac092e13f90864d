package sql

import (
	"fmt"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// fromClause builds the input relation of a SELECT. A single table uses
// the WHERE clause to choose an access path and a narrow predicate lock;
// joins and comma lists read whole tables (whole-table predicate locks).
func (x executor) fromClause(items []parser.TableExpr, where parser.Expr, outer *scope) (*relation, error) {
	if len(items) == 0 {
		return &relation{rows: [][]Value{{}}}, nil
	}
	if len(items) == 1 {
		if table, ok := items[0].(*parser.TableName); ok {
			return x.tableRelation(table, where)
		}
	}
	var result *relation
	for _, item := range items {
		next, err := x.tableExpr(item, outer)
		if err != nil {
			return nil, err
		}
		if result == nil {
			result = next
			continue
		}
		if result, err = x.join(parser.JoinCross, result, next, nil, outer); err != nil {
			return nil, err
		}
	}
	return result, nil
}

func (x executor) tableExpr(item parser.TableExpr, outer *scope) (*relation, error) {
	switch item := item.(type) {
	case *parser.TableName:
		return x.tableRelation(item, nil)
	case *parser.DerivedTable:
		result, err := x.subquery(item.Query, outer, 0)
		if err != nil {
			return nil, err
		}
		out := &relation{rows: result.Rows}
		for _, name := range result.Columns {
			out.columns = append(out.columns, relColumn{Table: item.Alias, Name: name})
		}
		return out, nil
	case *parser.Join:
		left, err := x.tableExpr(item.Left, outer)
		if err != nil {
			return nil, err
		}
		right, err := x.tableExpr(item.Right, outer)
		if err != nil {
			return nil, err
		}
		on := item.On
		if len(item.Using) > 0 {
			if on, err = usingCondition(item.Using, left, right); err != nil {
				return nil, err
			}
		}
		return x.join(item.Kind, left, right, on, outer)
	}
	return nil, fmt.Errorf("%w: unsupported FROM item %s", ErrInvalid, item)
}

// usingCondition turns USING (a, b) into left.a = right.a AND ...
func usingCondition(columns []string, left, right *relation) (parser.Expr, error) {
	var condition parser.Expr
	for _, name := range columns {
		leftTable, err := uniqueTable(left, name)
		if err != nil {
			return nil, err
		}
		rightTable, err := uniqueTable(right, name)
		if err != nil {
			return nil, err
		}
		equal := &parser.BinaryExpr{Operator: parser.BinaryEqual,
			Left: &parser.ColumnRef{Table: leftTable, Column: name}, Right: &parser.ColumnRef{Table: rightTable, Column: name}}
		if condition == nil {
			condition = equal
		} else {
			condition = &parser.BinaryExpr{Operator: parser.BinaryAnd, Left: condition, Right: equal}
		}
	}
	return condition, nil
}

func uniqueTable(r *relation, name string) (string, error) {
	found := -1
	for i, c := range r.columns {
		if c.Name == name {
			if found >= 0 {
				return "", fmt.Errorf("%w: USING column %s", ErrAmbiguousColumn, name)
			}
			found = i
		}
	}
	if found < 0 {
		return "", fmt.Errorf("%w: USING column %s", ErrUnknownColumn, name)
	}
	return r.columns[found].Table, nil
}

// tableRelation reads a table through the access path chosen for where,
// taking the matching predicate lock.
func (x executor) tableRelation(table *parser.TableName, where parser.Expr) (*relation, error) {
	t, err := x.s.catalog().table(table.Name)
	if err != nil {
		return nil, err
	}
	alias := table.Name
	if table.Alias != "" {
		alias = table.Alias
	}
	path := x.s.planner().chooseAccess(t, alias, where)
	if err := x.s.locks().predicate(path.lock); err != nil {
		return nil, err
	}
	out := &relation{}
	for _, c := range t.Columns {
		out.columns = append(out.columns, relColumn{Table: alias, Name: c.Name})
	}
	err = x.readPath(path, func(_ []byte, row []Value) error {
		out.rows = append(out.rows, row)
		return x.s.produced(1)
	})
	return out, err
}

// join combines two relations. Equi-joins (an ON that is a conjunction
// containing left.x = right.y) probe a hash table instead of every pair.
// joinSlabRows is how many joined rows one allocation holds.
const joinSlabRows = 256

func (x executor) join(kind parser.JoinKind, left, right *relation, on parser.Expr, outer *scope) (*relation, error) {
	out := &relation{columns: append(append([]relColumn(nil), left.columns...), right.columns...)}
	sc := &scope{columns: out.columns, parent: outer, resolved: rememberResolutions(len(left.rows))}
	probe := x.hashProbe(on, left, right)
	rightMatched := make([]bool, len(right.rows))
	nullRight, nullLeft := make([]Value, len(right.columns)), make([]Value, len(left.columns))
	width := len(out.columns)
	var slab []Value // combined rows are carved from slabs of joinSlabRows rows
	for _, leftRow := range left.rows {
		matched := false
		for _, r := range probe(leftRow) {
			if len(slab) < width {
				slab = make([]Value, width*joinSlabRows)
			}
			combined := append(append(slab[:0:width], leftRow...), right.rows[r]...)
			sc.row = combined
			ok, err := x.holds(on, sc)
			if err != nil {
				return nil, err
			}
			if ok {
				slab = slab[width:]
				matched, rightMatched[r] = true, true
				out.rows = append(out.rows, combined)
				if err := x.s.produced(1); err != nil {
					return nil, err
				}
			}
		}
		if !matched && (kind == parser.JoinLeft || kind == parser.JoinFull) {
			out.rows = append(out.rows, append(append([]Value(nil), leftRow...), nullRight...))
		}
	}
	if kind == parser.JoinRight || kind == parser.JoinFull {
		for r, row := range right.rows {
			if !rightMatched[r] {
				out.rows = append(out.rows, append(append([]Value(nil), nullLeft...), row...))
			}
		}
	}
	return out, nil
}

// hashProbe returns, for a left row, the right rows worth testing: all of
// them, or those sharing the hash of an equi-join key.
func (x executor) hashProbe(on parser.Expr, left, right *relation) func([]Value) []int {
	all := make([]int, len(right.rows))
	for i := range all {
		all[i] = i
	}
	everything := func([]Value) []int { return all }
	leftPosition, rightPosition, ok := equiJoinColumns(on, left, right)
	if !ok || !hashable(left.rows, leftPosition, right.rows, rightPosition) {
		return everything
	}
	buckets := map[string][]int{}
	var key []byte // reused: lookups by string(key) do not allocate
	for i, row := range right.rows {
		if v := row[rightPosition]; !v.IsNull() {
			key = appendGroupKey(key[:0], v)
			bucket, ok := buckets[string(key)]
			if !ok {
				buckets[string(key)] = []int{i}
				continue
			}
			buckets[string(key)] = append(bucket, i)
		}
	}
	return func(row []Value) []int {
		if row[leftPosition].IsNull() {
			return nil
		}
		key = appendGroupKey(key[:0], row[leftPosition])
		return buckets[string(key)]
	}
}

// equiJoinColumns finds a conjunct left.x = right.y of on.
func equiJoinColumns(on parser.Expr, left, right *relation) (int, int, bool) {
	for _, conjunct := range conjuncts(on) {
		equal, ok := conjunct.(*parser.BinaryExpr)
		if !ok || equal.Operator != parser.BinaryEqual {
			continue
		}
		a, aok := equal.Left.(*parser.ColumnRef)
		b, bok := equal.Right.(*parser.ColumnRef)
		if !aok || !bok {
			continue
		}
		if l, ok := findColumn(left, a); ok {
			if r, ok := findColumn(right, b); ok {
				return l, r, true
			}
		}
		if l, ok := findColumn(left, b); ok {
			if r, ok := findColumn(right, a); ok {
				return l, r, true
			}
		}
	}
	return 0, 0, false
}

// findColumn finds a column only when the reference names exactly one
// column of r.
func findColumn(r *relation, ref *parser.ColumnRef) (int, bool) {
	sc := &scope{columns: r.columns}
	owner, position, err := sc.resolve(ref)
	return position, err == nil && owner == sc
}

// hashable reports whether hashing by groupKey agrees with SQL equality
// for these columns: all numeric, or all of one type.
func hashable(left [][]Value, leftPosition int, right [][]Value, rightPosition int) bool {
	seen, numeric := Type(0), true
	check := func(v Value) {
		if v.IsNull() {
			return
		}
		numeric = numeric && v.isNumeric()
		if seen == 0 {
			seen = v.typ
		} else if seen != v.typ {
			seen = 255
		}
	}
	for _, row := range left {
		check(row[leftPosition])
	}
	for _, row := range right {
		check(row[rightPosition])
	}
	return numeric || seen != 255
}

// conjuncts splits a condition on top-level ANDs.
func conjuncts(e parser.Expr) []parser.Expr {
	if e == nil {
		return nil
	}
	if and, ok := e.(*parser.BinaryExpr); ok && and.Operator == parser.BinaryAnd {
		return append(conjuncts(and.Left), conjuncts(and.Right)...)
	}
	return []parser.Expr{e}
}

// walkExpr visits e and its children, not descending into subqueries,
// while visit returns true.
func walkExpr(e parser.Expr, visit func(parser.Expr) bool) {
	if e == nil || !visit(e) {
		return
	}
	var children []parser.Expr
	switch e := e.(type) {
	case *parser.UnaryExpr:
		children = []parser.Expr{e.Operand}
	case *parser.BinaryExpr:
		children = []parser.Expr{e.Left, e.Right}
	case *parser.IsNull:
		children = []parser.Expr{e.Operand}
	case *parser.IsBool:
		children = []parser.Expr{e.Operand}
	case *parser.Between:
		children = []parser.Expr{e.Operand, e.Low, e.High}
	case *parser.InList:
		children = append([]parser.Expr{e.Operand}, e.List...)
	case *parser.InSubquery:
		children = []parser.Expr{e.Operand}
	case *parser.Like:
		children = []parser.Expr{e.Operand, e.Pattern}
	case *parser.Case:
		children = []parser.Expr{e.Operand, e.Else}
		for _, when := range e.Whens {
			children = append(children, when.Condition, when.Result)
		}
	case *parser.Cast:
		children = []parser.Expr{e.Operand}
	case *parser.FunctionCall:
		children = e.Arguments
	}
	for _, child := range children {
		walkExpr(child, visit)
	}
}

// readPath visits the rows of a path (a superset of those WHERE keeps).
func (x executor) readPath(p accessPath, visit func(key []byte, row []Value) error) error {
	start, end := p.keyRange()
	decoder := newRowDecoder(p.table)
	if p.index == nil {
		return x.s.scan(start, end, func(key, raw []byte) (bool, error) {
			row, err := decoder.decode(raw)
			if err != nil {
				return false, fmt.Errorf("sql: row of %s does not decode: %w", p.table.Name, err)
			}
			return true, visit(key, row)
		})
	}
	var rowKeys [][]byte
	err := x.s.scan(start, end, func(_, suffix []byte) (bool, error) {
		rowKeys = append(rowKeys, append(rowPrefix(p.table.ID), suffix...))
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, key := range rowKeys {
		raw, found, err := x.s.get(key)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("sql: index %s names a missing row of %s", p.index.Name, p.table.Name)
		}
		row, err := decoder.decode(raw)
		if err != nil {
			return err
		}
		if err := visit(key, row); err != nil {
			return err
		}
	}
	return nil
}
