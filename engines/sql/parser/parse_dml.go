package parser

import "fmt"

func (p *parser) insert() (Statement, error) {
	var err error
	result := &Insert{}
	if result.Table, err = p.statementTable("INTO"); err != nil {
		return nil, err
	}
	if p.isOperator("(") {
		if result.Columns, err = p.names("a column name"); err != nil {
			return nil, err
		}
	}
	switch {
	case p.acceptKeyword("VALUES"):
		if result.Rows, err = p.valuesRows(); err != nil {
			return nil, err
		}
	case p.queryStartsAt(0):
		if result.Query, err = p.query(); err != nil {
			return nil, err
		}
	case result.Columns == nil && p.acceptKeyword("DEFAULT"):
		if err := p.expectKeyword("VALUES"); err != nil {
			return nil, err
		}
		result.DefaultValues = true
	default:
		if result.Columns == nil {
			return nil, p.unexpected("expected VALUES, SELECT or DEFAULT VALUES")
		}
		return nil, p.unexpected("expected VALUES or SELECT")
	}
	if result.Returning, err = p.optionalReturning(); err != nil {
		return nil, err
	}
	return result, nil
}

// valuesRows reads (value, ...) {, (value, ...)}; a value may be DEFAULT
// and all rows have the same length.
func (p *parser) valuesRows() ([][]Expr, error) {
	var rows [][]Expr
	for {
		start := p.peek()
		row, err := p.valuesRow()
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			return nil, p.errorAt(start, fmt.Sprintf("expected a row of %d values like the first row, not %d", len(rows[0]), len(row)))
		}
		rows = append(rows, row)
		if !p.acceptOperator(",") {
			return rows, nil
		}
	}
}

func (p *parser) valuesRow() ([]Expr, error) {
	return enclosed(p, func() ([]Expr, error) { return commaList(p, p.valueOrDefault) })
}

// valueOrDefault reads an expression or DEFAULT.
func (p *parser) valueOrDefault() (Expr, error) {
	if p.acceptKeyword("DEFAULT") {
		return &DefaultValue{}, nil
	}
	return p.expression(precedenceOr)
}

// whereReturning reads the optional WHERE and RETURNING clauses of UPDATE
// and DELETE.
func (p *parser) whereReturning() (Expr, []SelectItem, error) {
	where, err := p.optionalWhere()
	if err != nil {
		return nil, nil, err
	}
	returning, err := p.optionalReturning()
	if err != nil {
		return nil, nil, err
	}
	return where, returning, nil
}

func (p *parser) optionalReturning() ([]SelectItem, error) {
	if !p.acceptKeyword("RETURNING") {
		return nil, nil
	}
	return p.selectItems()
}

func (p *parser) update() (Statement, error) {
	p.advance() // UPDATE
	var err error
	result := &Update{}
	if result.Table, err = p.name("a table name"); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("SET"); err != nil {
		return nil, err
	}
	if result.Assignments, err = commaList(p, p.assignment); err != nil {
		return nil, err
	}
	if result.Where, result.Returning, err = p.whereReturning(); err != nil {
		return nil, err
	}
	return result, nil
}

// assignment reads column = expression.
func (p *parser) assignment() (Assignment, error) {
	column, err := p.name("a column name")
	if err != nil {
		return Assignment{}, err
	}
	if err := p.expectOperator("="); err != nil {
		return Assignment{}, err
	}
	value, err := p.expression(precedenceOr)
	if err != nil {
		return Assignment{}, err
	}
	return Assignment{Column: column, Value: value}, nil
}

func (p *parser) delete() (Statement, error) {
	var err error
	result := &Delete{}
	if result.Table, err = p.statementTable("FROM"); err != nil {
		return nil, err
	}
	if result.Where, result.Returning, err = p.whereReturning(); err != nil {
		return nil, err
	}
	return result, nil
}
