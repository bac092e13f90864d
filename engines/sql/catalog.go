package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/assert"
)

// tableSchema is one table of the catalog, stored in mvcc under
// catalogKey(name), so DDL is versioned and transactional like data.
type tableSchema struct {
	ID      string // stable across renames: 24 bytes from the creating txn and statement
	Name    string
	Columns []column
	// PrimaryKey lists column ids; empty means a hidden row id keys rows.
	PrimaryKey   []int
	Indexes      []indexSchema
	NextColumnID int
	// layout, when set, is newRowLayout of this schema, computed once for
	// a cached (never mutated) schema; nil elsewhere.
	layout *rowLayout
	// keyPositions, when set, is positions(PrimaryKey), likewise computed
	// once for a cached schema.
	keyPositions []int
	// names, when set, is the columns' names, and scope the columns as
	// tableScope names them, likewise.
	names        []string
	scope        []scopeColumn
	positionsAll []int
}

// everyPosition returns 0 .. len(Columns)-1. The result is shared:
// callers must not change it.
func (t *tableSchema) everyPosition() []int {
	if t.positionsAll != nil {
		return t.positionsAll
	}
	all := make([]int, len(t.Columns))
	for i := range all {
		all[i] = i
	}
	return all
}

// columnNames returns the columns' names. The result is shared:
// callers must not change it.
func (t *tableSchema) columnNames() []string {
	if t.names != nil {
		return t.names
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// primaryKeyPositions returns the positions of the primary key columns.
// The result is shared: callers must not change it.
func (t *tableSchema) primaryKeyPositions() []int {
	if t.keyPositions != nil {
		return t.keyPositions
	}
	return t.positions(t.PrimaryKey)
}

// clone returns a deep copy without the derived layout and key
// positions, for DDL to change: decoded schemas may be shared through the
// Engine's cache.
func (t *tableSchema) clone() *tableSchema {
	out := *t
	out.layout, out.keyPositions, out.names, out.scope, out.positionsAll = nil, nil, nil, nil, nil
	out.Columns = slices.Clone(t.Columns)
	out.PrimaryKey = slices.Clone(t.PrimaryKey)
	out.Indexes = slices.Clone(t.Indexes)
	for i := range out.Indexes {
		out.Indexes[i].Columns = slices.Clone(t.Indexes[i].Columns)
	}
	return &out
}

// column is one column. Rows store values by column id, so renames and
// drops never rewrite rows.
type column struct {
	ID      int
	Name    string
	Type    columnType
	NotNull bool
	Default string // the DEFAULT expression as SQL text; "" when none
	// Filler is the value of rows written before ADD COLUMN added it.
	Filler Value
}

type indexSchema struct {
	ID      string
	Name    string
	Unique  bool
	Columns []int // column ids
}

const (
	prefixCatalog = 'c'
	prefixIndex   = 'n'
	prefixRow     = 'r'
	prefixEntry   = 'x'
)

func catalogKey(table string) []byte {
	return value.AppendKeyTuple([]byte{prefixCatalog}, value.String(table))
}

func indexNameKey(index string) []byte {
	return value.AppendKeyTuple([]byte{prefixIndex}, value.String(index))
}

// rowPrefix is the prefix of every row key of a table.
func rowPrefix(tableID string) []byte {
	return append([]byte{prefixRow}, tableID...)
}

func entryPrefix(indexID string) []byte {
	return append([]byte{prefixEntry}, indexID...)
}

// prefixEnd is the smallest key above every key starting with prefix
// followed by key-encoded values (whose tags are all below 0xFF).
func prefixEnd(prefix []byte) []byte {
	return append(append([]byte(nil), prefix...), 0xFF)
}

func (t *tableSchema) columnByName(name string) (int, bool) {
	for position, c := range t.Columns {
		if c.Name == name {
			return position, true
		}
	}
	return 0, false
}

func (t *tableSchema) columnByID(id int) (int, bool) {
	for position, c := range t.Columns {
		if c.ID == id {
			return position, true
		}
	}
	return 0, false
}

// positions maps column ids to positions in Columns. Requires: every id
// names a column (DDL keeps keys and indexes on live columns).
func (t *tableSchema) positions(ids []int) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		position, ok := t.columnByID(id)
		if !ok {
			assert.Broken("sql: table %s has no column id %d", t.Name, id)
		}
		out[i] = position
	}
	return out
}

func (t *tableSchema) indexByName(name string) (int, bool) {
	for i, index := range t.Indexes {
		if index.Name == name {
			return i, true
		}
	}
	return 0, false
}

// encode turns the schema into an value.Value for the store.
func (t *tableSchema) encode() []byte {
	columns := make([]value.Value, len(t.Columns))
	for i, c := range t.Columns {
		columns[i] = value.List(value.Int(int64(c.ID)), value.String(c.Name), value.Int(int64(c.Type.Type)),
			value.Int(int64(c.Type.Precision)), value.Int(int64(c.Type.Scale)), value.Int(int64(c.Type.Length)),
			value.Bool(c.NotNull), value.String(c.Default), encodeTypedValue(c.Filler))
	}
	indexes := make([]value.Value, len(t.Indexes))
	for i, index := range t.Indexes {
		indexes[i] = value.List(value.Bytes([]byte(index.ID)), value.String(index.Name), value.Bool(index.Unique), intList(index.Columns))
	}
	return value.Append(nil, value.List(value.Bytes([]byte(t.ID)), value.String(t.Name),
		value.List(columns...), intList(t.PrimaryKey), value.List(indexes...), value.Int(int64(t.NextColumnID))))
}

func intList(ints []int) value.Value {
	items := make([]value.Value, len(ints))
	for i, v := range ints {
		items[i] = value.Int(int64(v))
	}
	return value.List(items...)
}

// decodeSchema reads what encode wrote; any other bytes are an error.
func decodeSchema(raw []byte) (*tableSchema, error) {
	value, err := value.Decode(raw)
	if err != nil {
		return nil, err
	}
	d := &valueReader{}
	fields := d.list(value, 6)
	t := &tableSchema{ID: d.bytes(fields, 0), Name: d.text(fields, 1), NextColumnID: d.integer(fields, 5)}
	for _, item := range d.items(fields, 2) {
		f := d.list(item, 9)
		t.Columns = append(t.Columns, column{ID: d.integer(f, 0), Name: d.text(f, 1),
			Type:    columnType{Type: Type(d.integer(f, 2)), Precision: d.integer(f, 3), Scale: d.integer(f, 4), Length: d.integer(f, 5)},
			NotNull: d.boolean(f, 6), Default: d.text(f, 7), Filler: d.typed(f, 8)})
	}
	t.PrimaryKey = d.ints(fields, 3)
	for _, item := range d.items(fields, 4) {
		f := d.list(item, 4)
		t.Indexes = append(t.Indexes, indexSchema{ID: d.bytes(f, 0), Name: d.text(f, 1), Unique: d.boolean(f, 2), Columns: d.ints(f, 3)})
	}
	if d.err != nil {
		return nil, d.err
	}
	return t, nil
}

// valueReader reads fields of value.Values, remembering the first error.
type valueReader struct{ err error }

func (d *valueReader) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCorruptCheckpoint}, args...)...)
	}
}

func (d *valueReader) list(v value.Value, length int) []value.Value {
	if v.Kind() != value.KindList || v.Len() != length {
		d.fail("want a list of %d, got %s", length, v.Kind())
		return make([]value.Value, length)
	}
	return elements(v)
}

func (d *valueReader) items(fields []value.Value, i int) []value.Value {
	v := fields[i]
	if v.Kind() != value.KindList {
		d.fail("field %d: want a list", i)
		return nil
	}
	return elements(v)
}

// elements returns the elements of the list v.
func elements(v value.Value) []value.Value {
	out := make([]value.Value, v.Len())
	for i := range out {
		out[i] = v.Index(i)
	}
	return out
}

// field reads fields[i] with as; want names the kind it must be.
func field[T any](d *valueReader, fields []value.Value, i int, as func(value.Value) (T, bool), want string) T {
	v, ok := as(fields[i])
	if !ok {
		d.fail("field %d: want %s", i, want)
	}
	return v
}

func (d *valueReader) integer(fields []value.Value, i int) int { return int(d.int64(fields, i)) }

func (d *valueReader) int64(fields []value.Value, i int) int64 {
	return field(d, fields, i, value.Value.AsInt, "an int")
}

func (d *valueReader) text(fields []value.Value, i int) string {
	return field(d, fields, i, value.Value.AsString, "a string")
}

func (d *valueReader) bytes(fields []value.Value, i int) string {
	return string(field(d, fields, i, value.Value.AsBytes, "bytes"))
}

func (d *valueReader) boolean(fields []value.Value, i int) bool {
	return field(d, fields, i, value.Value.AsBool, "a bool")
}

func (d *valueReader) ints(fields []value.Value, i int) []int {
	var out []int
	for j, item := range d.items(fields, i) {
		n, ok := item.AsInt()
		if !ok {
			d.fail("field %d item %d: want an int", i, j)
		}
		out = append(out, int(n))
	}
	return out
}

func (d *valueReader) typed(fields []value.Value, i int) Value {
	v, err := decodeTypedValue(fields[i])
	if err != nil {
		d.fail("field %d: %v", i, err)
	}
	return v
}

// encodeTypedValue keeps the type with the value: [type, scale, payload].
func encodeTypedValue(v Value) value.Value {
	return value.List(value.Int(int64(v.typ)), value.Int(int64(v.scale)), encodeStored(v))
}

func decodeTypedValue(encoded value.Value) (Value, error) {
	d := &valueReader{}
	fields := d.list(encoded, 3)
	typ, scale := d.integer(fields, 0), d.integer(fields, 1)
	if d.err != nil {
		return Value{}, d.err
	}
	if typ < 0 || typ > int(TypeUUID) || scale < 0 || scale > value.DecimalScaleMax {
		return Value{}, fmt.Errorf("%w: bad typed value", ErrCorruptCheckpoint)
	}
	return decodeStored(fields[2], columnType{Type: Type(typ), Scale: scale})
}

// encodeStored maps a value to the value.Value stored in rows and keys:
// an order-preserving mapping within one column type.
func encodeStored(v Value) value.Value {
	switch v.typ {
	case TypeNull:
		return value.Null()
	case TypeBool, TypeInt, TypeDecimal, TypeDate, TypeTimestamp:
		return value.Int(v.integer)
	case TypeFloat:
		return value.Float(v.floatValue())
	case TypeText:
		return value.String(v.text)
	}
	return value.Bytes([]byte(v.text))
}

// decodeStored reads a stored value as a column of type t.
func decodeStored(stored value.Value, t columnType) (Value, error) {
	if stored.IsNull() {
		return Value{}, nil
	}
	switch t.Type {
	case TypeBool, TypeInt, TypeDecimal, TypeDate, TypeTimestamp:
		i, ok := stored.AsInt()
		if !ok {
			return Value{}, badStored(stored, t)
		}
		return Value{typ: t.Type, integer: i, scale: uint8(t.Scale)}, nil
	case TypeFloat:
		f, ok := stored.AsFloat()
		if !ok {
			return Value{}, badStored(stored, t)
		}
		return Float(f), nil
	case TypeText:
		s, ok := stored.AsString()
		if !ok {
			return Value{}, badStored(stored, t)
		}
		return Text(s), nil
	case TypeBytes, TypeUUID:
		b, ok := stored.AsBytes()
		if !ok || t.Type == TypeUUID && len(b) != 16 {
			return Value{}, badStored(stored, t)
		}
		return Value{typ: t.Type, text: string(b)}, nil
	}
	return Value{}, badStored(stored, t)
}

// badStored reports a stored value that does not fit its column type.
// It is built only on failure: decodeStored runs for every cell read.
func badStored(stored value.Value, t columnType) error {
	return fmt.Errorf("%w: stored %s is not a %s", ErrCorruptCheckpoint, stored.Kind(), t)
}

// appendKeyValues appends the key tuple of row's values at positions:
// value.AppendKeyTuple of their stored forms, without a slice of them.
func appendKeyValues(dst []byte, row []Value, positions []int) []byte {
	for _, position := range positions {
		dst = value.AppendKey(dst, encodeStored(row[position]))
	}
	return dst
}

// rowPrefixLen is len(rowPrefix(tableID)), without building it.
func rowPrefixLen(tableID string) int { return 1 + len(tableID) }

// rowKeyBuffer returns rowPrefix(tableID) with room for a key and then
// more bytes after it.
func rowKeyBuffer(tableID string, more int) []byte {
	return append(append(make([]byte, 0, rowPrefixLen(tableID)+24+more), prefixRow), tableID...)
}
