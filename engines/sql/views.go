package sql

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/engines/value"
)

// Views and common table expressions are named queries, expanded where
// they are used: the planner plans the query in place of the name, so a
// view reads, validates and locks exactly what its query does. A view is
// stored in the catalog like a table (key 'v' + name: its name, column
// names and query text), so CREATE VIEW and DROP VIEW are versioned and
// transactional; tables and views share one namespace and one schema
// lock ("t:" + name).

// viewDefinition is a view of the catalog.
type viewDefinition struct {
	name    string
	columns []string // nil: the query's own column names
	query   *parser.Query
}

const prefixView = 'v'

func viewKey(name string) []byte {
	return value.AppendKeyTuple([]byte{prefixView}, value.String(name))
}

func encodeView(name string, columns []string, query *parser.Query) []byte {
	names := make([]value.Value, len(columns))
	for i, column := range columns {
		names[i] = value.String(column)
	}
	hasColumns := value.Bool(columns != nil)
	return value.Append(nil, value.List(value.String(name), hasColumns, value.List(names...), value.String(query.String())))
}

// decodeView reads what encodeView wrote; the query text parses through
// the engine's statement cache.
func (e *Engine) decodeView(raw []byte) (*viewDefinition, error) {
	decoded, err := value.Decode(raw)
	if err != nil {
		return nil, err
	}
	d := &valueReader{}
	fields := d.list(decoded, 4)
	view := &viewDefinition{name: d.text(fields, 0)}
	if d.boolean(fields, 1) {
		view.columns = []string{}
		for i, item := range d.items(fields, 2) {
			name, ok := item.AsString()
			if !ok {
				d.fail("view column %d: want a string", i)
			}
			view.columns = append(view.columns, name)
		}
	}
	text := d.text(fields, 3)
	if d.err != nil {
		return nil, d.err
	}
	statement, err := e.parseStatement(text)
	if err != nil {
		return nil, err
	}
	query, ok := statement.(*parser.Query)
	if !ok {
		return nil, fmt.Errorf("view %s holds a %s, not a query", view.name, firstWord(statement))
	}
	view.query = query
	return view, nil
}

// relation reads what a name in FROM means, under a shared schema lock:
// a table or a view.
func (c catalog) relation(name string) (*tableSchema, *viewDefinition, error) {
	t, found, err := c.lockedTable(name)
	if err != nil || found {
		return t, nil, err
	}
	view, found, err := c.readView(name)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, fmt.Errorf("%w: %s", ErrUnknownTable, name)
	}
	return nil, view, nil
}

// readView reads a view without locking; the caller holds the schema
// lock it needs.
func (c catalog) readView(name string) (*viewDefinition, bool, error) {
	return readEntry(c, viewKey(name), c.s.engine.decodeView, "view "+name)
}

// nameTaken reports a table or view called name; the caller holds the
// exclusive schema lock of the name.
func (c catalog) nameTaken(name string) (bool, error) {
	_, table, err := c.s.get(catalogKey(name))
	if err != nil || table {
		return table, err
	}
	_, view, err := c.s.get(viewKey(name))
	return view, err
}

func (d ddl) createView(stmt *parser.CreateView) (*Result, error) {
	if err := d.lockNewName(stmt.Name); err != nil {
		return existenceClause(stmt.IfNotExists && errors.Is(err, ErrExists), err)
	}
	// Planning the query validates it now, as its first use would.
	plan, err := d.s.planner().planQuery(stmt.Query, queryContext{})
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", stmt.Name, err)
	}
	if stmt.Columns != nil && len(stmt.Columns) != len(plan.columns) {
		return nil, fmt.Errorf("%w: view %s names %d columns for a query of %d", ErrInvalid, stmt.Name, len(stmt.Columns), len(plan.columns))
	}
	d.s.put(viewKey(stmt.Name), encodeView(stmt.Name, stmt.Columns, stmt.Query))
	return &Result{}, nil
}

func (d ddl) dropView(stmt *parser.DropView) (*Result, error) {
	if err := d.lockTableExclusive(stmt.Name); err != nil {
		return nil, err
	}
	_, found, err := d.s.catalog().readView(stmt.Name)
	if err != nil {
		return nil, err
	}
	if !found {
		return existenceClause(stmt.IfExists, fmt.Errorf("%w: view %s", ErrUnknownTable, stmt.Name))
	}
	d.s.remove(viewKey(stmt.Name))
	return &Result{}, nil
}

// cteScope is the common table expressions a query may name, innermost
// first; each sees only those defined before it.
type cteScope struct {
	definition parser.CommonTableExpr
	parent     *cteScope
}

func (c *cteScope) find(name string) (*cteScope, bool) {
	for current := c; current != nil; current = current.parent {
		if current.definition.Name == name {
			return current, true
		}
	}
	return nil, false
}

// withCTEs adds a query's WITH clause to its context.
func (p planner) withCTEs(with []parser.CommonTableExpr, ctx queryContext) (queryContext, error) {
	for i, cte := range with {
		for _, earlier := range with[:i] {
			if earlier.Name == cte.Name {
				return ctx, fmt.Errorf("%w: WITH names %s twice", ErrInvalid, cte.Name)
			}
		}
		ctx.ctes = &cteScope{definition: cte, parent: ctx.ctes}
	}
	return ctx, nil
}
