package compare

import (
	"fmt"
	"strings"
)

// selectQuery draws a query: a single table or a join, plain or grouped,
// sometimes compound; ordered over every output column when ordered.
func (g *generator) selectQuery() *query {
	q, scope := g.fromClause()
	if g.chance(30) {
		g.grouped(q, scope)
	} else {
		g.plain(q, scope, nil)
	}
	if len(q.groupBy) == 0 && g.chance(15) {
		kinds := make([]kind, len(q.items))
		for i, item := range q.items {
			kinds[i] = item.kind
		}
		right, rightScope := g.fromClause()
		g.plain(right, rightScope, kinds)
		q.compound = []string{"UNION", "UNION ALL", "EXCEPT", "INTERSECT"}[g.pick(4)]
		q.right = right
		return q
	}
	if g.chance(60) {
		g.order(q)
	}
	return q
}

func (g *generator) fromClause() (*query, []scoped) {
	q := &query{limit: -1, offset: -1}
	if g.chance(20) {
		return g.commaJoin(q)
	}
	left := g.relation()
	q.from = left.name + " a"
	scope := left.scope("a")
	if g.chance(35) {
		right := g.relation()
		q.joinKind = "JOIN"
		if g.chance(40) {
			q.joinKind = "LEFT JOIN"
		}
		q.joinRight = right.name + " b"
		rightScope := right.scope("b")
		q.joinOn = g.joinCondition(scope, rightScope)
		scope = append(scope, rightScope...)
	}
	if g.chance(60) {
		q.where = g.predicate(scope, 2)
	}
	return q, scope
}

// commaJoin draws FROM a, b, ... of up to 8 tables and views, each
// connected to an earlier one by an equality (a table whose columns
// allow none is left out), sometimes with a predicate over all of them.
func (g *generator) commaJoin(q *query) (*query, []scoped) {
	count := 3 + g.pick(3)
	if g.chance(25) {
		count = 6 + g.pick(3)
	}
	var items []string
	var scope []scoped
	for i := range count {
		t := g.relation()
		alias := string(rune('a' + len(items)))
		columns := t.scope(alias)
		if i > 0 {
			equality := g.equality(scope, columns)
			if equality == nil {
				continue // no cross products: the answer could outgrow both engines
			}
			q.joinConditions = append(q.joinConditions, equality)
		}
		items = append(items, t.name+" "+alias)
		scope = append(scope, columns...)
	}
	g.random.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	q.from = strings.Join(items, ", ")
	if g.chance(30) {
		q.where = g.predicate(scope, 1)
	}
	return q, scope
}

// equality is earlier.x = column.y for a pair of comparable kinds, or nil.
func (g *generator) equality(earlier, columns []scoped) *expr {
	var pairs, sameKind, sameName [][2]scoped
	columnName := func(s scoped) string { return s.name[strings.IndexByte(s.name, '.')+1:] }
	for _, l := range earlier {
		for _, r := range columns {
			if (l.kind == kindText) == (r.kind == kindText) && l.kind != kindBool && r.kind != kindBool {
				pairs = append(pairs, [2]scoped{l, r})
			}
			if l.kind == r.kind && l.kind != kindBool {
				sameKind = append(sameKind, [2]scoped{l, r})
				if columnName(l) == columnName(r) {
					sameName = append(sameName, [2]scoped{l, r})
				}
			}
		}
	}
	// Equal values are likelier within a kind, and likeliest within a
	// column of the same table (only a few tables exist).
	switch {
	case len(sameName) > 0 && g.chance(80):
		pairs = sameName
	case len(sameKind) > 0 && g.chance(85):
		pairs = sameKind
	}
	if len(pairs) == 0 {
		return nil
	}
	pair := pairs[g.pick(len(pairs))]
	return node(kindBool, "%s = %s", leaf(pair[0].kind, pair[0].name), leaf(pair[1].kind, pair[1].name))
}

// joinCondition is an equality between a column of each side (of
// comparable kinds), sometimes with another predicate.
func (g *generator) joinCondition(left, right []scoped) *expr {
	l := left[g.pick(len(left))]
	var candidates []scoped
	for _, r := range right {
		if (r.kind == kindText) == (l.kind == kindText) {
			candidates = append(candidates, r)
		}
	}
	var on *expr
	if len(candidates) == 0 {
		on = g.predicate(append(append([]scoped{}, left...), right...), 1)
	} else {
		r := candidates[g.pick(len(candidates))]
		on = node(kindBool, "%s = %s", leaf(l.kind, l.name), leaf(r.kind, r.name))
	}
	if g.chance(25) {
		on = node(kindBool, "%s AND %s", on, g.predicate(append(append([]scoped{}, left...), right...), 1))
	}
	return on
}

// plain fills the select list: kinds given (for the right side of a
// compound query) or drawn.
func (g *generator) plain(q *query, scope []scoped, kinds []kind) {
	if kinds == nil {
		for range 1 + g.pick(3) {
			k := kind(g.pick(3))
			if g.chance(8) {
				k = kindBool
			}
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		q.items = append(q.items, g.expression(k, scope, 2))
	}
	q.distinct = g.chance(20)
}

func (g *generator) grouped(q *query, scope []scoped) {
	for range 1 + g.pick(2) {
		c := scope[g.pick(len(scope))]
		key := leaf(c.kind, c.name)
		q.groupBy = append(q.groupBy, key)
		q.items = append(q.items, key)
	}
	for range 1 + g.pick(3) {
		q.items = append(q.items, g.aggregate(scope))
	}
	if g.chance(30) {
		counted := node(kindInt, "COUNT(%s)", g.expression(kind(g.pick(3)), scope, 1))
		q.having = node(kindBool, "(%s >= %s)", counted, leaf(kindInt, fmt.Sprint(g.pick(3))))
	}
	q.distinct = g.chance(10)
}

func (g *generator) aggregate(scope []scoped) *expr {
	switch g.pick(7) {
	case 0:
		return leaf(kindInt, "COUNT(*)")
	case 1:
		return node(kindInt, "COUNT(%s)", g.expression(kind(g.pick(3)), scope, 1))
	case 2:
		return node(kindInt, "SUM(%s)", g.expression(kindInt, scope, 1))
	case 3:
		return node(kindReal, "SUM(%s)", g.expression(kindReal, scope, 1))
	case 4:
		return node(kindReal, "AVG(%s)", g.numeric(scope, 1))
	case 5:
		k := kind(g.pick(3))
		return node(k, "MIN(%s)", g.expression(k, scope, 1))
	}
	k := kind(g.pick(3))
	return node(k, "MAX(%s)", g.expression(k, scope, 1))
}

var orderings = []string{"ASC NULLS FIRST", "ASC NULLS LAST", "DESC NULLS FIRST", "DESC NULLS LAST"}

// order sorts by every output column, so ties are equal rows and LIMIT
// and OFFSET pick the same rows in both engines.
func (g *generator) order(q *query) {
	q.ordered = true
	q.orderings = make([]string, len(q.items))
	for i := range q.items {
		q.orderings[i] = orderings[g.pick(len(orderings))]
	}
	if g.chance(40) {
		q.limit = g.pick(6)
		if g.chance(50) {
			q.offset = g.pick(4)
		}
	}
}
