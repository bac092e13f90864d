package sql

import (
	"errors"
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// ddl runs the statements that change the catalog: CREATE and DROP of
// tables and indexes, ALTER TABLE. Each takes exclusive schema locks on
// the names it changes before reading them.
type ddl struct{ s *session }

// Limits on schemas.
const (
	columnsMax = 1000
	indexesMax = 64
)

// lockTable takes the exclusive schema lock of a table name: DDL waits
// for every transaction that uses the table, and they wait for it.
func (d ddl) lockTableExclusive(name string) error { return d.s.locks().schema("t:"+name, true) }

// lockNewName takes the exclusive schema lock of the name a table or
// view is to get (CREATE, RENAME TO); it fails with ErrExists if a table
// or view has it already.
func (d ddl) lockNewName(name string) error {
	if err := d.lockTableExclusive(name); err != nil {
		return err
	}
	taken, err := d.s.catalog().nameTaken(name)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("%w: table or view %s", ErrExists, name)
	}
	return nil
}

// existenceClause answers a statement whose object exists (CREATE) or
// does not (DROP): with IF NOT EXISTS or IF EXISTS (given) it does
// nothing, without it fails with err.
func existenceClause(given bool, err error) (*Result, error) {
	if given {
		return &Result{}, nil
	}
	return nil, err
}

func (d ddl) createTable(stmt *parser.CreateTable) (*Result, error) {
	if err := d.lockNewName(stmt.Name); err != nil {
		return existenceClause(stmt.IfNotExists && errors.Is(err, ErrExists), err)
	}
	if len(stmt.Columns) > columnsMax {
		return nil, fmt.Errorf("%w: at most %d columns", ErrLimit, columnsMax)
	}
	t := &tableSchema{ID: d.s.newID(), Name: stmt.Name}
	var uniques [][]string
	for _, definition := range stmt.Columns {
		c, err := d.newColumn(t, definition)
		if err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, c)
		if definition.PrimaryKey {
			if len(t.PrimaryKey) > 0 {
				return nil, fmt.Errorf("%w: table %s has two primary keys", ErrInvalid, t.Name)
			}
			t.PrimaryKey = []int{c.ID}
		}
		if definition.Unique {
			uniques = append(uniques, []string{c.Name})
		}
	}
	for _, constraint := range stmt.Constraints {
		ids, err := columnIDs(t, constraint.Columns)
		if err != nil {
			return nil, err
		}
		if constraint.Kind == parser.ConstraintUnique {
			uniques = append(uniques, constraint.Columns)
			continue
		}
		if len(t.PrimaryKey) > 0 {
			return nil, fmt.Errorf("%w: table %s has two primary keys", ErrInvalid, t.Name)
		}
		t.PrimaryKey = ids
	}
	for _, id := range t.PrimaryKey {
		position, _ := t.columnByID(id)
		t.Columns[position].NotNull = true
	}
	for _, columns := range uniques {
		if err := d.s.locks().schema("i:"+fmt.Sprintf("%s_%s_key", t.Name, columns[0]), true); err != nil {
			return nil, err
		}
	}
	for _, columns := range uniques {
		name := fmt.Sprintf("%s_%s_key", t.Name, columns[0])
		if err := d.addIndex(t, name, true, columns); err != nil {
			return nil, err
		}
	}
	d.s.catalog().writeSchema(t)
	return &Result{}, nil
}

// newColumn checks a column definition and gives it the next id.
func (d ddl) newColumn(t *tableSchema, definition parser.ColumnDefinition) (column, error) {
	if _, exists := t.columnByName(definition.Name); exists {
		return column{}, fmt.Errorf("%w: column %s.%s", ErrExists, t.Name, definition.Name)
	}
	typ, err := resolveType(definition.Type)
	if err != nil {
		return column{}, fmt.Errorf("column %s: %w", definition.Name, err)
	}
	t.NextColumnID++
	c := column{ID: t.NextColumnID, Name: definition.Name, Type: typ, NotNull: definition.Nullability == parser.NullabilityNotNull}
	if definition.Default != nil {
		c.Default = definition.Default.String()
		if _, err := d.s.defaultValue(c); err != nil {
			return column{}, err
		}
	}
	return c, nil
}

func columnIDs(t *tableSchema, names []string) ([]int, error) {
	ids := make([]int, len(names))
	for i, name := range names {
		position, ok := t.columnByName(name)
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, name)
		}
		if slices.Contains(ids[:i], t.Columns[position].ID) {
			return nil, fmt.Errorf("%w: column %s named twice", ErrInvalid, name)
		}
		ids[i] = t.Columns[position].ID
	}
	return ids, nil
}

// addIndex registers an index under its name and fills it from the rows
// of t, refusing duplicates when unique. The caller writes the schema.
func (d ddl) addIndex(t *tableSchema, name string, unique bool, columns []string) error {
	if len(t.Indexes) >= indexesMax {
		return fmt.Errorf("%w: at most %d indexes on a table", ErrLimit, indexesMax)
	}
	if err := d.s.locks().schema("i:"+name, true); err != nil {
		return err
	}
	_, exists, err := d.s.get(indexNameKey(name))
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("%w: index %s", ErrExists, name)
	}
	ids, err := columnIDs(t, columns)
	if err != nil {
		return err
	}
	index := indexSchema{ID: d.s.newID(), Name: name, Unique: unique, Columns: ids}
	positions := t.positions(ids)
	seen := map[string]bool{}
	var entries [][2][]byte
	decoder := newRowDecoder(t)
	err = d.s.scan(rowPrefix(t.ID), prefixEnd(rowPrefix(t.ID)), func(key, raw []byte) (bool, error) {
		row, err := decoder.decode(raw)
		if err != nil {
			return false, err
		}
		values := string(appendKeyValues(nil, row, positions))
		if unique && !hasNull(row, positions) && seen[values] {
			return false, fmt.Errorf("%w: duplicate value in unique index %s", ErrConstraint, name)
		}
		seen[values] = true
		entries = append(entries, [2][]byte{indexEntryKey(t, &index, key, row), append([]byte(nil), key[rowPrefixLen(t.ID):]...)})
		return true, d.s.produced(1)
	})
	if err != nil {
		return err
	}
	for _, entry := range entries {
		d.s.put(entry[0], entry[1])
	}
	d.s.put(indexNameKey(name), []byte(t.Name))
	t.Indexes = append(t.Indexes, index)
	return nil
}

func (d ddl) dropTable(stmt *parser.DropTable) (*Result, error) {
	if err := d.lockTableExclusive(stmt.Name); err != nil {
		return nil, err
	}
	t, exists, err := d.s.catalog().readSchema(stmt.Name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return existenceClause(stmt.IfExists, fmt.Errorf("%w: %s", ErrUnknownTable, stmt.Name))
	}
	for _, index := range t.Indexes {
		if err := d.s.locks().schema("i:"+index.Name, true); err != nil {
			return nil, err
		}
	}
	for _, index := range t.Indexes {
		if err := d.removeSpan(entryPrefix(index.ID)); err != nil {
			return nil, err
		}
		d.s.remove(indexNameKey(index.Name))
	}
	if err := d.removeSpan(rowPrefix(t.ID)); err != nil {
		return nil, err
	}
	d.s.engine.forgetRows(t.ID)
	d.s.remove(catalogKey(t.Name))
	return &Result{}, nil
}

// removeSpan deletes every key that starts with prefix.
func (d ddl) removeSpan(prefix []byte) error {
	var keys [][]byte
	err := d.s.scan(prefix, prefixEnd(prefix), func(key, _ []byte) (bool, error) {
		keys = append(keys, append([]byte(nil), key...))
		return true, nil
	})
	for _, key := range keys {
		d.s.remove(key)
	}
	return err
}

func (d ddl) createIndex(stmt *parser.CreateIndex) (*Result, error) {
	if err := d.lockTableExclusive(stmt.Table); err != nil {
		return nil, err
	}
	if err := d.s.locks().schema("i:"+stmt.Name, true); err != nil {
		return nil, err
	}
	t, err := d.s.catalog().tableToChange(stmt.Table)
	if err != nil {
		return nil, err
	}
	_, exists, err := d.s.get(indexNameKey(stmt.Name))
	if err != nil {
		return nil, err
	}
	if exists && stmt.IfNotExists {
		return &Result{}, nil
	}
	if err := d.addIndex(t, stmt.Name, stmt.Unique, stmt.Columns); err != nil {
		return nil, err
	}
	d.s.catalog().writeSchema(t)
	return &Result{}, nil
}

func (d ddl) dropIndex(stmt *parser.DropIndex) (*Result, error) {
	if err := d.s.locks().schema("i:"+stmt.Name, true); err != nil {
		return nil, err
	}
	tableName, exists, err := d.s.get(indexNameKey(stmt.Name))
	if err != nil {
		return nil, err
	}
	if !exists {
		return existenceClause(stmt.IfExists, fmt.Errorf("%w: %s", ErrUnknownIndex, stmt.Name))
	}
	if err := d.lockTableExclusive(string(tableName)); err != nil {
		return nil, err
	}
	t, err := d.s.catalog().tableToChange(string(tableName))
	if err != nil {
		return nil, err
	}
	position, ok := t.indexByName(stmt.Name)
	if !ok {
		return nil, fmt.Errorf("sql: catalog names index %s on %s, which lacks it", stmt.Name, t.Name)
	}
	if err := d.removeSpan(entryPrefix(t.Indexes[position].ID)); err != nil {
		return nil, err
	}
	t.Indexes = slices.Delete(t.Indexes, position, position+1)
	d.s.remove(indexNameKey(stmt.Name))
	d.s.catalog().writeSchema(t)
	return &Result{}, nil
}

func (d ddl) alterTable(stmt *parser.AlterTable) (*Result, error) {
	if err := d.lockTableExclusive(stmt.Table); err != nil {
		return nil, err
	}
	t, err := d.s.catalog().tableToChange(stmt.Table)
	if err != nil {
		return nil, err
	}
	switch action := stmt.Action.(type) {
	case *parser.AddColumn:
		err = d.addColumn(t, action.Column)
	case *parser.DropColumn:
		err = dropColumn(t, action.Name)
	case *parser.RenameColumn:
		err = renameColumn(t, action.OldName, action.NewName)
	case *parser.RenameTable:
		err = d.renameTable(t, action.NewName)
	default:
		err = fmt.Errorf("%w: unsupported ALTER TABLE action %s", ErrInvalid, stmt.Action)
	}
	if err != nil {
		return nil, err
	}
	d.s.catalog().writeSchema(t)
	return &Result{}, nil
}

func (d ddl) addColumn(t *tableSchema, definition parser.ColumnDefinition) error {
	if definition.PrimaryKey {
		return fmt.Errorf("%w: ADD COLUMN cannot add a primary key", ErrInvalid)
	}
	if len(t.Columns) >= columnsMax {
		return fmt.Errorf("%w: at most %d columns", ErrLimit, columnsMax)
	}
	c, err := d.newColumn(t, definition)
	if err != nil {
		return err
	}
	if c.Default != "" {
		if c.Filler, err = d.s.defaultValue(c); err != nil {
			return err
		}
	}
	if c.NotNull && c.Filler.IsNull() {
		_, found, err := d.firstRow(t)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("%w: NOT NULL column %s added without a default to a table with rows", ErrConstraint, c.Name)
		}
	}
	t.Columns = append(t.Columns, c)
	if definition.Unique {
		return d.addIndex(t, fmt.Sprintf("%s_%s_key", t.Name, c.Name), true, []string{c.Name})
	}
	return nil
}

func (d ddl) firstRow(t *tableSchema) ([]byte, bool, error) {
	var first []byte
	err := d.s.scan(rowPrefix(t.ID), prefixEnd(rowPrefix(t.ID)), func(key, _ []byte) (bool, error) {
		first = append([]byte(nil), key...)
		return false, nil
	})
	return first, first != nil, err
}

func dropColumn(t *tableSchema, name string) error {
	position, ok := t.columnByName(name)
	if !ok {
		return fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, name)
	}
	id := t.Columns[position].ID
	if isKeyColumn(t, id) {
		return fmt.Errorf("%w: column %s is part of the primary key", ErrInvalid, name)
	}
	for _, index := range t.Indexes {
		if slices.Contains(index.Columns, id) {
			return fmt.Errorf("%w: column %s is indexed by %s; drop the index first", ErrInvalid, name, index.Name)
		}
	}
	if len(t.Columns) == 1 {
		return fmt.Errorf("%w: cannot drop the only column of %s", ErrInvalid, t.Name)
	}
	t.Columns = slices.Delete(t.Columns, position, position+1)
	return nil
}

func renameColumn(t *tableSchema, oldName, newName string) error {
	position, ok := t.columnByName(oldName)
	if !ok {
		return fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, oldName)
	}
	if _, exists := t.columnByName(newName); exists {
		return fmt.Errorf("%w: column %s.%s", ErrExists, t.Name, newName)
	}
	t.Columns[position].Name = newName
	return nil
}

func (d ddl) renameTable(t *tableSchema, newName string) error {
	if err := d.lockNewName(newName); err != nil {
		return err
	}
	for _, index := range t.Indexes {
		if err := d.s.locks().schema("i:"+index.Name, true); err != nil {
			return err
		}
	}
	for _, index := range t.Indexes {
		d.s.put(indexNameKey(index.Name), []byte(newName))
	}
	d.s.remove(catalogKey(t.Name))
	d.s.catalog().forget(t.Name)
	t.Name = newName
	return nil
}
