package parser

func (p *printer) statement(s Statement) {
	switch s := s.(type) {
	case *CreateTable:
		p.createTable(s)
	case *DropTable:
		p.write("DROP TABLE ", ifExists(s.IfExists), quoteIdentifier(s.Name))
	case *CreateIndex:
		p.write("CREATE ")
		if s.Unique {
			p.write("UNIQUE ")
		}
		p.write("INDEX ", ifNotExists(s.IfNotExists), quoteIdentifier(s.Name))
		p.write(" ON ", quoteIdentifier(s.Table), " (")
		for i, name := range s.Columns {
			if i > 0 {
				p.write(", ")
			}
			p.write(quoteIdentifier(name))
			if s.Descending != nil && s.Descending[i] {
				p.write(" DESC")
			}
		}
		p.write(")")
	case *CreateView:
		p.write("CREATE VIEW ", ifNotExists(s.IfNotExists))
		p.namedColumns(s.Name, s.Columns)
		p.write(" AS ")
		p.query(s.Query)
	case *DropView:
		p.write("DROP VIEW ", ifExists(s.IfExists), quoteIdentifier(s.Name))
	case *DropIndex:
		p.write("DROP INDEX ", ifExists(s.IfExists), quoteIdentifier(s.Name))
	case *AlterTable:
		p.write("ALTER TABLE ", quoteIdentifier(s.Table), " ")
		p.alterAction(s.Action)
	case *Insert:
		p.insert(s)
	case *Update:
		p.update(s)
	case *Delete:
		p.write("DELETE FROM ", quoteIdentifier(s.Table))
		p.where(s.Where)
		p.returning(s.Returning)
	case *Explain:
		p.write("EXPLAIN ")
		p.statement(s.Statement)
	case *Query:
		p.query(s)
	default:
		panic("parser: printer reached a statement type it does not know")
	}
}

func (p *printer) createTable(s *CreateTable) {
	p.write("CREATE TABLE ", ifNotExists(s.IfNotExists), quoteIdentifier(s.Name), " (")
	for i, column := range s.Columns {
		if i > 0 {
			p.write(", ")
		}
		p.columnDefinition(column)
	}
	for _, constraint := range s.Constraints {
		if constraint.Kind == ConstraintPrimaryKey {
			p.write(", PRIMARY KEY (")
		} else {
			p.write(", UNIQUE (")
		}
		p.names(constraint.Columns)
		p.write(")")
	}
	p.write(")")
}

func (p *printer) columnDefinition(column ColumnDefinition) {
	p.write(quoteIdentifier(column.Name), " ")
	p.typeName(column.Type)
	switch column.Nullability {
	case NullabilityNull:
		p.write(" NULL")
	case NullabilityNotNull:
		p.write(" NOT NULL")
	}
	if column.Default != nil {
		p.write(" DEFAULT ")
		p.expr(column.Default, 0)
	}
	if column.PrimaryKey {
		p.write(" PRIMARY KEY")
	}
	if column.Unique {
		p.write(" UNIQUE")
	}
}

func (p *printer) alterAction(action AlterAction) {
	switch a := action.(type) {
	case *AddColumn:
		p.write("ADD COLUMN ")
		p.columnDefinition(a.Column)
	case *DropColumn:
		p.write("DROP COLUMN ", quoteIdentifier(a.Name))
	case *RenameColumn:
		p.write("RENAME COLUMN ", quoteIdentifier(a.OldName), " TO ", quoteIdentifier(a.NewName))
	case *RenameTable:
		p.write("RENAME TO ", quoteIdentifier(a.NewName))
	default:
		panic("parser: printer reached an ALTER TABLE action it does not know")
	}
}

func (p *printer) insert(s *Insert) {
	p.write("INSERT INTO ", quoteIdentifier(s.Table))
	if len(s.Columns) > 0 {
		p.write(" (")
		p.names(s.Columns)
		p.write(")")
	}
	switch {
	case s.DefaultValues:
		p.write(" DEFAULT VALUES")
	case s.Query != nil:
		p.write(" ")
		p.query(s.Query)
	default:
		p.write(" VALUES ")
		for i, row := range s.Rows {
			if i > 0 {
				p.write(", ")
			}
			p.write("(")
			p.exprList(row)
			p.write(")")
		}
	}
	p.returning(s.Returning)
}

func (p *printer) update(s *Update) {
	p.write("UPDATE ", quoteIdentifier(s.Table), " SET ")
	for i, assignment := range s.Assignments {
		if i > 0 {
			p.write(", ")
		}
		p.write(quoteIdentifier(assignment.Column), " = ")
		p.expr(assignment.Value, 0)
	}
	p.where(s.Where)
	p.returning(s.Returning)
}

func (p *printer) where(condition Expr) {
	if condition != nil {
		p.write(" WHERE ")
		p.expr(condition, 0)
	}
}

func (p *printer) returning(items []SelectItem) {
	if len(items) > 0 {
		p.write(" RETURNING ")
		p.selectItems(items)
	}
}

func (p *printer) query(q *Query) {
	for i, cte := range q.With {
		if i == 0 {
			p.write("WITH ")
		} else {
			p.write(", ")
		}
		p.namedColumns(cte.Name, cte.Columns)
		p.write(" AS (")
		p.query(cte.Query)
		p.write(")")
		if i == len(q.With)-1 {
			p.write(" ")
		}
	}
	p.queryBody(q.Body)
	for i, item := range q.OrderBy {
		if i == 0 {
			p.write(" ORDER BY ")
		} else {
			p.write(", ")
		}
		p.expr(item.Expr, 0)
		if item.Descending {
			p.write(" DESC")
		}
		switch item.Nulls {
		case NullsFirst:
			p.write(" NULLS FIRST")
		case NullsLast:
			p.write(" NULLS LAST")
		}
	}
	if q.Limit != nil {
		p.write(" LIMIT ")
		p.expr(q.Limit, 0)
	}
	if q.Offset != nil {
		p.write(" OFFSET ")
		p.expr(q.Offset, 0)
	}
}

func (p *printer) queryBody(body QueryBody) {
	switch b := body.(type) {
	case *Select:
		p.selectCore(b)
	case *SetOperation:
		p.queryBody(b.Left)
		p.write(" ", string(b.Operator), " ")
		if b.All {
			p.write("ALL ")
		}
		p.selectCore(b.Right)
	default:
		panic("parser: printer reached a query body type it does not know")
	}
}

func (p *printer) selectCore(s *Select) {
	p.write("SELECT ")
	if s.Distinct {
		p.write("DISTINCT ")
	}
	p.selectItems(s.Items)
	for i, table := range s.From {
		if i == 0 {
			p.write(" FROM ")
		} else {
			p.write(", ")
		}
		p.tableExpr(table)
	}
	p.where(s.Where)
	if len(s.GroupBy) > 0 {
		p.write(" GROUP BY ")
		p.exprList(s.GroupBy)
	}
	if s.Having != nil {
		p.write(" HAVING ")
		p.expr(s.Having, 0)
	}
}

func (p *printer) selectItems(items []SelectItem) {
	for i, item := range items {
		if i > 0 {
			p.write(", ")
		}
		switch {
		case item.Star && item.Table != "":
			p.write(quoteIdentifier(item.Table), ".*")
		case item.Star:
			p.write("*")
		default:
			p.expr(item.Expr, 0)
		}
		if item.Alias != "" {
			p.write(" AS ", quoteIdentifier(item.Alias))
		}
	}
}

var joinKeywords = map[JoinKind]string{
	JoinInner: " JOIN ",
	JoinLeft:  " LEFT JOIN ",
	JoinRight: " RIGHT JOIN ",
	JoinFull:  " FULL JOIN ",
	JoinCross: " CROSS JOIN ",
}

func (p *printer) tableExpr(table TableExpr) {
	switch t := table.(type) {
	case *TableName:
		p.write(quoteIdentifier(t.Name))
		p.alias(t.Alias)
	case *DerivedTable:
		p.write("(")
		p.query(t.Query)
		p.write(")")
		p.alias(t.Alias)
	case *Join:
		p.tableExpr(t.Left)
		if t.Natural {
			p.write(" NATURAL")
		}
		p.write(joinKeywords[t.Kind])
		if _, nested := t.Right.(*Join); nested {
			p.write("(")
			p.tableExpr(t.Right)
			p.write(")")
		} else {
			p.tableExpr(t.Right)
		}
		if t.On != nil {
			p.write(" ON ")
			p.expr(t.On, 0)
		}
		if len(t.Using) > 0 {
			p.write(" USING (")
			p.names(t.Using)
			p.write(")")
		}
	default:
		panic("parser: printer reached a table expression type it does not know")
	}
}

func (p *printer) alias(alias string) {
	if alias != "" {
		p.write(" AS ", quoteIdentifier(alias))
	}
}

// namedColumns writes name [(columns)] of a view or WITH query.
func (p *printer) namedColumns(name string, columns []string) {
	p.write(quoteIdentifier(name))
	if columns != nil {
		p.write(" (")
		p.names(columns)
		p.write(")")
	}
}

func (p *printer) names(names []string) {
	for i, name := range names {
		if i > 0 {
			p.write(", ")
		}
		p.write(quoteIdentifier(name))
	}
}

func ifExists(present bool) string {
	if present {
		return "IF EXISTS "
	}
	return ""
}

func ifNotExists(present bool) string {
	if present {
		return "IF NOT EXISTS "
	}
	return ""
}

func (s *CreateTable) String() string  { return statementString(s) }
func (s *DropTable) String() string    { return statementString(s) }
func (s *CreateIndex) String() string  { return statementString(s) }
func (s *CreateView) String() string   { return statementString(s) }
func (s *DropView) String() string     { return statementString(s) }
func (s *DropIndex) String() string    { return statementString(s) }
func (s *AlterTable) String() string   { return statementString(s) }
func (s *Insert) String() string       { return statementString(s) }
func (s *Update) String() string       { return statementString(s) }
func (s *Delete) String() string       { return statementString(s) }
func (s *Explain) String() string      { return statementString(s) }
func (s *Query) String() string        { return statementString(s) }
func (a *AddColumn) String() string    { return alterActionString(a) }
func (a *DropColumn) String() string   { return alterActionString(a) }
func (a *RenameColumn) String() string { return alterActionString(a) }
func (a *RenameTable) String() string  { return alterActionString(a) }
func (b *Select) String() string       { return queryBodyString(b) }
func (b *SetOperation) String() string { return queryBodyString(b) }
func (t *TableName) String() string    { return tableExprString(t) }
func (t *DerivedTable) String() string { return tableExprString(t) }
func (t *Join) String() string         { return tableExprString(t) }

func statementString(s Statement) string {
	var p printer
	p.statement(s)
	return p.out.String()
}

func alterActionString(a AlterAction) string {
	var p printer
	p.alterAction(a)
	return p.out.String()
}

func queryBodyString(b QueryBody) string {
	var p printer
	p.queryBody(b)
	return p.out.String()
}

func tableExprString(t TableExpr) string {
	var p printer
	p.tableExpr(t)
	return p.out.String()
}
