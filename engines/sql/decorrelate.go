package sql

import (
	"github.com/proven2pc/proven/engines/sql/parser"
)

// Decorrelation. A correlated EXISTS or IN subquery whose only use of
// the outer query is equalities inner = outer among the AND-ed
// conditions of its WHERE runs once, without those equalities, as
// SELECT inner..., [the IN column] FROM ... WHERE the rest; its rows are
// hashed by their inner values, and each outer row probes the hash with
// its outer values: a hash semi join (anti join for NOT). The rewrite is
// exact only where hashing agrees with SQL equality exactly, so it is
// used for key columns whose values are all integers or all text on both
// sides; any other probe is answered the general way (once per distinct
// outer value). Subqueries with GROUP BY, HAVING, aggregates, LIMIT,
// OFFSET, compounds or WITH are never rewritten.

// semiJoin is a decorrelated EXISTS or IN subquery.
type semiJoin struct {
	plan    *queryPlan   // SELECT inner keys [, IN column] ... : uncorrelated
	keys    []expression // the outer sides, compiled in the outer scope
	sources []string     // inner = outer, for EXPLAIN
	exists  bool
	// built on first use
	built  bool
	groups map[string]*semiJoinGroup
	kinds  []Type // per key column: TypeInt or TypeText when exact, else 0
	key    []byte
}

type semiJoinGroup struct {
	rows [][]Value // IN: the IN column's values as one-column rows
	set  *valueSet
}

// decorrelate returns the semi join of a correlated subquery, or nil
// when its shape does not allow the rewrite.
func (c *compiler) decorrelate(q *parser.Query, exists bool) *semiJoin {
	sel, ok := q.Body.(*parser.Select)
	if !ok || q.Limit != nil || q.Offset != nil || len(q.With) > 0 || len(sel.GroupBy) > 0 || sel.Having != nil || needsGrouping(sel, nil) {
		return nil
	}
	if !exists && (len(sel.Items) != 1 || sel.Items[0].Star) {
		return nil
	}
	inner, err := c.innerScope(sel)
	if err != nil {
		return nil
	}
	join := &semiJoin{exists: exists}
	var rest []parser.Expr
	var innerKeys []parser.Expr
	for _, part := range conjuncts(sel.Where) {
		if !c.readsOuter(inner, part) {
			rest = append(rest, part)
			continue
		}
		innerSide, outerSide, ok := c.correlatedEquality(inner, part)
		if !ok {
			return nil
		}
		key, err := c.compile(outerSide)
		if err != nil {
			return nil
		}
		innerKeys = append(innerKeys, innerSide)
		join.keys = append(join.keys, key)
		join.sources = append(join.sources, part.String())
	}
	if len(join.keys) == 0 || !exists && c.readsOuter(inner, sel.Items[0].Expr) {
		return nil
	}
	rewritten := &parser.Select{From: sel.From, Where: andAll(rest)}
	for _, key := range innerKeys {
		rewritten.Items = append(rewritten.Items, parser.SelectItem{Expr: key})
	}
	if !exists {
		rewritten.Items = append(rewritten.Items, sel.Items[0])
	}
	plan, err := c.s.planner().planQuery(&parser.Query{Body: rewritten}, queryContext{outer: c.scope, correlation: &correlation{}, ctes: c.ctes})
	if err != nil {
		return nil
	}
	join.plan = plan
	return join
}

// innerScope plans the subquery's FROM alone, for its scope.
func (c *compiler) innerScope(sel *parser.Select) (*planScope, error) {
	_, scope, err := c.s.planner().planFrom(sel.From, nil, queryContext{outer: c.scope, correlation: &correlation{}, ctes: c.ctes})
	return scope, err
}

// compileInner compiles e in the subquery's FROM scope and reports
// whether it reads a column of an outer query.
func (c *compiler) compileInner(inner *planScope, e parser.Expr) (expression, bool, error) {
	marked := &planScope{columns: inner.columns, parent: inner.parent, correlation: &correlation{}}
	probe := &compiler{s: c.s, scope: marked, ctes: c.ctes, clause: "WHERE"}
	compiled, err := probe.compile(e)
	return compiled, len(marked.correlation.references) > 0, err
}

// readsOuter reports whether e, compiled in the subquery's FROM scope,
// reads a column of an outer query (or fails to compile).
func (c *compiler) readsOuter(inner *planScope, e parser.Expr) bool {
	_, outer, err := c.compileInner(inner, e)
	return outer || err != nil
}

// correlatedEquality splits inner = outer: one side reads only the
// subquery's FROM, the other only outer columns (and no subquery).
func (c *compiler) correlatedEquality(inner *planScope, e parser.Expr) (parser.Expr, parser.Expr, bool) {
	equal, ok := e.(*parser.BinaryExpr)
	if !ok || equal.Operator != parser.BinaryEqual {
		return nil, nil, false
	}
	innerOnly := func(side parser.Expr) bool { return !c.readsOuter(inner, side) && readsColumn(side) }
	outerOnly := func(side parser.Expr) bool {
		compiled, outer, err := c.compileInner(inner, side)
		if err != nil || !outer || hasSubquery(side) {
			return false
		}
		readsInner := false
		depthZeroPositions(compiled, func(int) { readsInner = true })
		return !readsInner
	}
	switch {
	case innerOnly(equal.Left) && outerOnly(equal.Right):
		return equal.Left, equal.Right, true
	case innerOnly(equal.Right) && outerOnly(equal.Left):
		return equal.Right, equal.Left, true
	}
	return nil, nil, false
}

func readsColumn(e parser.Expr) bool {
	found := false
	walkExpr(e, func(node parser.Expr) bool {
		_, isColumn := node.(*parser.ColumnRef)
		found = found || isColumn
		return !found
	})
	return found
}

func hasSubquery(e parser.Expr) bool {
	found := false
	walkExpr(e, func(node parser.Expr) bool {
		switch node.(type) {
		case *parser.Subquery, *parser.Exists, *parser.InSubquery:
			found = true
		}
		return !found
	})
	return found
}

func andAll(parts []parser.Expr) parser.Expr {
	var out parser.Expr
	for _, part := range parts {
		if out == nil {
			out = part
		} else {
			out = &parser.BinaryExpr{Operator: parser.BinaryAnd, Left: out, Right: part}
		}
	}
	return out
}

// probe answers for the outer frame f: the IN column's values of the
// rows whose keys equal f's (nil, true for none), or ok false when the
// keys are not of an exactly hashed kind.
func (j *semiJoin) probe(s *session, f *frame) (group *semiJoinGroup, ok bool, err error) {
	if !j.built {
		if err := j.build(s, f); err != nil {
			return nil, false, err
		}
	}
	j.key = j.key[:0]
	for i, key := range j.keys {
		v, err := key.eval(s, f)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, true, nil // NULL = anything is never true
		}
		if j.kinds[i] == 0 || v.typ != j.kinds[i] {
			return nil, false, nil
		}
		j.key = appendGroupKey(j.key, v)
		j.key = append(j.key, 0)
	}
	return j.groups[string(j.key)], true, nil
}

// build runs the rewritten query once and hashes its rows by key.
func (j *semiJoin) build(s *session, f *frame) error {
	result, err := j.plan.run(s, f)
	if err != nil {
		return err
	}
	width := len(j.keys)
	j.kinds = make([]Type, width)
	for column := range width {
		j.kinds[column] = exactKind(result.Rows, column)
	}
	j.groups = map[string]*semiJoinGroup{}
	var key []byte
rows:
	for _, row := range result.Rows {
		key = key[:0]
		for column := range width {
			if row[column].IsNull() {
				continue rows
			}
			key = append(appendGroupKey(key, row[column]), 0)
		}
		group := j.groups[string(key)]
		if group == nil {
			group = &semiJoinGroup{}
			j.groups[string(key)] = group
		}
		if !j.exists {
			group.rows = append(group.rows, row[width:])
		}
	}
	j.built = true
	return nil
}

// exactKind is TypeInt or TypeText when every non-NULL value of a
// column is of that type (or there are none), else 0.
func exactKind(rows [][]Value, column int) Type {
	kind := Type(0)
	for _, row := range rows {
		v := row[column]
		switch {
		case v.IsNull():
		case v.typ != TypeInt && v.typ != TypeText:
			return 0
		case kind == 0:
			kind = v.typ
		case kind != v.typ:
			return 0
		}
	}
	if kind == 0 {
		return TypeInt // no values: any probe of an integer finds nothing, exactly
	}
	return kind
}
