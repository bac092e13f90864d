package parser

// query parses SELECT ... [UNION | INTERSECT | EXCEPT [ALL] SELECT ...]...
// [ORDER BY ...] [LIMIT ...] [OFFSET ...]. Compound operators all bind
// equally and associate to the left, as in SQLite.
func (p *parser) query() (*Query, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	with, err := p.withClause()
	if err != nil {
		return nil, err
	}
	first, err := p.selectCore()
	if err != nil {
		return nil, err
	}
	result := &Query{With: with, Body: first}
	for {
		operator, ok := p.setOperator()
		if !ok {
			break
		}
		all := p.acceptKeyword("ALL")
		right, err := p.selectCore()
		if err != nil {
			return nil, err
		}
		result.Body = &SetOperation{Operator: operator, All: all, Left: result.Body, Right: right}
	}
	if err := p.queryTail(result); err != nil {
		return nil, err
	}
	return result, nil
}

// queryStartsAt reports whether a query starts offset tokens ahead:
// SELECT, or WITH followed by a name (WITH is not reserved).
func (p *parser) queryStartsAt(offset int) bool {
	first := p.peekAt(offset)
	if first.kind == tokenKeyword && first.value == "SELECT" {
		return true
	}
	return isWord(first, "with") && isName(p.peekAt(offset+1))
}

// withClause reads an optional WITH name [(columns)] AS (query), ...
func (p *parser) withClause() ([]CommonTableExpr, error) {
	if !p.acceptWord("with") {
		return nil, nil
	}
	if isWord(p.peek(), "recursive") && isName(p.peekAt(1)) {
		return nil, p.unexpected("WITH RECURSIVE is not supported")
	}
	return commaList(p, p.commonTableExpr)
}

// commonTableExpr reads name [(column, ...)] AS (query).
func (p *parser) commonTableExpr() (CommonTableExpr, error) {
	var cte CommonTableExpr
	var err error
	if cte.Name, err = p.name("a common table expression name"); err != nil {
		return CommonTableExpr{}, err
	}
	if p.isOperator("(") {
		if cte.Columns, err = p.names("a column name"); err != nil {
			return CommonTableExpr{}, err
		}
	}
	if err := p.expectKeyword("AS"); err != nil {
		return CommonTableExpr{}, err
	}
	if cte.Query, err = p.parenthesizedQuery(); err != nil {
		return CommonTableExpr{}, err
	}
	return cte, nil
}

func (p *parser) setOperator() (SetOperator, bool) {
	for _, operator := range []SetOperator{SetUnion, SetIntersect, SetExcept} {
		if p.acceptKeyword(string(operator)) {
			return operator, true
		}
	}
	return "", false
}

// queryTail parses ORDER BY, LIMIT and OFFSET into result.
func (p *parser) queryTail(result *Query) error {
	if p.acceptKeyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return err
		}
		var err error
		if result.OrderBy, err = commaList(p, p.orderItem); err != nil {
			return err
		}
	}
	var err error
	if p.acceptKeyword("LIMIT") {
		if result.Limit, err = p.expression(precedenceOr); err != nil {
			return err
		}
	}
	if p.acceptKeyword("OFFSET") {
		if result.Offset, err = p.expression(precedenceOr); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) orderItem() (OrderItem, error) {
	expr, err := p.expression(precedenceOr)
	if err != nil {
		return OrderItem{}, err
	}
	item := OrderItem{Expr: expr}
	if p.acceptKeyword("DESC") {
		item.Descending = true
	} else {
		p.acceptKeyword("ASC")
	}
	if p.acceptWord("nulls") {
		switch {
		case p.acceptWord("first"):
			item.Nulls = NullsFirst
		case p.acceptWord("last"):
			item.Nulls = NullsLast
		default:
			return OrderItem{}, p.unexpected("expected FIRST or LAST")
		}
	}
	return item, nil
}

// selectCore parses one SELECT without ORDER BY, LIMIT and OFFSET.
func (p *parser) selectCore() (*Select, error) {
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	result := &Select{}
	if p.acceptKeyword("DISTINCT") {
		result.Distinct = true
	} else {
		p.acceptKeyword("ALL")
	}
	var err error
	if result.Items, err = p.selectItems(); err != nil {
		return nil, err
	}
	if p.acceptKeyword("FROM") {
		if result.From, err = p.fromList(); err != nil {
			return nil, err
		}
	}
	if result.Where, err = p.optionalWhere(); err != nil {
		return nil, err
	}
	if p.acceptKeyword("GROUP") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		if result.GroupBy, err = p.expressionList(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("HAVING") {
		if result.Having, err = p.expression(precedenceOr); err != nil {
			return nil, err
		}
	}
	return result, nil
}

func (p *parser) optionalWhere() (Expr, error) {
	if !p.acceptKeyword("WHERE") {
		return nil, nil
	}
	return p.expression(precedenceOr)
}

// selectItems reads item {, item}, for SELECT and RETURNING.
func (p *parser) selectItems() ([]SelectItem, error) { return commaList(p, p.selectItem) }

func (p *parser) selectItem() (SelectItem, error) {
	if p.acceptOperator("*") {
		return SelectItem{Star: true}, nil
	}
	following := p.peekAt(1)
	star := p.peekAt(2)
	if isName(p.peek()) && following.kind == tokenOperator && following.value == "." &&
		star.kind == tokenOperator && star.value == "*" {
		table := p.advance().value
		p.advance()
		p.advance()
		return SelectItem{Star: true, Table: table}, nil
	}
	expr, err := p.expression(precedenceOr)
	if err != nil {
		return SelectItem{}, err
	}
	alias, err := p.optionalAlias()
	if err != nil {
		return SelectItem{}, err
	}
	return SelectItem{Expr: expr, Alias: alias}, nil
}

// optionalAlias reads [AS] name; without AS the name must not be a
// reserved word.
func (p *parser) optionalAlias() (string, error) {
	if p.acceptKeyword("AS") {
		return p.name("an alias")
	}
	if isName(p.peek()) {
		return p.advance().value, nil
	}
	return "", nil
}

// fromList reads table {, table}; each may be a chain of joins.
func (p *parser) fromList() ([]TableExpr, error) { return commaList(p, p.joinedTable) }

// joinedTable reads a table followed by any number of joins, left to right.
func (p *parser) joinedTable() (TableExpr, error) {
	left, err := p.tablePrimary()
	if err != nil {
		return nil, err
	}
	for {
		natural := p.acceptKeyword("NATURAL")
		kind, ok, err := p.joinKind()
		if err != nil {
			return nil, err
		}
		if !ok {
			if natural {
				return nil, p.unexpected("expected JOIN")
			}
			return left, nil
		}
		if natural && kind == JoinCross {
			return nil, p.unexpected("NATURAL CROSS JOIN is not a join")
		}
		right, err := p.tablePrimary()
		if err != nil {
			return nil, err
		}
		join := &Join{Natural: natural, Kind: kind, Left: left, Right: right}
		if kind != JoinCross && !natural {
			if err := p.joinCondition(join); err != nil {
				return nil, err
			}
		}
		left = join
	}
}

// joinKind reads the words before JOIN; ok is false when no join follows.
func (p *parser) joinKind() (JoinKind, bool, error) {
	kind := JoinInner
	switch {
	case p.acceptKeyword("JOIN"):
		return JoinInner, true, nil
	case p.acceptKeyword("INNER"):
	case p.acceptKeyword("CROSS"):
		kind = JoinCross
	case p.acceptKeyword("LEFT"):
		kind = JoinLeft
	case p.acceptKeyword("RIGHT"):
		kind = JoinRight
	case p.acceptKeyword("FULL"):
		kind = JoinFull
	default:
		return 0, false, nil
	}
	if kind == JoinLeft || kind == JoinRight || kind == JoinFull {
		p.acceptKeyword("OUTER")
	}
	if err := p.expectKeyword("JOIN"); err != nil {
		return 0, false, err
	}
	return kind, true, nil
}

func (p *parser) joinCondition(join *Join) error {
	if p.acceptKeyword("ON") {
		condition, err := p.expression(precedenceOr)
		if err != nil {
			return err
		}
		join.On = condition
		return nil
	}
	if p.acceptKeyword("USING") {
		columns, err := p.names("a column name")
		if err != nil {
			return err
		}
		join.Using = columns
		return nil
	}
	return p.unexpected("expected ON or USING")
}

// tablePrimary reads a table name, a subquery, or a parenthesized join,
// each with an optional alias (not on a parenthesized join).
func (p *parser) tablePrimary() (TableExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isOperator("(") {
		if p.queryStartsAt(1) {
			return p.derivedTable()
		}
		p.advance()
		return closing(p, p.joinedTable)
	}
	name, err := p.name("a table name")
	if err != nil {
		return nil, err
	}
	alias, err := p.optionalAlias()
	if err != nil {
		return nil, err
	}
	return &TableName{Name: name, Alias: alias}, nil
}

func (p *parser) derivedTable() (TableExpr, error) {
	query, err := p.parenthesizedQuery()
	if err != nil {
		return nil, err
	}
	alias, err := p.optionalAlias()
	if err != nil {
		return nil, err
	}
	return &DerivedTable{Query: query, Alias: alias}, nil
}
