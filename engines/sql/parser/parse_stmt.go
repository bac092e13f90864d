package parser

import "fmt"

// statement parses one statement, without the trailing semicolon.
func (p *parser) statement() (Statement, error) {
	current := p.peek()
	if current.kind == tokenKeyword {
		switch current.value {
		case "SELECT":
			return p.query()
		case "CREATE":
			return p.create()
		case "DROP":
			return p.drop()
		case "ALTER":
			return p.alterTable()
		case "INSERT":
			return p.insert()
		case "UPDATE":
			return p.update()
		case "DELETE":
			return p.delete()
		case "EXPLAIN":
			return p.explain()
		}
	}
	if p.queryStartsAt(0) {
		return p.query()
	}
	return nil, p.unexpected("expected a statement")
}

func (p *parser) explain() (Statement, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.advance() // EXPLAIN
	statement, err := p.statement()
	if err != nil {
		return nil, err
	}
	return &Explain{Statement: statement}, nil
}

// ifNotExists reads an optional IF NOT EXISTS.
func (p *parser) ifNotExists() (bool, error) {
	following := p.peekAt(1)
	if !isWord(p.peek(), "if") || following.kind != tokenKeyword || following.value != "NOT" {
		return false, nil
	}
	p.advance()
	p.advance()
	return true, p.expectKeyword("EXISTS")
}

// ifExists reads an optional IF EXISTS.
func (p *parser) ifExists() bool {
	following := p.peekAt(1)
	if !isWord(p.peek(), "if") || following.kind != tokenKeyword || following.value != "EXISTS" {
		return false
	}
	p.advance()
	p.advance()
	return true
}

func (p *parser) create() (Statement, error) {
	p.advance() // CREATE
	if p.acceptKeyword("TABLE") {
		return p.createTable()
	}
	if p.acceptWord("view") {
		return p.createView()
	}
	unique := p.acceptKeyword("UNIQUE")
	if !p.acceptWord("index") {
		if unique {
			return nil, p.unexpected("expected INDEX")
		}
		return nil, p.unexpected("expected TABLE, VIEW, INDEX or UNIQUE INDEX")
	}
	return p.createIndex(unique)
}

func (p *parser) createTable() (Statement, error) {
	var err error
	result := &CreateTable{}
	if result.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if result.Name, err = p.name("a table name"); err != nil {
		return nil, err
	}
	if err := p.expectOperator("("); err != nil {
		return nil, err
	}
	if err := p.commaSeparated(func() error { return p.tableElement(result) }); err != nil {
		return nil, err
	}
	if len(result.Columns) == 0 {
		return nil, p.unexpected("expected a column definition: a table needs at least one column")
	}
	if err := p.expectOperator(")"); err != nil {
		return nil, err
	}
	return result, nil
}

// tableElement reads a column definition or a table constraint into table.
func (p *parser) tableElement(table *CreateTable) error {
	var kind ConstraintKind
	switch {
	case p.acceptKeyword("PRIMARY"):
		if err := p.expectWord("key"); err != nil {
			return err
		}
		kind = ConstraintPrimaryKey
	case p.acceptKeyword("UNIQUE"):
		kind = ConstraintUnique
	default:
		column, err := p.columnDefinition()
		if err != nil {
			return err
		}
		table.Columns = append(table.Columns, column)
		return nil
	}
	columns, err := p.names("a column name")
	if err != nil {
		return err
	}
	table.Constraints = append(table.Constraints, TableConstraint{Kind: kind, Columns: columns})
	return nil
}

// columnDefinition reads name type {constraint}. Each constraint may be
// given once; NULL and NOT NULL exclude each other.
func (p *parser) columnDefinition() (ColumnDefinition, error) {
	var column ColumnDefinition
	var err error
	if column.Name, err = p.name("a column definition"); err != nil {
		return column, err
	}
	if column.Type, err = p.typeName(); err != nil {
		return column, err
	}
	for {
		current := p.peek()
		duplicate := fmt.Sprintf("column %s already has this kind of constraint", quoteIdentifier(column.Name))
		switch {
		case p.isKeyword("NOT") || p.isKeyword("NULL"):
			if column.Nullability != NullabilityUnspecified {
				return column, p.errorAt(current, duplicate)
			}
			column.Nullability = NullabilityNull
			if p.acceptKeyword("NOT") {
				column.Nullability = NullabilityNotNull
			}
			if err := p.expectKeyword("NULL"); err != nil {
				return column, err
			}
		case p.acceptKeyword("DEFAULT"):
			if column.Default != nil {
				return column, p.errorAt(current, duplicate)
			}
			if column.Default, err = p.expression(precedenceOr); err != nil {
				return column, err
			}
		case p.acceptKeyword("PRIMARY"):
			if column.PrimaryKey {
				return column, p.errorAt(current, duplicate)
			}
			if err := p.expectWord("key"); err != nil {
				return column, err
			}
			column.PrimaryKey = true
		case p.acceptKeyword("UNIQUE"):
			if column.Unique {
				return column, p.errorAt(current, duplicate)
			}
			column.Unique = true
		default:
			return column, nil
		}
	}
}

func (p *parser) createIndex(unique bool) (Statement, error) {
	var err error
	result := &CreateIndex{Unique: unique}
	if result.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if result.Name, err = p.name("an index name"); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("ON"); err != nil {
		return nil, err
	}
	if result.Table, err = p.name("a table name"); err != nil {
		return nil, err
	}
	if err := p.expectOperator("("); err != nil {
		return nil, err
	}
	err = p.commaSeparated(func() error {
		name, err := p.name("a column name")
		if err != nil {
			return err
		}
		result.Columns = append(result.Columns, name)
		descending := p.acceptKeyword("DESC")
		if !descending {
			p.acceptKeyword("ASC")
		}
		if descending && result.Descending == nil {
			result.Descending = make([]bool, len(result.Columns)-1, len(result.Columns))
		}
		if result.Descending != nil {
			result.Descending = append(result.Descending, descending)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := p.expectOperator(")"); err != nil {
		return nil, err
	}
	return result, nil
}

func (p *parser) createView() (Statement, error) {
	var err error
	result := &CreateView{}
	if result.IfNotExists, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if result.Name, err = p.name("a view name"); err != nil {
		return nil, err
	}
	if p.isOperator("(") {
		if result.Columns, err = p.names("a column name"); err != nil {
			return nil, err
		}
	}
	if err := p.expectKeyword("AS"); err != nil {
		return nil, err
	}
	if !p.queryStartsAt(0) {
		return nil, p.unexpected("expected SELECT")
	}
	if result.Query, err = p.query(); err != nil {
		return nil, err
	}
	return result, nil
}

func (p *parser) drop() (Statement, error) {
	p.advance() // DROP
	var what string
	var statement func(ifExists bool, name string) Statement
	switch {
	case p.acceptKeyword("TABLE"):
		what = "a table name"
		statement = func(ifExists bool, name string) Statement { return &DropTable{IfExists: ifExists, Name: name} }
	case p.acceptWord("index"):
		what = "an index name"
		statement = func(ifExists bool, name string) Statement { return &DropIndex{IfExists: ifExists, Name: name} }
	case p.acceptWord("view"):
		what = "a view name"
		statement = func(ifExists bool, name string) Statement { return &DropView{IfExists: ifExists, Name: name} }
	default:
		return nil, p.unexpected("expected TABLE, VIEW or INDEX")
	}
	ifExists := p.ifExists()
	name, err := p.name(what)
	if err != nil {
		return nil, err
	}
	return statement(ifExists, name), nil
}

func (p *parser) alterTable() (Statement, error) {
	table, err := p.statementTable("TABLE")
	if err != nil {
		return nil, err
	}
	var action AlterAction
	switch {
	case p.acceptWord("add"):
		action, err = p.addColumn()
	case p.acceptKeyword("DROP"):
		action, err = p.dropColumn()
	case p.acceptWord("rename"):
		action, err = p.rename()
	default:
		return nil, p.unexpected("expected ADD, DROP or RENAME")
	}
	if err != nil {
		return nil, err
	}
	return &AlterTable{Table: table, Action: action}, nil
}

// acceptColumnWord reads the optional word COLUMN when what follows shows
// it is the keyword and not a column named "column": a name, then
// something matching next.
func (p *parser) acceptColumnWord(next func(token) bool) {
	if isWord(p.peek(), "column") && isName(p.peekAt(1)) && next(p.peekAt(2)) {
		p.advance()
	}
}

func (p *parser) addColumn() (AlterAction, error) {
	p.acceptColumnWord(isName)
	column, err := p.columnDefinition()
	if err != nil {
		return nil, err
	}
	return &AddColumn{Column: column}, nil
}

func (p *parser) dropColumn() (AlterAction, error) {
	p.acceptColumnWord(func(token) bool { return true })
	name, err := p.name("a column name")
	if err != nil {
		return nil, err
	}
	return &DropColumn{Name: name}, nil
}

func (p *parser) rename() (AlterAction, error) {
	if p.acceptKeyword("TO") {
		name, err := p.name("a table name")
		if err != nil {
			return nil, err
		}
		return &RenameTable{NewName: name}, nil
	}
	p.acceptColumnWord(func(t token) bool { return t.kind == tokenKeyword && t.value == "TO" })
	oldName, err := p.name("a column name or TO")
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("TO"); err != nil {
		return nil, err
	}
	newName, err := p.name("a column name")
	if err != nil {
		return nil, err
	}
	return &RenameColumn{OldName: oldName, NewName: newName}, nil
}
