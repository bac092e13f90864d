package sql

import (
	"fmt"
	"strings"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// EXPLAIN prints the plan, one step a line, each step's inputs indented
// below it: limits, sorting, DISTINCT and aggregation, then the FROM
// tree with its filters, join order, joins (hash or nested loop) and
// access paths. Planning validates the statement as running it would.
func (p planner) explain(stmt *parser.Explain) (*Result, error) {
	w := &explainWriter{}
	switch inner := stmt.Statement.(type) {
	case *parser.Query:
		plan, err := p.planQuery(inner, queryContext{})
		if err != nil {
			return nil, err
		}
		plan.explain(w, 0)
	case *parser.Update:
		if err := p.explainWrite(w, "update", inner.Table, inner.Where); err != nil {
			return nil, err
		}
	case *parser.Delete:
		if err := p.explainWrite(w, "delete", inner.Table, inner.Where); err != nil {
			return nil, err
		}
	case *parser.Insert:
		w.add(0, "insert into "+inner.Table)
		if inner.Query != nil {
			plan, err := p.planQuery(inner.Query, queryContext{})
			if err != nil {
				return nil, err
			}
			plan.explain(w, 1)
		}
	default:
		w.add(0, "ddl: "+firstWord(inner))
	}
	result := &Result{Columns: []string{"plan"}}
	for _, line := range w.lines {
		result.Rows = append(result.Rows, []Value{Text(line)})
	}
	return result, nil
}

func (p planner) explainWrite(w *explainWriter, verb, table string, where parser.Expr) error {
	t, err := p.s.catalog().table(table)
	if err != nil {
		return err
	}
	conditions, err := dml(p).compileWhere(tableScope(t), where)
	if err != nil {
		return err
	}
	w.add(0, verb+" "+table)
	w.add(1, p.chooseAccess(t, 0, conditions).describe(t.Name))
	return nil
}

// explainWriter collects the lines of EXPLAIN.
type explainWriter struct{ lines []string }

func (w *explainWriter) add(indent int, text string) {
	w.lines = append(w.lines, strings.Repeat("  ", indent)+text)
}

// conditions prints conditions joined by AND.
func conditionsText(conditions []conjunct) string {
	parts := make([]string, len(conditions))
	for i, c := range conditions {
		parts[i] = c.source.String()
	}
	return strings.Join(parts, " AND ")
}

func (plan *queryPlan) explain(w *explainWriter, indent int) {
	if plan.limit != nil || plan.offset != nil {
		w.add(indent, "limit")
		indent++
	}
	if len(plan.order) > 0 {
		w.add(indent, "sort")
		indent++
	}
	plan.body.explain(w, indent)
}

func (sp *selectPlan) explain(w *explainWriter, indent int) {
	if sp.distinct {
		w.add(indent, "distinct")
		indent++
	}
	if sp.grouping != nil {
		w.add(indent, "aggregate")
		indent++
	}
	sp.from.explain(w, indent)
}

func (sp *setPlan) explain(w *explainWriter, indent int) {
	name := string(sp.operator)
	if sp.all {
		name += " ALL"
	}
	w.add(indent, name)
	sp.left.explain(w, indent+1)
	sp.right.explain(w, indent+1)
}

func (n *singleRowNode) explain(*explainWriter, int) {}

func (n *gateNode) explain(w *explainWriter, indent int) {
	w.add(indent, "filter once "+conditionsText(n.conditions))
	explainSubqueries(w, indent+1, n.conditions)
	n.child.explain(w, indent+1)
}

func (n *filterNode) explain(w *explainWriter, indent int) {
	w.filter(indent, n.filters)
	n.child.explain(w, indent+1)
}

// filter prints a filter line and the subqueries of its conditions.
func (w *explainWriter) filter(indent int, conditions []conjunct) {
	w.add(indent, "filter "+conditionsText(conditions))
	explainSubqueries(w, indent+1, conditions)
}

// explainSubqueries prints how each subquery of the conditions runs,
// with its plan below.
func explainSubqueries(w *explainWriter, indent int, conditions []conjunct) {
	for _, c := range conditions {
		visitSubqueries(c.compiled, false, func(e subqueryExpression, negated bool) {
			how, plan := subqueryStrategy(e, negated)
			w.add(indent, how)
			plan.explain(w, indent+1)
		})
	}
}

// visitSubqueries finds the subqueries of an expression (not those
// nested in other subqueries); negated is set right under NOT.
func visitSubqueries(e expression, negated bool, visit func(subqueryExpression, bool)) {
	if sub, ok := e.(subqueryExpression); ok {
		visit(sub, negated)
	}
	not, isNot := e.(*unaryExpr)
	e.each(func(operand expression) {
		visitSubqueries(operand, isNot && not.operator == parser.UnaryNot, visit)
	})
}

func subqueryStrategy(e subqueryExpression, negated bool) (string, *queryPlan) {
	join := "semi"
	var semi *semiJoin
	var sub *subquery
	switch e := e.(type) {
	case *inSubqueryExpr:
		semi, sub, negated = e.semi, e.sub, e.not
	case *existsExpr:
		semi, sub = e.semi, e.sub
	case *scalarSubqueryExpr:
		if len(e.sub.correlation.references) == 0 {
			return "scalar subquery, run once", e.sub.plan
		}
		return "scalar subquery, run once per distinct outer value", e.sub.plan
	}
	if negated {
		join = "anti"
	}
	switch {
	case semi != nil:
		return fmt.Sprintf("hash %s join, decorrelated on %s", join, strings.Join(semi.sources, " AND ")), semi.plan
	case len(sub.correlation.references) == 0:
		return fmt.Sprintf("hash %s join, subquery run once", join), sub.plan
	}
	return fmt.Sprintf("%s join, subquery run once per distinct outer value", join), sub.plan
}

func (n *orderedNode) explain(w *explainWriter, indent int) {
	w.add(indent, "join order: "+strings.Join(n.order, ", "))
	n.child.explain(w, indent+1)
}

func (n *scanNode) explain(w *explainWriter, indent int) {
	if len(n.filters) > 0 {
		w.filter(indent, n.filters)
		indent++
	}
	w.add(indent, n.path.describe(n.leaf.alias))
}

func (n *derivedNode) explain(w *explainWriter, indent int) {
	if len(n.filters) > 0 {
		w.filter(indent, n.filters)
		indent++
	}
	kind := "view"
	if n.leaf.cte {
		kind = "with"
	}
	switch {
	case n.leaf.name == "":
		w.add(indent, "subquery "+n.leaf.alias)
	case n.leaf.alias != n.leaf.name:
		w.add(indent, fmt.Sprintf("%s %s as %s", kind, n.leaf.name, n.leaf.alias))
	default:
		w.add(indent, kind+" "+n.leaf.name)
	}
	n.leaf.derived.explain(w, indent+1)
}

var joinKindNames = map[parser.JoinKind]string{parser.JoinInner: "inner", parser.JoinLeft: "left", parser.JoinRight: "right", parser.JoinFull: "full"}

func (j *joinNode) explain(w *explainWriter, indent int) {
	method := "nested loop"
	if len(j.leftKeys) > 0 {
		method = "hash"
	}
	conditions := append(append([]conjunct(nil), j.equalities...), j.on...)
	switch {
	case len(conditions) == 0 && j.kind == parser.JoinInner:
		w.add(indent, method+" cross join")
	case len(conditions) == 0:
		w.add(indent, fmt.Sprintf("%s %s join", method, joinKindNames[j.kind]))
	default:
		w.add(indent, fmt.Sprintf("%s %s join on %s", method, joinKindNames[j.kind], conditionsText(conditions)))
		explainSubqueries(w, indent+1, conditions)
	}
	j.left.explain(w, indent+1)
	j.right.explain(w, indent+1)
}

func (n *lookupJoinNode) explain(w *explainWriter, indent int) {
	conditions := append([]conjunct{n.equality}, n.on...)
	w.add(indent, "lookup inner join on "+conditionsText(conditions))
	explainSubqueries(w, indent+1, n.on)
	n.left.explain(w, indent+1)
	indent++
	if len(n.filters) > 0 {
		w.filter(indent, n.filters)
		indent++
	}
	via := "primary key"
	if n.path.index != nil {
		via = "index " + n.path.index.Name
	}
	table := n.leaf.table.Name
	if n.leaf.alias != table {
		table += " as " + n.leaf.alias
	}
	w.add(indent, "lookups of "+table+" via "+via+" on "+n.path.column)
}
