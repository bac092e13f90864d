package sql

import (
	"fmt"
	"slices"
)

// catalog is the catalog as one statement sees it: table schemas read
// under shared schema locks and remembered for the rest of the statement
// (in session.schemas), and the writes of DDL.
type catalog struct{ s *session }

// namedSchema is a table schema a statement read, under its name.
type namedSchema struct {
	name   string
	schema *tableSchema
}

// table reads a table's schema under a shared schema lock. A schema the
// transaction read in an earlier statement is still the catalog's: the
// shared lock it took keeps every other transaction's DDL out, and its
// own DDL forgets what it remembered.
func (c catalog) table(name string) (*tableSchema, error) {
	t, found, err := c.lockedTable(name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrUnknownTable, name)
	}
	return t, nil
}

// lockedTable takes the shared schema lock of name and reads the table
// of that name, if there is one: from what the statement or the
// transaction read before, else from the catalog.
func (c catalog) lockedTable(name string) (*tableSchema, bool, error) {
	for _, known := range c.s.schemas {
		if known.name == name {
			return known.schema, true, nil
		}
	}
	if err := c.s.locks().schema("t:"+name, false); err != nil {
		return nil, false, err
	}
	if c.s.record != nil {
		for _, known := range c.s.record.tables {
			if known.name == name {
				c.s.rememberSchema(known)
				return known.schema, true, nil
			}
		}
	}
	t, found, err := c.readSchema(name)
	if err != nil || !found {
		return nil, false, err
	}
	c.s.rememberSchema(namedSchema{name: name, schema: t})
	if c.s.record != nil && len(c.s.record.tables) < transactionTablesMax {
		c.s.record.tables = append(c.s.record.tables, namedSchema{name: name, schema: t})
	}
	return t, true, nil
}

// rememberSchema keeps a schema for the rest of the statement.
func (s *session) rememberSchema(known namedSchema) {
	if s.schemas == nil {
		s.schemas = s.schemasBuffer[:0]
	}
	s.schemas = append(s.schemas, known)
}

// transactionTablesMax bounds the schemas a transaction remembers.
const transactionTablesMax = 16

// forgetTransactionTables drops what the transaction remembers of the
// catalog: DDL calls it before and after it runs.
func (c catalog) forgetTransactionTables() {
	if c.s.record != nil {
		c.s.record.tables = nil
	}
}

// tableToChange reads a table's schema as table does and returns a copy
// that DDL may change before writeSchema.
func (c catalog) tableToChange(name string) (*tableSchema, error) {
	t, err := c.table(name)
	if err != nil {
		return nil, err
	}
	return t.clone(), nil
}

// readSchema reads a catalog entry without locking; the caller holds the
// schema lock it needs.
func (c catalog) readSchema(name string) (*tableSchema, bool, error) {
	return readEntry(c, catalogKey(name), c.s.engine.decodeCachedSchema, name)
}

// readEntry reads and decodes the catalog entry at key without locking;
// what names it in an error.
func readEntry[T any](c catalog, key []byte, decode func([]byte) (T, error), what string) (T, bool, error) {
	var zero T
	raw, found, err := c.s.get(key)
	if err != nil || !found {
		return zero, false, err
	}
	entry, err := decode(raw)
	if err != nil {
		return zero, false, fmt.Errorf("sql: catalog entry of %s does not decode: %w", what, err)
	}
	return entry, true, nil
}

func (c catalog) writeSchema(t *tableSchema) {
	c.s.put(catalogKey(t.Name), t.encode())
	c.forget(t.Name)
}

// forget drops what the statement read of a table, after DDL changed it.
func (c catalog) forget(name string) {
	c.s.schemas = slices.DeleteFunc(c.s.schemas, func(known namedSchema) bool { return known.name == name })
}
