package sql

import "github.com/proven2pc/proven/engines/sql/parser"

// Pushing conditions into views and derived tables. A condition over a
// derived leaf alone (a view, a WITH query or a subquery in FROM) moves
// into that query's WHERE, its references to the leaf's columns replaced
// by the expressions the query computes them with, when the query is a
// plain SELECT: no compound, grouping, aggregate, DISTINCT, ORDER BY,
// LIMIT or WITH, and the condition reads nothing else and holds no
// subquery. Filtering before the projection keeps the same rows, so the
// answer is the same; the pushed condition then chooses the access path
// and narrows the predicate lock of the tables the query reads, as it
// would in the query written without the view.

// pushIntoDerived moves what conditions it can into l's query and
// returns those left to filter l's rows.
func (fp *fromPlanner) pushIntoDerived(l *leaf, filters []conjunct) []conjunct {
	sel, targets, ok := plainSelect(l)
	if !ok || len(filters) == 0 {
		return filters
	}
	var pushed []parser.Expr
	var kept []conjunct
	for _, c := range filters {
		rewritten, ok := fp.rewriteForLeaf(c.source, l, targets)
		if !ok {
			kept = append(kept, c)
			continue
		}
		pushed = append(pushed, rewritten)
	}
	if len(pushed) == 0 {
		return filters
	}
	narrowed := *sel
	narrowed.Where = andAll(append(conjuncts(sel.Where), pushed...))
	query := *l.source
	query.Body = &narrowed
	plan, err := fp.planDerived(&query, l.context)
	if err != nil {
		return filters // planning it as written succeeded: keep that plan
	}
	l.derived = plan
	return kept
}

// plainSelect returns the SELECT of a derived leaf whose query allows
// pushing conditions in, with its output columns as expressions.
func plainSelect(l *leaf) (*parser.Select, []parser.Expr, bool) {
	q := l.source
	sel, ok := q.Body.(*parser.Select)
	if !ok || len(q.With) > 0 || len(q.OrderBy) > 0 || q.Limit != nil || q.Offset != nil ||
		sel.Distinct || len(sel.GroupBy) > 0 || sel.Having != nil || needsGrouping(sel, nil) {
		return nil, nil, false
	}
	body, ok := l.derived.body.(*selectPlan)
	if !ok || body.targets == nil {
		return nil, nil, false
	}
	for _, target := range body.targets {
		if hasSubquery(target) || hasVolatileCall(target) {
			return nil, nil, false
		}
	}
	return sel, body.targets, true
}

func hasVolatileCall(e parser.Expr) bool {
	found := false
	walkExpr(e, func(node parser.Expr) bool {
		if call, ok := node.(*parser.FunctionCall); ok {
			if function, known := scalarFunctions[call.Name]; known && function.volatile {
				found = true
			}
		}
		return !found
	})
	return found
}

// rewriteForLeaf returns e with every column reference, each of which
// must name a column of l, replaced by the expression l's query computes
// that column with; ok is false when e reads anything else or holds a
// subquery.
func (fp *fromPlanner) rewriteForLeaf(e parser.Expr, l *leaf, targets []parser.Expr) (out parser.Expr, ok bool) {
	rewrite := func(e parser.Expr) parser.Expr {
		out, inner := fp.rewriteForLeaf(e, l, targets)
		ok = ok && inner
		return out
	}
	ok = true
	switch e := e.(type) {
	case nil:
		return nil, true
	case *parser.ColumnRef:
		r, err := fp.scope.resolve(e)
		if err != nil || r.depth != 0 || r.merged > 0 || r.position < l.offset || r.position >= l.offset+l.width {
			return nil, false
		}
		return targets[r.position-l.offset], true
	case *parser.NullLiteral, *parser.BoolLiteral, *parser.NumberLiteral, *parser.StringLiteral, *parser.BlobLiteral, *parser.Parameter:
		return e, true
	case *parser.UnaryExpr:
		return &parser.UnaryExpr{Operator: e.Operator, Operand: rewrite(e.Operand)}, ok
	case *parser.BinaryExpr:
		return &parser.BinaryExpr{Operator: e.Operator, Left: rewrite(e.Left), Right: rewrite(e.Right)}, ok
	case *parser.IsNull:
		return &parser.IsNull{Operand: rewrite(e.Operand), Not: e.Not}, ok
	case *parser.IsBool:
		return &parser.IsBool{Operand: rewrite(e.Operand), Not: e.Not, Value: e.Value}, ok
	case *parser.Between:
		return &parser.Between{Operand: rewrite(e.Operand), Not: e.Not, Low: rewrite(e.Low), High: rewrite(e.High)}, ok
	case *parser.InList:
		list := make([]parser.Expr, len(e.List))
		for i, item := range e.List {
			list[i] = rewrite(item)
		}
		return &parser.InList{Operand: rewrite(e.Operand), Not: e.Not, List: list}, ok
	case *parser.Like:
		return &parser.Like{Operand: rewrite(e.Operand), Not: e.Not, Pattern: rewrite(e.Pattern)}, ok
	case *parser.Cast:
		return &parser.Cast{Operand: rewrite(e.Operand), Type: e.Type}, ok
	case *parser.Case:
		out := &parser.Case{Operand: rewrite(e.Operand), Else: rewrite(e.Else)}
		for _, when := range e.Whens {
			out.Whens = append(out.Whens, parser.When{Condition: rewrite(when.Condition), Result: rewrite(when.Result)})
		}
		return out, ok
	case *parser.FunctionCall:
		if isAggregate(e) {
			return nil, false
		}
		out := &parser.FunctionCall{Name: e.Name, Distinct: e.Distinct, All: e.All, Star: e.Star}
		for _, argument := range e.Arguments {
			out.Arguments = append(out.Arguments, rewrite(argument))
		}
		return out, ok
	}
	return nil, false // subqueries and anything new
}
