package sql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/engines/value"
)

// planner decides how a statement reads: access paths and the
// predicate locks that cover them, and EXPLAIN.
type planner struct{ s *session }

// accessPath is how one table is read: a full scan, a primary-key range
// or an index range on the leading column, with the predicate lock that
// covers what the statement depends on.
type accessPath struct {
	table *tableSchema
	index *indexSchema // nil: the primary key (or a full scan)
	// column is the constrained leading column; "" for a full scan.
	column     string
	low, high  bound
	lock       predicate
	usesKey    bool // low/high narrow the key range
	equalities bool // low == high, both inclusive
}

// columnBounds are the bounds conditions put on one column.
type columnBounds struct {
	position  int // in the table
	low, high bound
	usable    bool // every bound converts exactly to the column's type
}

// chooseAccess picks the access path of a table whose columns sit at
// offset in the rows conditions are compiled over: an equality on the
// primary key, then on an index, then a range on the primary key, then
// on an index, else a full scan. The predicate lock uses the chosen
// column, or any constrained column when scanning fully, or the whole
// table.
func (p planner) chooseAccess(t *tableSchema, offset int, conditions []expression) accessPath {
	var buffer [4]columnBounds
	bounds := tableBounds(buffer[:0], t, offset, conditions, p.s.args)
	path := accessPath{table: t, lock: predicate{Table: t.Name}}
	type candidate struct {
		index  *indexSchema
		column int
	}
	var candidates []candidate
	if len(t.PrimaryKey) > 0 {
		candidates = append(candidates, candidate{column: t.PrimaryKey[0]})
	}
	for i := range t.Indexes {
		candidates = append(candidates, candidate{index: &t.Indexes[i], column: t.Indexes[i].Columns[0]})
	}
	best, bestRank := -1, 0
	var bestBounds columnBounds
	for i, c := range candidates {
		position, _ := t.columnByID(c.column)
		b, ok := findBounds(bounds, position)
		if !ok || !b.usable {
			continue
		}
		rank := 2
		if isEquality(b) {
			rank = 4
		}
		if c.index == nil {
			rank++
		}
		if rank > bestRank {
			best, bestRank, bestBounds = i, rank, b
		}
	}
	if best >= 0 {
		c, b := candidates[best], bestBounds
		name := t.Columns[b.position].Name
		path.index, path.column, path.low, path.high, path.usesKey = c.index, name, b.low, b.high, true
		path.equalities = isEquality(b)
		path.lock = predicate{Table: t.Name, Column: name, Low: b.low, High: b.high}
		return path
	}
	if len(bounds) > 0 {
		b := bounds[0]
		path.lock = predicate{Table: t.Name, Column: t.Columns[b.position].Name, Low: b.low, High: b.high}
	}
	return path
}

func findBounds(bounds []columnBounds, position int) (columnBounds, bool) {
	for _, b := range bounds {
		if b.position == position {
			return b, true
		}
	}
	return columnBounds{}, false
}

func isEquality(b columnBounds) bool {
	return b.low.Set && b.high.Set && b.low.Inclusive && b.high.Inclusive && b.low.Value == b.high.Value
}

// tableBounds collects, per column, the bounds that conditions of the
// form column op constant (or BETWEEN) impose, in the order of the
// table's columns.
func tableBounds(bounds []columnBounds, t *tableSchema, offset int, conditions []expression, args []Value) []columnBounds {
	for _, condition := range conditions {
		position, low, high, ok := conditionBounds(condition, offset, len(t.Columns), args)
		if !ok {
			continue
		}
		i := slices.IndexFunc(bounds, func(b columnBounds) bool { return b.position == position })
		if i < 0 {
			i = len(bounds)
			bounds = append(bounds, columnBounds{position: position, usable: true})
		}
		current := &bounds[i]
		if low.Set {
			current.low = tighter(current.low, low, 1)
		}
		if high.Set {
			current.high = tighter(current.high, high, -1)
		}
		columnType := t.Columns[position].Type
		current.usable = current.usable && exactIn(low, columnType) && exactIn(high, columnType)
	}
	slices.SortFunc(bounds, func(a, b columnBounds) int { return a.position - b.position })
	return bounds
}

// conditionBounds reads column op constant, constant op column and
// column BETWEEN constant AND constant, for a column of the table at
// offset; arguments (args) count as constants, and a NULL bounds nothing.
func conditionBounds(e expression, offset, width int, args []Value) (position int, low, high bound, ok bool) {
	column := func(operand expression) (int, bool) {
		c, _ := operand.(*columnExpr)
		return c.positionIn(offset, width)
	}
	value := func(operand expression) (Value, bool) {
		var v Value
		switch operand := operand.(type) {
		case *constantExpr:
			v = operand.value
		case *paramExpr:
			if operand.index < 1 || operand.index > len(args) {
				return Value{}, false
			}
			v = args[operand.index-1]
		default:
			return Value{}, false
		}
		return v, !v.IsNull()
	}
	switch e := e.(type) {
	case *binaryExpr:
		if !e.comparison {
			return 0, bound{}, bound{}, false
		}
		if position, ok := column(e.left); ok {
			if v, ok := value(e.right); ok {
				low, high, ok := comparisonBound(e.operator, v)
				return position, low, high, ok
			}
		}
		if position, ok := column(e.right); ok {
			if v, ok := value(e.left); ok {
				low, high, ok := comparisonBound(flip(e.operator), v)
				return position, low, high, ok
			}
		}
	case *betweenExpr:
		position, isColumn := column(e.operand)
		lowValue, lowOK := value(e.low)
		highValue, highOK := value(e.high)
		if isColumn && !e.not && lowOK && highOK {
			return position, bound{Set: true, Value: lowValue, Inclusive: true}, bound{Set: true, Value: highValue, Inclusive: true}, true
		}
	}
	return 0, bound{}, bound{}, false
}

// positionIn returns the column's position within the table at offset.
func (c *columnExpr) positionIn(offset, width int) (int, bool) {
	if c == nil || c.position < offset || c.position >= offset+width {
		return 0, false
	}
	return c.position - offset, true
}

// exactIn reports whether a bound's value converts to the column type
// without change, so it can form a key.
func exactIn(b bound, t columnType) bool {
	if !b.Set {
		return true
	}
	converted, err := castValue(b.Value, t)
	if err != nil || converted.IsNull() {
		return false
	}
	result, ok := compareValues(converted, b.Value)
	return ok && result == 0
}

// tighter keeps the stricter of two bounds; direction 1 for lower
// bounds, -1 for upper ones. Incomparable bounds keep the current one.
func tighter(current, next bound, direction int) bound {
	if !current.Set {
		return next
	}
	result, ok := compareValues(next.Value, current.Value)
	if !ok {
		return current
	}
	if result*direction > 0 || result == 0 && !next.Inclusive {
		return next
	}
	return current
}

func comparisonBound(operator parser.BinaryOperator, v Value) (low, high bound, ok bool) {
	switch operator {
	case parser.BinaryEqual:
		return bound{Set: true, Value: v, Inclusive: true}, bound{Set: true, Value: v, Inclusive: true}, true
	case parser.BinaryLess, parser.BinaryLessEqual:
		return bound{}, bound{Set: true, Value: v, Inclusive: operator == parser.BinaryLessEqual}, true
	case parser.BinaryGreater, parser.BinaryGreaterEqual:
		return bound{Set: true, Value: v, Inclusive: operator == parser.BinaryGreaterEqual}, bound{}, true
	}
	return bound{}, bound{}, false
}

func flip(operator parser.BinaryOperator) parser.BinaryOperator {
	switch operator {
	case parser.BinaryLess:
		return parser.BinaryGreater
	case parser.BinaryLessEqual:
		return parser.BinaryGreaterEqual
	case parser.BinaryGreater:
		return parser.BinaryLess
	case parser.BinaryGreaterEqual:
		return parser.BinaryLessEqual
	}
	return operator
}

// keyRange returns the store span of a path.
func (p accessPath) keyRange() (start, end []byte) {
	prefix := rowPrefix(p.table.ID)
	if p.index != nil {
		prefix = entryPrefix(p.index.ID)
	}
	if !p.usesKey {
		return prefix, prefixEnd(prefix)
	}
	t := p.columnType()
	if p.equalities {
		// One key and the key after its extensions, in one allocation;
		// neither is changed after.
		v, _ := castValue(p.low.Value, t)
		key := value.AppendKey(append(make([]byte, 0, len(prefix)+32), prefix...), encodeStored(v))
		return key, append(key, 0xFF)
	}
	start, end = prefix, prefixEnd(prefix)
	if p.low.Set {
		v, _ := castValue(p.low.Value, t)
		start = value.AppendKey(append([]byte(nil), prefix...), encodeStored(v))
		if !p.low.Inclusive {
			start = prefixEnd(start)
		}
	}
	if p.high.Set {
		v, _ := castValue(p.high.Value, t)
		end = value.AppendKey(append([]byte(nil), prefix...), encodeStored(v))
		if p.high.Inclusive {
			end = prefixEnd(end)
		}
	}
	return start, end
}

func (p accessPath) columnType() columnType {
	position, _ := p.table.columnByName(p.column)
	return p.table.Columns[position].Type
}

// describe names the path for EXPLAIN; alias is what the query calls
// the table.
func (p accessPath) describe(alias string) string {
	table := p.table.Name
	if alias != table {
		table += " as " + alias
	}
	if !p.usesKey {
		return "full scan of " + table
	}
	via := "primary key"
	if p.index != nil {
		via = "index " + p.index.Name
	}
	kind := "range"
	if p.equalities {
		kind = "point"
	}
	return fmt.Sprintf("%s lookup of %s via %s on %s %s", kind, table, via, p.column, boundsText(p.low, p.high))
}

func boundsText(low, high bound) string {
	var b strings.Builder
	if !low.Set {
		b.WriteString("(-inf")
	} else if low.Inclusive {
		b.WriteString("[" + quoteValue(low.Value))
	} else {
		b.WriteString("(" + quoteValue(low.Value))
	}
	b.WriteString(", ")
	if !high.Set {
		b.WriteString("+inf)")
	} else if high.Inclusive {
		b.WriteString(quoteValue(high.Value) + "]")
	} else {
		b.WriteString(quoteValue(high.Value) + ")")
	}
	return b.String()
}
