package sqldriver

import (
	"database/sql/driver"
	"io"
	"reflect"
	"time"

	sqlengine "github.com/proven2pc/proven/engines/sql"
)

// rows is a query's result, complete before the first row is read (the
// engine answers with every row), converted to driver values: nil, bool,
// int64, float64, string (TEXT, DECIMAL, UUID), []byte and time.Time
// (DATE, TIMESTAMP).
type rows struct {
	columns []string
	values  [][]driver.Value
	// types is each column's type as its non-NULL values show it
	// (TypeNull when every value was NULL, or the values differ in type);
	// nulls, whether a NULL was seen.
	types    []sqlengine.Type
	nulls    []bool
	position int
}

var (
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
)

func newRows(result *sqlengine.Rows) (*rows, error) {
	columns := result.Columns()
	r := &rows{columns: columns, types: make([]sqlengine.Type, len(columns)), nulls: make([]bool, len(columns)),
		values: make([][]driver.Value, 0, result.Len())}
	typed := make([]bool, len(columns))
	converted := make([]any, len(columns))
	destinations := make([]any, len(columns))
	for i := range converted {
		destinations[i] = &converted[i]
	}
	for result.Next() {
		for i, v := range result.Values() {
			switch {
			case v.IsNull():
				r.nulls[i] = true
			case !typed[i]:
				r.types[i], typed[i] = v.Type(), true
			case r.types[i] != v.Type():
				r.types[i] = sqlengine.TypeNull // mixed: unknown
			}
		}
		if err := result.Scan(destinations...); err != nil {
			return nil, err
		}
		row := make([]driver.Value, len(columns))
		for i, v := range converted {
			row[i] = v
		}
		r.values = append(r.values, row)
	}
	return r, nil
}

func (r *rows) Columns() []string { return r.columns }
func (r *rows) Close() error      { return nil }

func (r *rows) Next(dest []driver.Value) error {
	if r.position >= len(r.values) {
		return io.EOF
	}
	copy(dest, r.values[r.position])
	r.position++
	return nil
}

// ColumnTypeDatabaseTypeName is the SQL type of the column's values
// (BIGINT, DOUBLE, DECIMAL, TEXT, BYTEA, BOOLEAN, DATE, TIMESTAMP, UUID),
// or "" when no row shows it (no row, only NULLs, or mixed types: the
// engine's results carry values, not column declarations).
func (r *rows) ColumnTypeDatabaseTypeName(index int) string {
	if r.types[index] == sqlengine.TypeNull {
		return ""
	}
	return r.types[index].String()
}

// scanTypes maps a SQL type to the Go type its values arrive as.
var scanTypes = map[sqlengine.Type]reflect.Type{
	sqlengine.TypeBool:      reflect.TypeFor[bool](),
	sqlengine.TypeInt:       reflect.TypeFor[int64](),
	sqlengine.TypeFloat:     reflect.TypeFor[float64](),
	sqlengine.TypeDecimal:   reflect.TypeFor[string](),
	sqlengine.TypeText:      reflect.TypeFor[string](),
	sqlengine.TypeBytes:     reflect.TypeFor[[]byte](),
	sqlengine.TypeDate:      reflect.TypeFor[time.Time](),
	sqlengine.TypeTimestamp: reflect.TypeFor[time.Time](),
	sqlengine.TypeUUID:      reflect.TypeFor[string](),
}

// ColumnTypeScanType is the Go type of the column's values; any when
// the type is unknown (see ColumnTypeDatabaseTypeName).
func (r *rows) ColumnTypeScanType(index int) reflect.Type {
	if t, found := scanTypes[r.types[index]]; found {
		return t
	}
	return reflect.TypeFor[any]()
}

// ColumnTypeNullable is known only when the column holds a NULL
// (nullable, ok): the result does not carry the column's declaration.
func (r *rows) ColumnTypeNullable(index int) (nullable, ok bool) {
	return r.nulls[index], r.nulls[index]
}
