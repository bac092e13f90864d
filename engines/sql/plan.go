package sql

import (
	"fmt"
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

// columnBounds are the bounds WHERE puts on one column.
type columnBounds struct {
	low, high bound
	usable    bool // every bound converts exactly to the column's type
}

// chooseAccess picks the access path: an equality on the primary key,
// then on an index, then a range on the primary key, then on an index,
// else a full scan. The predicate lock uses the chosen column, or any
// constrained column when scanning fully, or the whole table.
func (p planner) chooseAccess(t *tableSchema, alias string, where parser.Expr) accessPath {
	bounds := p.whereBounds(t, alias, where)
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
	best := -1
	bestRank := 0
	for i, c := range candidates {
		position, _ := t.columnByID(c.column)
		b, ok := bounds[t.Columns[position].Name]
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
			best, bestRank = i, rank
		}
	}
	if best >= 0 {
		c := candidates[best]
		position, _ := t.columnByID(c.column)
		name := t.Columns[position].Name
		b := bounds[name]
		path.index, path.column, path.low, path.high, path.usesKey = c.index, name, b.low, b.high, true
		path.equalities = isEquality(b)
		path.lock = predicate{Table: t.Name, Column: name, Low: b.low, High: b.high}
		return path
	}
	for _, c := range t.Columns {
		if b, ok := bounds[c.Name]; ok {
			path.lock = predicate{Table: t.Name, Column: c.Name, Low: b.low, High: b.high}
			break
		}
	}
	return path
}

func isEquality(b columnBounds) bool {
	return b.low.Set && b.high.Set && b.low.Inclusive && b.high.Inclusive && b.low.Value == b.high.Value
}

// whereBounds collects, per column, the bounds that top-level conjuncts
// of the form column op constant (or BETWEEN) impose.
func (p planner) whereBounds(t *tableSchema, alias string, where parser.Expr) map[string]columnBounds {
	bounds := map[string]columnBounds{}
	for _, conjunct := range conjuncts(where) {
		for _, c := range p.conjunctBounds(conjunct) {
			position, ok := t.columnByName(c.column)
			if !ok || c.table != "" && c.table != alias {
				continue
			}
			current, seen := bounds[c.column]
			if !seen {
				current.usable = true
			}
			if c.low.Set {
				current.low = tighter(current.low, c.low, 1)
			}
			if c.high.Set {
				current.high = tighter(current.high, c.high, -1)
			}
			current.usable = current.usable && exactIn(c.low, t.Columns[position].Type) && exactIn(c.high, t.Columns[position].Type)
			bounds[c.column] = current
		}
	}
	return bounds
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

type conjunctBound struct {
	table, column string
	low, high     bound
}

// conjunctBounds reads column op constant, constant op column and
// column BETWEEN constant AND constant.
func (p planner) conjunctBounds(e parser.Expr) []conjunctBound {
	switch e := e.(type) {
	case *parser.BinaryExpr:
		if ref, ok := e.Left.(*parser.ColumnRef); ok {
			if v, ok := p.constant(e.Right); ok {
				return comparisonBound(ref, e.Operator, v)
			}
		}
		if ref, ok := e.Right.(*parser.ColumnRef); ok {
			if v, ok := p.constant(e.Left); ok {
				return comparisonBound(ref, flip(e.Operator), v)
			}
		}
	case *parser.Between:
		ref, ok := e.Operand.(*parser.ColumnRef)
		low, lowOK := p.constant(e.Low)
		high, highOK := p.constant(e.High)
		if ok && !e.Not && lowOK && highOK {
			return []conjunctBound{{table: ref.Table, column: ref.Column,
				low: bound{Set: true, Value: low, Inclusive: true}, high: bound{Set: true, Value: high, Inclusive: true}}}
		}
	}
	return nil
}

func comparisonBound(ref *parser.ColumnRef, operator parser.BinaryOperator, v Value) []conjunctBound {
	c := conjunctBound{table: ref.Table, column: ref.Column}
	switch operator {
	case parser.BinaryEqual:
		c.low, c.high = bound{Set: true, Value: v, Inclusive: true}, bound{Set: true, Value: v, Inclusive: true}
	case parser.BinaryLess, parser.BinaryLessEqual:
		c.high = bound{Set: true, Value: v, Inclusive: operator == parser.BinaryLessEqual}
	case parser.BinaryGreater, parser.BinaryGreaterEqual:
		c.low = bound{Set: true, Value: v, Inclusive: operator == parser.BinaryGreaterEqual}
	default:
		return nil
	}
	return []conjunctBound{c}
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

// constant evaluates literals and parameters (with signs and casts); a
// NULL constant never bounds anything.
func (p planner) constant(e parser.Expr) (Value, bool) {
	switch e := e.(type) {
	case *parser.NumberLiteral, *parser.StringLiteral, *parser.Parameter, *parser.BoolLiteral:
	case *parser.UnaryExpr:
		if _, ok := e.Operand.(*parser.NumberLiteral); !ok {
			return Value{}, false
		}
	default:
		return Value{}, false
	}
	v, err := p.s.executor().eval(e, nil)
	return v, err == nil && !v.IsNull()
}

// keyRange returns the store span of a path.
func (p accessPath) keyRange() (start, end []byte) {
	prefix := rowPrefix(p.table.ID)
	if p.index != nil {
		prefix = entryPrefix(p.index.ID)
	}
	start, end = prefix, prefixEnd(prefix)
	if !p.usesKey {
		return start, end
	}
	t := p.columnType()
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


func (p accessPath) String() string {
	if !p.usesKey {
		return "full scan of " + p.table.Name
	}
	via := "primary key"
	if p.index != nil {
		via = "index " + p.index.Name
	}
	kind := "range"
	if p.equalities {
		kind = "point"
	}
	return fmt.Sprintf("%s lookup of %s via %s on %s %s", kind, p.table.Name, via, p.column, boundsText(p.low, p.high))
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
