package sql

import (
	"fmt"

	"github.com/proven2pc/proven/engines"
)

// Operation is one SQL statement with its arguments, the unit of Apply
// and Read.
type Operation struct {
	Query     string
	Arguments []Value
}

// Limits on what one operation and one result may hold.
const (
	queryLenMax     = 1 << 20
	argumentsMax    = 1 << 12
	resultRowsMax   = 1 << 20
	intermediateMax = 1 << 22 // rows a join or scan may produce in one statement
)

// Encode returns the operation's deterministic encoding: an engines list
// [query, [typed arguments...]].
func (o Operation) Encode() []byte {
	arguments := make([]engines.Value, len(o.Arguments))
	for i, argument := range o.Arguments {
		arguments[i] = encodeTypedValue(argument)
	}
	return engines.AppendValue(nil, engines.List(engines.String(o.Query), engines.List(arguments...)))
}

// DecodeOperation reads what Encode wrote; other bytes are an error
// matching ErrInvalid.
func DecodeOperation(data []byte) (Operation, error) {
	value, err := engines.DecodeValue(data)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: operation does not decode: %v", ErrInvalid, err)
	}
	d := &valueReader{}
	fields := d.list(value, 2)
	op := Operation{Query: d.text(fields, 0)}
	items := d.items(fields, 1)
	if d.err != nil {
		return Operation{}, fmt.Errorf("%w: bad operation: %v", ErrInvalid, d.err)
	}
	if len(op.Query) > queryLenMax || len(items) > argumentsMax {
		return Operation{}, fmt.Errorf("%w: operation too large", ErrLimit)
	}
	for i, item := range items {
		argument, err := decodeTypedValue(item)
		if err != nil {
			return Operation{}, fmt.Errorf("%w: argument %d: %v", ErrInvalid, i+1, err)
		}
		op.Arguments = append(op.Arguments, argument)
	}
	return op, nil
}

// Result is what a statement returns: the column names and rows of a
// query (or RETURNING, or EXPLAIN), and the number of rows a DML
// statement changed.
type Result struct {
	Columns      []string
	Rows         [][]Value
	RowsAffected int64
}

func (r *Result) encode() []byte {
	columns := make([]engines.Value, len(r.Columns))
	for i, name := range r.Columns {
		columns[i] = engines.String(name)
	}
	rows := make([]engines.Value, len(r.Rows))
	for i, row := range r.Rows {
		values := make([]engines.Value, len(row))
		for j, v := range row {
			values[j] = encodeTypedValue(v)
		}
		rows[i] = engines.List(values...)
	}
	return engines.AppendValue(nil, engines.List(engines.List(columns...), engines.List(rows...), engines.Int(r.RowsAffected)))
}

// DecodeResult reads a result encoded by the engine.
func DecodeResult(data []byte) (*Result, error) {
	value, err := engines.DecodeValue(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResult, err)
	}
	d := &valueReader{}
	fields := d.list(value, 3)
	r := &Result{RowsAffected: d.int64(fields, 2)}
	for _, name := range d.items(fields, 0) {
		r.Columns = append(r.Columns, d.text([]engines.Value{name}, 0))
	}
	for _, item := range d.items(fields, 1) {
		cells := d.items([]engines.Value{item}, 0)
		row := make([]Value, len(cells))
		for j, cell := range cells {
			if row[j], err = decodeTypedValue(cell); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBadResult, err)
			}
		}
		r.Rows = append(r.Rows, row)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResult, d.err)
	}
	return r, nil
}
