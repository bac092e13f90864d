package sql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// Client errors. Compare with errors.Is.
var (
	// ErrBadResult reports result bytes the client cannot decode; it
	// matches engines.ErrBadResult.
	ErrBadResult = fmt.Errorf("%w: sql", engines.ErrBadResult)
	// ErrBadArgument reports a Go argument of a type the client cannot
	// send (or an unsigned integer above the BIGINT range).
	ErrBadArgument = errors.New("sql: bad argument")
	// ErrScan reports a Scan into a destination that cannot hold the
	// value, or with the wrong number of destinations, or without a row.
	ErrScan = errors.New("sql: scan error")
)

// Client runs SQL statements on one stream through an engines.Executor:
// a transaction's, a snapshot read's, or an auto-committing one. Errors
// from the executor come back unchanged: a *engines.Refusal (match with
// errors.Is against ErrConstraint, ErrUnknownTable... through their
// engines codes), or an error matching engines.ErrAborted or
// engines.ErrDeadline.
type Client struct{ target engines.Target }

// New returns a client for stream.
func New(executor engines.Executor, stream string) *Client {
	return &Client{engines.Target{Executor: executor, Stream: stream}}
}

// Exec runs a statement and returns its result (rows affected, and rows
// for RETURNING).
func (c *Client) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	result, err := c.run(ctx, query, args)
	if err != nil {
		return Result{}, err
	}
	return *result, nil
}

// Query runs a statement and returns its rows.
func (c *Client) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	result, err := c.run(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return &Rows{result: result, position: -1}, nil
}

func (c *Client) run(ctx context.Context, query string, args []any) (*Result, error) {
	arguments := make([]Value, len(args))
	for i, arg := range args {
		v, err := FromGo(arg)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		arguments[i] = v
	}
	raw, err := c.target.Execute(ctx, Operation{Query: query, Arguments: arguments}.Encode())
	if err != nil {
		return nil, err
	}
	return DecodeResult(raw)
}

// FromGo converts a Go value to a SQL value: nil, bool, integers,
// floats, string, []byte, time.Time (a TIMESTAMP, to the microsecond),
// value.Decimal, value.Timestamp, value.UUID or a Value.
func FromGo(arg any) (Value, error) {
	switch v := arg.(type) {
	case nil:
		return Null(), nil
	case Value:
		return v, nil
	case bool:
		return Bool(v), nil
	case int, int8, int16, int32, int64:
		return Int(reflect.ValueOf(v).Int()), nil
	case uint8, uint16, uint32:
		return Int(int64(reflect.ValueOf(v).Uint())), nil
	case uint64:
		if v > math.MaxInt64 {
			return Value{}, fmt.Errorf("%w: %d is above the BIGINT range", ErrBadArgument, v)
		}
		return Int(int64(v)), nil
	case float32:
		return Float(float64(v)), nil
	case float64:
		return Float(v), nil
	case string:
		return Text(v), nil
	case []byte:
		return Blob(v), nil
	case time.Time:
		return timestampMicros(v.UnixMicro()), nil
	case value.Decimal:
		return Decimal(v), nil
	case value.Timestamp:
		return Timestamp(v), nil
	case value.UUID:
		return UUID(v), nil
	}
	return Value{}, fmt.Errorf("%w: Go type %T", ErrBadArgument, arg)
}

// Rows iterates over a query's result, which is already complete.
type Rows struct {
	result   *Result
	position int
}

// Columns returns the column names.
func (r *Rows) Columns() []string { return r.result.Columns }

// Len returns the number of rows.
func (r *Rows) Len() int { return len(r.result.Rows) }

// Next moves to the next row; false after the last.
func (r *Rows) Next() bool {
	if r.position < len(r.result.Rows) {
		r.position++
	}
	return r.position < len(r.result.Rows)
}

// Values returns the current row.
func (r *Rows) Values() []Value {
	if r.position < 0 || r.position >= len(r.result.Rows) {
		return nil
	}
	return r.result.Rows[r.position]
}

// Scan copies the current row into dest: *bool, *int64, *int, *float64,
// *string, *[]byte, *time.Time, *value.Decimal (from DECIMAL or BIGINT),
// *value.Timestamp (from TIMESTAMP or DATE), *value.UUID, *Value or *any. NULL scans only into
// *Value and *any (as nil); other values convert where meaning is kept
// (any value into *string as its text).
func (r *Rows) Scan(dest ...any) error {
	row := r.Values()
	if row == nil {
		return fmt.Errorf("%w: no current row", ErrScan)
	}
	if len(dest) != len(row) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(row))
	}
	for i, d := range dest {
		if err := scanValue(row[i], d); err != nil {
			return fmt.Errorf("column %s: %w", r.result.Columns[i], err)
		}
	}
	return nil
}

func scanValue(v Value, dest any) error {
	switch d := dest.(type) {
	case *Value:
		*d = v
		return nil
	case *any:
		*d = toGo(v)
		return nil
	}
	if v.IsNull() {
		return fmt.Errorf("%w: NULL into %T", ErrScan, dest)
	}
	switch d := dest.(type) {
	case *string:
		*d = v.String()
		return nil
	case *bool:
		if v.typ == TypeBool {
			*d = v.AsBool()
			return nil
		}
	case *int64, *int:
		converted, err := castValue(v, columnType{Type: TypeInt})
		if err != nil || !v.isNumeric() || v.typ != TypeInt && v.toFloat() != math.Trunc(v.toFloat()) {
			break
		}
		if p, ok := d.(*int64); ok {
			*p = converted.integer
		} else {
			*d.(*int) = int(converted.integer)
		}
		return nil
	case *float64:
		if v.isNumeric() {
			*d = v.toFloat()
			return nil
		}
	case *[]byte:
		if v.typ == TypeBytes || v.typ == TypeUUID {
			*d = []byte(v.text)
			return nil
		}
	case *time.Time, *value.Timestamp:
		if v.typ == TypeTimestamp || v.typ == TypeDate {
			ts, _ := castValue(v, columnType{Type: TypeTimestamp})
			if p, ok := d.(*value.Timestamp); ok {
				*p = ts.AsTimestamp()
			} else {
				*d.(*time.Time) = ts.AsTimestamp().Time()
			}
			return nil
		}
	case *value.Decimal:
		if v.typ == TypeDecimal || v.typ == TypeInt {
			*d = v.AsDecimal()
			return nil
		}
	case *value.UUID:
		if v.typ == TypeUUID {
			*d = v.AsUUID()
			return nil
		}
	}
	return fmt.Errorf("%w: %s into %T", ErrScan, v.typ, dest)
}

// toGo converts a value to its natural Go form.
func toGo(v Value) any {
	switch v.typ {
	case TypeNull:
		return nil
	case TypeBool:
		return v.AsBool()
	case TypeInt:
		return v.integer
	case TypeFloat:
		return v.floatValue()
	case TypeBytes:
		return []byte(v.text)
	case TypeTimestamp, TypeDate:
		ts, _ := castValue(v, columnType{Type: TypeTimestamp})
		return ts.AsTimestamp().Time()
	}
	return v.String()
}
