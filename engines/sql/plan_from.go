package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Planning FROM and WHERE. The tables of a FROM clause are its leaves; the
// rows of the FROM scope hold every leaf's columns side by side, in the
// order the leaves are written (the canonical layout), so expressions
// compile once and read the same positions whatever order the leaves are
// joined in. Inner joins (comma lists, JOIN, CROSS JOIN) flatten into a
// group of members whose conditions are pooled; an outer join is one
// member of its group, made of two groups of its own. WHERE and ON split
// into conjuncts, each placed at the lowest point where its leaves are
// bound: on a leaf's scan (where it also picks the access path and the
// predicate lock), on the join that binds its last leaf (where an
// equality between the two sides becomes a hash key), or, when it reads
// no leaf at all, on a gate evaluated once before anything is read.

// leavesMax bounds the tables of one FROM clause, as in SQLite.
const leavesMax = 64

// leafSet is a set of leaves by index.
type leafSet uint64

func leafBit(index int) leafSet { return 1 << uint(index) }

func (s leafSet) subsetOf(other leafSet) bool { return s&^other == 0 }

// leaf is one table of a FROM clause: a base table, or a derived table
// (a subquery, a view or a common table expression).
type leaf struct {
	index         int
	name          string // the table or view name; "" for a subquery
	alias         string // what the query calls it
	offset, width int    // its columns in the canonical layout
	table         *tableSchema
	derived       *queryPlan
	// source and context are what derived was planned from, so that
	// conditions over the leaf can be pushed into its query (pushdown.go).
	source  *parser.Query
	context queryContext
	cte     bool // a common table expression (for EXPLAIN)
}

// conjunct is one AND-ed condition of WHERE or ON, compiled over the
// canonical layout, with the leaves it reads.
type conjunct struct {
	source   parser.Expr // for EXPLAIN
	compiled expression
	leaves   leafSet
	// equalLeft and equalRight are the leaves of each side of a = b,
	// when both sides read some leaf; zero otherwise.
	equalLeft, equalRight leafSet
}

// newConjunct analyzes a compiled condition.
func (fp *fromPlanner) newConjunct(source parser.Expr, compiled expression) conjunct {
	c := conjunct{source: source, compiled: compiled, leaves: fp.leavesOf(compiled)}
	if equal, ok := compiled.(*binaryExpr); ok && equal.operator == parser.BinaryEqual {
		left, right := fp.leavesOf(equal.left), fp.leavesOf(equal.right)
		if left != 0 && right != 0 {
			c.equalLeft, c.equalRight = left, right
		}
	}
	return c
}

// member is what a group joins as one unit: a leaf, or an outer join.
type member struct {
	leaf    *leaf
	outer   *outerJoin
	leaves  leafSet
	filters []conjunct // conditions over this member alone
}

// group is members joined by inner joins, and the conditions pooled
// from their WHERE and ON clauses.
type group struct {
	members   []*member
	conjuncts []conjunct
}

// outerJoin is left LEFT|RIGHT|FULL JOIN right ON conditions.
type outerJoin struct {
	kind        parser.JoinKind
	left, right *group
	on          []conjunct
}

// fromPlanner plans one FROM clause with its WHERE.
type fromPlanner struct {
	p      planner
	ctx    queryContext
	scope  *planScope // the FROM scope, growing as leaves are added
	leaves []*leaf
}

// planFrom returns the node that produces the rows of FROM with WHERE
// applied, in the canonical layout, and the scope that names them.
func (p planner) planFrom(items []parser.TableExpr, where parser.Expr, ctx queryContext) (fromNode, *planScope, error) {
	fp := &fromPlanner{p: p, ctx: ctx, scope: &planScope{parent: ctx.outer, correlation: ctx.correlation}}
	top := &group{}
	for _, item := range items {
		if err := fp.collect(item, top); err != nil {
			return nil, nil, err
		}
	}
	whereConjuncts, err := fp.compileConjuncts(where, fp.scope, "WHERE")
	if err != nil {
		return nil, nil, err
	}
	top.conjuncts = append(top.conjuncts, whereConjuncts...)
	node, _, err := fp.planGroup(top)
	return node, fp.scope, err
}

func (fp *fromPlanner) width() int { return len(fp.scope.columns) }

// collect adds the leaves of item to g.
func (fp *fromPlanner) collect(item parser.TableExpr, g *group) error {
	switch item := item.(type) {
	case *parser.TableName:
		l, err := fp.namedLeaf(item)
		if err != nil {
			return err
		}
		g.members = append(g.members, &member{leaf: l, leaves: leafBit(l.index)})
		return nil
	case *parser.DerivedTable:
		l, err := fp.derivedLeaf(item.Query, "", item.Alias, nil, queryContext{outer: fp.ctx.outer, ctes: fp.ctx.ctes})
		if err != nil {
			return err
		}
		g.members = append(g.members, &member{leaf: l, leaves: leafBit(l.index)})
		return nil
	case *parser.Join:
		return fp.collectJoin(item, g)
	}
	return fmt.Errorf("%w: unsupported FROM item %s", ErrInvalid, item)
}

func (fp *fromPlanner) collectJoin(j *parser.Join, g *group) error {
	start := len(fp.leaves)
	if j.Kind == parser.JoinInner || j.Kind == parser.JoinCross {
		if err := fp.collect(j.Left, g); err != nil {
			return err
		}
		middle := len(fp.leaves)
		if err := fp.collect(j.Right, g); err != nil {
			return err
		}
		on, err := fp.joinConditions(j, start, middle)
		g.conjuncts = append(g.conjuncts, on...)
		return err
	}
	oj := &outerJoin{kind: j.Kind, left: &group{}, right: &group{}}
	if err := fp.collect(j.Left, oj.left); err != nil {
		return err
	}
	middle := len(fp.leaves)
	if err := fp.collect(j.Right, oj.right); err != nil {
		return err
	}
	var err error
	if oj.on, err = fp.joinConditions(j, start, middle); err != nil {
		return err
	}
	g.members = append(g.members, &member{outer: oj, leaves: fp.leavesBetween(start, len(fp.leaves))})
	return nil
}

func (fp *fromPlanner) leavesBetween(start, end int) leafSet {
	var set leafSet
	for i := start; i < end; i++ {
		set |= leafBit(i)
	}
	return set
}

// addLeaf gives a leaf its index and columns.
func (fp *fromPlanner) addLeaf(l *leaf, columns []string) (*leaf, error) {
	if len(fp.leaves) >= leavesMax {
		return nil, fmt.Errorf("%w: at most %d tables in one FROM clause", ErrLimit, leavesMax)
	}
	l.index, l.offset, l.width = len(fp.leaves), fp.width(), len(columns)
	for _, name := range columns {
		fp.scope.columns = append(fp.scope.columns, scopeColumn{table: l.alias, name: name})
	}
	fp.leaves = append(fp.leaves, l)
	return l, nil
}

// namedLeaf resolves a name in FROM: a common table expression, else a
// view or a table of the catalog.
func (fp *fromPlanner) namedLeaf(t *parser.TableName) (*leaf, error) {
	alias := t.Name
	if t.Alias != "" {
		alias = t.Alias
	}
	if cte, ok := fp.ctx.ctes.find(t.Name); ok {
		// A common table expression sees the ones defined before it, and
		// no outer query.
		l, err := fp.derivedLeaf(cte.definition.Query, t.Name, alias, cte.definition.Columns, queryContext{ctes: cte.parent})
		if l != nil {
			l.cte = true
		}
		return l, err
	}
	table, view, err := fp.p.s.catalog().relation(t.Name)
	if err != nil {
		return nil, err
	}
	if view != nil {
		return fp.derivedLeaf(view.query, t.Name, alias, view.columns, queryContext{})
	}
	columns := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		columns[i] = c.Name
	}
	return fp.addLeaf(&leaf{name: t.Name, alias: alias, table: table}, columns)
}

// derivedLeaf plans a query of FROM in inner: a subquery sees the scope
// around the FROM clause (not the other leaves), and what it reads of that
// scope belongs to the enclosing query's correlation too.
func (fp *fromPlanner) derivedLeaf(q *parser.Query, name, alias string, columns []string, inner queryContext) (*leaf, error) {
	plan, err := fp.planDerived(q, inner)
	if err != nil {
		return nil, err
	}
	names := plan.columns
	if columns != nil {
		if len(columns) != len(plan.columns) {
			return nil, fmt.Errorf("%w: %s names %d columns for a query of %d", ErrInvalid, name, len(columns), len(plan.columns))
		}
		names = columns
	}
	return fp.addLeaf(&leaf{name: name, alias: alias, derived: plan, source: q, context: inner}, names)
}

// planDerived plans a derived table's query; what it reads of the scope
// around the FROM clause belongs to the enclosing query's correlation.
func (fp *fromPlanner) planDerived(q *parser.Query, inner queryContext) (*queryPlan, error) {
	inner.correlation = &correlation{}
	plan, err := fp.p.planQuery(q, inner)
	if err != nil {
		return nil, err
	}
	if fp.ctx.correlation != nil {
		for _, reference := range inner.correlation.references {
			fp.ctx.correlation.add(reference)
		}
	}
	return plan, nil
}

// joinConditions compiles the ON, USING or NATURAL condition of a join
// whose left leaves are [start, middle) and right leaves the rest so
// far. ON sees only the leaves written up to the join.
func (fp *fromPlanner) joinConditions(j *parser.Join, start, middle int) ([]conjunct, error) {
	using := j.Using
	if j.Natural {
		using = fp.commonColumns(start, middle)
	}
	if len(using) > 0 {
		return fp.usingConditions(j.Kind, using, start, middle)
	}
	prefix := &planScope{columns: fp.scope.columns, parent: fp.scope.parent, correlation: fp.scope.correlation}
	return fp.compileConjuncts(j.On, prefix, "ON")
}

// visibleColumn finds the one column called name that an unqualified
// reference may mean among leaves [start, end).
func (fp *fromPlanner) visibleColumn(name string, start, end int) (int, error) {
	found := -1
	for position := fp.leaves[start].offset; position < fp.leafEnd(end); position++ {
		c := fp.scope.columns[position]
		if c.name != name || c.hidden {
			continue
		}
		if found >= 0 {
			return 0, fmt.Errorf("%w: USING column %s", ErrAmbiguousColumn, name)
		}
		found = position
	}
	if found < 0 {
		return 0, fmt.Errorf("%w: USING column %s", ErrUnknownColumn, name)
	}
	return found, nil
}

// leafEnd is the position after the columns of leaves before end.
func (fp *fromPlanner) leafEnd(end int) int {
	last := fp.leaves[end-1]
	return last.offset + last.width
}

// commonColumns lists the names visible on both sides, in left order.
func (fp *fromPlanner) commonColumns(start, middle int) []string {
	var names []string
	for position := fp.leaves[start].offset; position < fp.leafEnd(middle); position++ {
		c := fp.scope.columns[position]
		if c.hidden || slices.Contains(names, c.name) {
			continue
		}
		if _, err := fp.visibleColumn(c.name, middle, len(fp.leaves)); err == nil {
			names = append(names, c.name)
		}
	}
	return names
}

// usingConditions turns USING (a, ...) into left.a = right.a AND ...;
// the right copy of each column is hidden, and where the left copy may
// be NULL (RIGHT and FULL joins) it reads COALESCE of both.
func (fp *fromPlanner) usingConditions(kind parser.JoinKind, names []string, start, middle int) ([]conjunct, error) {
	var out []conjunct
	for _, name := range names {
		left, err := fp.visibleColumn(name, start, middle)
		if err != nil {
			return nil, err
		}
		right, err := fp.visibleColumn(name, middle, len(fp.leaves))
		if err != nil {
			return nil, err
		}
		leftColumn, rightColumn := fp.scope.columns[left], fp.scope.columns[right]
		var leftExpr expression = &columnExpr{position: left}
		if leftColumn.merged > 0 {
			leftExpr = &coalesceExpr{operands: []expression{leftExpr, &columnExpr{position: leftColumn.merged - 1}}}
		}
		equal := &binaryExpr{operator: parser.BinaryEqual, comparison: true, left: leftExpr, right: &columnExpr{position: right}}
		source := &parser.BinaryExpr{Operator: parser.BinaryEqual,
			Left:  &parser.ColumnRef{Table: leftColumn.table, Column: name},
			Right: &parser.ColumnRef{Table: rightColumn.table, Column: name}}
		out = append(out, fp.newConjunct(source, equal))
		fp.scope.columns[right].hidden = true
		if kind == parser.JoinRight || kind == parser.JoinFull {
			fp.scope.columns[left].merged = right + 1
		}
	}
	return out, nil
}

// compileConjuncts splits a condition on AND and compiles each part.
func (fp *fromPlanner) compileConjuncts(condition parser.Expr, scope *planScope, clause string) ([]conjunct, error) {
	c := &compiler{s: fp.p.s, scope: scope, ctes: fp.ctx.ctes, clause: clause}
	var out []conjunct
	for _, part := range conjuncts(condition) {
		compiled, err := c.compile(part)
		if err != nil {
			return nil, err
		}
		out = append(out, fp.newConjunct(part, compiled))
	}
	return out, nil
}

// leavesOf returns the leaves an expression reads.
func (fp *fromPlanner) leavesOf(e expression) leafSet {
	var set leafSet
	depthZeroPositions(e, func(position int) { set |= leafBit(fp.leafAt(position)) })
	return set
}

// leafAt returns the index of the leaf holding a canonical position.
func (fp *fromPlanner) leafAt(position int) int {
	index, _ := slices.BinarySearchFunc(fp.leaves, position, func(l *leaf, position int) int {
		switch {
		case position < l.offset:
			return 1
		case position >= l.offset+l.width:
			return -1
		}
		return 0
	})
	return index
}

// joinStep joins right (over rightLeaves) to left (over leftLeaves) with
// every pending condition the two bind together; it returns the
// conditions still pending.
func (fp *fromPlanner) joinStep(kind parser.JoinKind, left, right fromNode, leftLeaves, rightLeaves leafSet, pending []conjunct) (*joinNode, []conjunct) {
	step := &joinNode{kind: kind, left: left, right: right, width: fp.width(),
		leftSpans: fp.spans(leftLeaves), rightSpans: fp.spans(rightLeaves)}
	var rest []conjunct
	for _, c := range pending {
		if !c.leaves.subsetOf(leftLeaves | rightLeaves) {
			rest = append(rest, c)
			continue
		}
		if leftKey, rightKey, ok := fp.equalitySides(c, leftLeaves, rightLeaves); ok {
			step.leftKeys = append(step.leftKeys, leftKey)
			step.rightKeys = append(step.rightKeys, rightKey)
			step.equalities = append(step.equalities, c)
			continue
		}
		step.on = append(step.on, c)
	}
	return step, rest
}

// equalitySides splits a = b whose sides read one side of a join each.
func (fp *fromPlanner) equalitySides(c conjunct, leftLeaves, rightLeaves leafSet) (expression, expression, bool) {
	if c.equalLeft == 0 {
		return nil, nil, false
	}
	equal := c.compiled.(*binaryExpr)
	switch {
	case c.equalLeft.subsetOf(leftLeaves) && c.equalRight.subsetOf(rightLeaves):
		return equal.left, equal.right, true
	case c.equalRight.subsetOf(leftLeaves) && c.equalLeft.subsetOf(rightLeaves):
		return equal.right, equal.left, true
	}
	return nil, nil, false
}

// spans lists the canonical positions of a set of leaves.
func (fp *fromPlanner) spans(set leafSet) []span {
	var out []span
	for _, l := range fp.leaves {
		if set&leafBit(l.index) != 0 {
			out = append(out, span{offset: l.offset, width: l.width})
		}
	}
	return out
}
