package sql

import (
	"fmt"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// explain describes how a statement would run, one step a row: access
// paths, joins (hash or nested loop), grouping, sorting and limits.
func (p planner) explain(stmt *parser.Explain) (*Result, error) {
	var lines []string
	var err error
	switch inner := stmt.Statement.(type) {
	case *parser.Query:
		lines, err = p.explainQuery(inner, "")
	case *parser.Update:
		lines, err = p.explainWrite("update", inner.Table, inner.Where)
	case *parser.Delete:
		lines, err = p.explainWrite("delete", inner.Table, inner.Where)
	case *parser.Insert:
		lines = []string{"insert into " + inner.Table}
		if inner.Query != nil {
			var source []string
			source, err = p.explainQuery(inner.Query, "  ")
			lines = append(lines, source...)
		}
	default:
		lines = []string{"ddl: " + firstWord(inner)}
	}
	if err != nil {
		return nil, err
	}
	result := &Result{Columns: []string{"plan"}}
	for _, line := range lines {
		result.Rows = append(result.Rows, []Value{Text(line)})
	}
	return result, nil
}

func (p planner) explainWrite(verb, table string, where parser.Expr) ([]string, error) {
	t, err := p.s.catalog().table(table)
	if err != nil {
		return nil, err
	}
	return []string{verb + " " + table, "  " + p.chooseAccess(t, t.Name, where).String()}, nil
}

func (p planner) explainQuery(q *parser.Query, indent string) ([]string, error) {
	var lines []string
	if q.Limit != nil || q.Offset != nil {
		lines = append(lines, indent+"limit")
		indent += "  "
	}
	if len(q.OrderBy) > 0 {
		lines = append(lines, indent+"sort")
		indent += "  "
	}
	body, err := p.explainBody(q.Body, indent)
	return append(lines, body...), err
}

func (p planner) explainBody(body parser.QueryBody, indent string) ([]string, error) {
	if op, ok := body.(*parser.SetOperation); ok {
		name := string(op.Operator)
		if op.All {
			name += " ALL"
		}
		left, err := p.explainBody(op.Left, indent+"  ")
		if err != nil {
			return nil, err
		}
		right, err := p.explainBody(op.Right, indent+"  ")
		return append(append([]string{indent + name}, left...), right...), err
	}
	sel := body.(*parser.Select)
	var lines []string
	if sel.Distinct {
		lines = append(lines, indent+"distinct")
		indent += "  "
	}
	if needsGrouping(sel, nil) {
		lines = append(lines, indent+"aggregate")
		indent += "  "
	}
	if sel.Where != nil {
		lines = append(lines, indent+"filter "+sel.Where.String())
		indent += "  "
	}
	if len(sel.From) == 1 {
		if table, ok := sel.From[0].(*parser.TableName); ok {
			t, err := p.s.catalog().table(table.Name)
			if err != nil {
				return nil, err
			}
			alias := table.Name
			if table.Alias != "" {
				alias = table.Alias
			}
			return append(lines, indent+p.chooseAccess(t, alias, sel.Where).String()), nil
		}
	}
	if len(sel.From) > 1 {
		lines = append(lines, indent+"nested loop cross join")
		indent += "  "
	}
	for _, item := range sel.From {
		more, err := p.explainTable(item, indent)
		if err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	return lines, nil
}

func (p planner) explainTable(item parser.TableExpr, indent string) ([]string, error) {
	switch item := item.(type) {
	case *parser.TableName:
		if _, err := p.s.catalog().table(item.Name); err != nil {
			return nil, err
		}
		return []string{indent + "full scan of " + item.Name}, nil
	case *parser.DerivedTable:
		inner, err := p.explainQuery(item.Query, indent+"  ")
		return append([]string{indent + "subquery " + item.Alias}, inner...), err
	case *parser.Join:
		method := "nested loop"
		if hasEquiConjunct(item.On) || len(item.Using) > 0 {
			method = "hash"
		}
		kinds := map[parser.JoinKind]string{parser.JoinInner: "inner", parser.JoinLeft: "left", parser.JoinRight: "right", parser.JoinFull: "full", parser.JoinCross: "cross"}
		line := fmt.Sprintf("%s%s %s join", indent, method, kinds[item.Kind])
		if item.On != nil {
			line += " on " + item.On.String()
		}
		left, err := p.explainTable(item.Left, indent+"  ")
		if err != nil {
			return nil, err
		}
		right, err := p.explainTable(item.Right, indent+"  ")
		return append(append([]string{line}, left...), right...), err
	}
	return nil, fmt.Errorf("%w: unsupported FROM item %s", ErrInvalid, item)
}

// hasEquiConjunct reports a conjunct column = column (the executor falls
// back to a nested loop when the columns' values do not hash alike).
func hasEquiConjunct(on parser.Expr) bool {
	for _, conjunct := range conjuncts(on) {
		if equal, ok := conjunct.(*parser.BinaryExpr); ok && equal.Operator == parser.BinaryEqual {
			_, leftRef := equal.Left.(*parser.ColumnRef)
			_, rightRef := equal.Right.(*parser.ColumnRef)
			if leftRef && rightRef {
				return true
			}
		}
	}
	return false
}
