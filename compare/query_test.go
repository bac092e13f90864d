package compare

import (
	"fmt"
	"slices"
	"strings"
)

// query is a generated SELECT, kept as parts so the shrinker can drop
// them one at a time.
type query struct {
	distinct  bool
	items     []*expr
	from      string
	joinOn    *expr // the ON condition of the join in from, if any
	joinKind  string
	joinRight string
	where     *expr
	// joinConditions are the equalities of a comma join, AND-ed before
	// where; the shrinker keeps them, so a shrunk query never crosses
	// eight tables.
	joinConditions []*expr
	groupBy        []*expr // when grouped, items start with these
	having         *expr
	ordered        bool
	orderings      []string // per output column: "ASC NULLS FIRST" ...
	limit          int      // -1: none
	offset         int      // -1: none
	compound       string   // UNION, UNION ALL, EXCEPT, INTERSECT, or ""
	right          *query
}

func (q *query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.distinct {
		b.WriteString("DISTINCT ")
	}
	for i, item := range q.items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(item.String())
	}
	b.WriteString(" FROM " + q.from)
	if q.joinRight != "" {
		fmt.Fprintf(&b, " %s %s ON %s", q.joinKind, q.joinRight, q.joinOn)
	}
	conditions := slices.Clone(q.joinConditions)
	if q.where != nil {
		conditions = append(conditions, q.where)
	}
	for i, condition := range conditions {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString(condition.String())
	}
	if len(q.groupBy) > 0 {
		b.WriteString(" GROUP BY ")
		for i, e := range q.groupBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.String())
		}
		if q.having != nil {
			b.WriteString(" HAVING " + q.having.String())
		}
	}
	if q.compound != "" {
		b.WriteString(" " + q.compound + " " + q.right.String())
		return b.String()
	}
	if q.ordered {
		b.WriteString(" ORDER BY ")
		for i := range q.items {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d %s", i+1, q.orderings[i])
		}
		if q.limit >= 0 {
			fmt.Fprintf(&b, " LIMIT %d", q.limit)
			if q.offset >= 0 {
				fmt.Fprintf(&b, " OFFSET %d", q.offset)
			}
		}
	}
	return b.String()
}

// scope returns the columns of table t under alias.
func (t table) scope(alias string) []scoped {
	var columns []scoped
	for _, c := range t.columns {
		columns = append(columns, scoped{name: alias + "." + c.name, kind: c.kind})
	}
	return columns
}

// expression draws an expression of kind k over scope, at most depth deep.
func (g *generator) expression(k kind, scope []scoped, depth int) *expr {
	if k == kindBool {
		return g.predicate(scope, depth)
	}
	if depth <= 0 || g.chance(40) {
		return g.atom(k, scope)
	}
	switch k {
	case kindInt:
		return g.intExpression(scope, depth)
	case kindReal:
		return g.realExpression(scope, depth)
	}
	return g.textExpression(scope, depth)
}

func (g *generator) atom(k kind, scope []scoped) *expr {
	var matching []scoped
	for _, c := range scope {
		if c.kind == k {
			matching = append(matching, c)
		}
	}
	if len(matching) > 0 && g.chance(75) {
		return leaf(k, matching[g.pick(len(matching))].name)
	}
	if g.chance(5) {
		return leaf(k, "NULL")
	}
	return leaf(k, g.literal(k))
}

// numeric draws an INTEGER or REAL expression.
func (g *generator) numeric(scope []scoped, depth int) *expr {
	return g.expression(kind(g.pick(2)), scope, depth)
}

func (g *generator) intExpression(scope []scoped, depth int) *expr {
	switch g.pick(9) {
	case 0:
		return node(kindInt, "(%s + %s)", g.expression(kindInt, scope, depth-1), g.expression(kindInt, scope, depth-1))
	case 1:
		return node(kindInt, "(%s - %s)", g.expression(kindInt, scope, depth-1), g.expression(kindInt, scope, depth-1))
	case 2:
		return node(kindInt, "(%s * %s)", g.atom(kindInt, scope), g.atom(kindInt, scope))
	case 3:
		return node(kindInt, "ABS(%s)", g.expression(kindInt, scope, depth-1))
	case 4:
		return node(kindInt, "LENGTH(%s)", g.expression(kindText, scope, depth-1))
	case 5:
		return g.caseExpression(kindInt, scope, depth)
	case 6:
		return node(kindInt, "COALESCE(%s, %s)", g.expression(kindInt, scope, depth-1), g.expression(kindInt, scope, depth-1))
	case 7:
		return g.scalarSubquery(kindInt, scope, depth)
	}
	return node(kindInt, "(-(%s))", g.atom(kindInt, scope)) // not "--", a comment
}

func (g *generator) realExpression(scope []scoped, depth int) *expr {
	switch g.pick(6) {
	case 0:
		return node(kindReal, "(%s + %s)", g.expression(kindReal, scope, depth-1), g.numeric(scope, depth-1))
	case 1:
		return node(kindReal, "(%s - %s)", g.numeric(scope, depth-1), g.expression(kindReal, scope, depth-1))
	case 2:
		return node(kindReal, "(%s * %s)", g.atom(kindReal, scope), g.atom(kindInt, scope))
	case 3:
		return node(kindReal, "ABS(%s)", g.expression(kindReal, scope, depth-1))
	case 4:
		return g.caseExpression(kindReal, scope, depth)
	}
	return g.scalarSubquery(kindReal, scope, depth)
}

func (g *generator) textExpression(scope []scoped, depth int) *expr {
	switch g.pick(4) {
	case 0:
		return node(kindText, "UPPER(%s)", g.expression(kindText, scope, depth-1))
	case 1:
		return node(kindText, "LOWER(%s)", g.expression(kindText, scope, depth-1))
	case 2:
		return g.caseExpression(kindText, scope, depth)
	}
	return node(kindText, "COALESCE(%s, %s)", g.expression(kindText, scope, depth-1), g.expression(kindText, scope, depth-1))
}

func (g *generator) caseExpression(k kind, scope []scoped, depth int) *expr {
	if g.chance(50) {
		return node(k, "CASE WHEN %s THEN %s ELSE %s END", g.predicate(scope, depth-1), g.expression(k, scope, depth-1), g.expression(k, scope, depth-1))
	}
	return node(k, "CASE WHEN %s THEN %s END", g.predicate(scope, depth-1), g.expression(k, scope, depth-1))
}

// scalarSubquery is an aggregate over another table, so it returns one
// row; its WHERE may refer to the outer scope (a correlated subquery).
func (g *generator) scalarSubquery(k kind, scope []scoped, depth int) *expr {
	t := g.tables[g.pick(len(g.tables))]
	alias := fmt.Sprintf("s%d", g.pick(1000))
	inner := append(t.scope(alias), scope...)
	aggregate := "MAX"
	if g.chance(50) {
		aggregate = "MIN"
	}
	target := g.atom(k, t.scope(alias))
	where := g.predicate(inner, depth-1)
	return node(k, "(SELECT "+aggregate+"(%s) FROM "+t.name+" "+alias+" WHERE %s)", target, where)
}

// predicate draws a boolean expression.
func (g *generator) predicate(scope []scoped, depth int) *expr {
	if depth <= 0 {
		return g.comparison(scope, 0)
	}
	switch g.pick(12) {
	case 0, 1:
		return node(kindBool, "(%s AND %s)", g.predicate(scope, depth-1), g.predicate(scope, depth-1))
	case 2:
		return node(kindBool, "(%s OR %s)", g.predicate(scope, depth-1), g.predicate(scope, depth-1))
	case 3:
		return node(kindBool, "(NOT %s)", g.predicate(scope, depth-1))
	case 4:
		k := kind(g.pick(3))
		negation := ""
		if g.chance(40) {
			negation = "NOT "
		}
		return node(kindBool, "(%s IS "+negation+"NULL)", g.expression(k, scope, depth-1))
	case 5:
		k := kind(g.pick(3))
		return node(kindBool, "(%s BETWEEN %s AND %s)", g.expression(k, scope, depth-1), g.atom(k, nil), g.atom(k, nil))
	case 6:
		return g.inList(scope, depth)
	case 7:
		return node(kindBool, "(%s LIKE %s)", g.expression(kindText, scope, depth-1), leaf(kindText, "'"+likePatterns[g.pick(len(likePatterns))]+"'"))
	case 8:
		return g.inSubquery(scope, depth)
	case 9:
		return g.exists(scope, depth)
	}
	return g.comparison(scope, depth-1)
}

var comparisons = []string{"=", "<>", "<", "<=", ">", ">="}

func (g *generator) comparison(scope []scoped, depth int) *expr {
	operator := comparisons[g.pick(len(comparisons))]
	if g.chance(30) {
		return node(kindBool, "(%s "+operator+" %s)", g.expression(kindText, scope, depth), g.expression(kindText, scope, depth))
	}
	return node(kindBool, "(%s "+operator+" %s)", g.numeric(scope, depth), g.numeric(scope, depth))
}

func (g *generator) inList(scope []scoped, depth int) *expr {
	k := kind(g.pick(3))
	count := 1 + g.pick(4)
	format := "(%s IN ("
	if g.chance(30) {
		format = "(%s NOT IN ("
	}
	args := []*expr{g.expression(k, scope, depth-1)}
	for i := range count {
		if i > 0 {
			format += ", "
		}
		format += "%s"
		args = append(args, g.atom(k, nil))
	}
	return node(kindBool, format+"))", args...)
}

func (g *generator) inSubquery(scope []scoped, depth int) *expr {
	t := g.tables[g.pick(len(g.tables))]
	alias := fmt.Sprintf("s%d", g.pick(1000))
	c := t.columns[g.pick(len(t.columns))]
	outer := g.expression(c.kind, scope, depth-1)
	if c.kind.numeric() {
		outer = g.numeric(scope, depth-1)
	}
	format := "(%s IN (SELECT " + alias + "." + c.name + " FROM " + t.name + " " + alias + " WHERE %s))"
	if g.chance(30) {
		format = "(%s NOT IN (SELECT " + alias + "." + c.name + " FROM " + t.name + " " + alias + " WHERE %s))"
	}
	return node(kindBool, format, outer, g.subqueryCondition(t.scope(alias), scope, depth))
}

// exists draws [NOT] EXISTS over a table or view, often correlated by
// an equality with the outer query (which the planner decorrelates).
func (g *generator) exists(scope []scoped, depth int) *expr {
	t := g.relation()
	alias := fmt.Sprintf("s%d", g.pick(1000))
	format := "(EXISTS (SELECT 1 FROM " + t.name + " " + alias + " WHERE %s))"
	if g.chance(40) {
		format = "(NOT EXISTS (SELECT 1 FROM " + t.name + " " + alias + " WHERE %s))"
	}
	return node(kindBool, format, g.subqueryCondition(t.scope(alias), scope, depth))
}

// subqueryCondition is the WHERE of a subquery: a predicate over the
// inner and outer columns, AND-ed half the time with an equality
// between an inner and an outer column.
func (g *generator) subqueryCondition(inner, outer []scoped, depth int) *expr {
	condition := g.predicate(append(slices.Clone(inner), outer...), depth-1)
	if g.chance(50) {
		if equality := g.equality(outer, inner); equality != nil {
			return node(kindBool, "%s AND %s", equality, condition)
		}
	}
	return condition
}
