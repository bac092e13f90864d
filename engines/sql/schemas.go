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

// table reads a table's schema under a shared schema lock.
func (c catalog) table(name string) (*tableSchema, error) {
	for _, known := range c.s.schemas {
		if known.name == name {
			return known.schema, nil
		}
	}
	if err := c.s.locks().schema("t:"+name, false); err != nil {
		return nil, err
	}
	t, found, err := c.readSchema(name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrUnknownTable, name)
	}
	c.s.schemas = append(c.s.schemas, namedSchema{name: name, schema: t})
	return t, nil
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
	raw, found, err := c.s.get(catalogKey(name))
	if err != nil || !found {
		return nil, false, err
	}
	t, err := c.s.engine.decodeCachedSchema(raw)
	if err != nil {
		return nil, false, fmt.Errorf("sql: catalog entry of %s does not decode: %w", name, err)
	}
	return t, true, nil
}

func (c catalog) writeSchema(t *tableSchema) {
	c.s.put(catalogKey(t.Name), t.encode())
	c.forget(t.Name)
}

// forget drops what the statement read of a table, after DDL changed it.
func (c catalog) forget(name string) {
	c.s.schemas = slices.DeleteFunc(c.s.schemas, func(known namedSchema) bool { return known.name == name })
}
