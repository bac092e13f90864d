package sql

import (
	"encoding/binary"
	"fmt"

	"github.com/proven2pc/proven/engines/value"
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
	out := make([]byte, 0, len(o.Query)+16*len(o.Arguments)+16)
	out = binary.AppendUvarint(append(out, storedTagList), 2)
	out = value.Append(out, value.String(o.Query))
	out = binary.AppendUvarint(append(out, storedTagList), uint64(len(o.Arguments)))
	for _, argument := range o.Arguments {
		out = appendTypedValue(out, argument)
	}
	return out
}

// DecodeOperation reads what Encode wrote; other bytes are an error
// matching ErrInvalid.
func DecodeOperation(data []byte) (Operation, error) {
	if op, ok := decodeOperationFast(data); ok {
		return op, nil
	}
	return decodeOperationGeneral(data)
}

// decodeOperationGeneral decodes through value.Decode.
func decodeOperationGeneral(data []byte) (Operation, error) {
	value, err := value.Decode(data)
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

// encode writes the value.List [[columns...], [[typed values...]...],
// rows affected], straight to bytes.
func (r *Result) encode() []byte {
	out := binary.AppendUvarint([]byte{storedTagList}, 3)
	out = binary.AppendUvarint(append(out, storedTagList), uint64(len(r.Columns)))
	for _, name := range r.Columns {
		out = value.Append(out, value.String(name))
	}
	out = binary.AppendUvarint(append(out, storedTagList), uint64(len(r.Rows)))
	for _, row := range r.Rows {
		out = binary.AppendUvarint(append(out, storedTagList), uint64(len(row)))
		for _, v := range row {
			out = appendTypedValue(out, v)
		}
	}
	return value.Append(out, value.Int(r.RowsAffected))
}

// DecodeResult reads a result encoded by the engine.
func DecodeResult(data []byte) (*Result, error) {
	if result, ok := decodeResultFast(data); ok {
		return result, nil
	}
	return decodeResultGeneral(data)
}

// decodeResultGeneral decodes through value.Decode.
func decodeResultGeneral(data []byte) (*Result, error) {
	v, err := value.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResult, err)
	}
	d := &valueReader{}
	fields := d.list(v, 3)
	r := &Result{RowsAffected: d.int64(fields, 2)}
	for _, name := range d.items(fields, 0) {
		r.Columns = append(r.Columns, d.text([]value.Value{name}, 0))
	}
	for _, item := range d.items(fields, 1) {
		cells := d.items([]value.Value{item}, 0)
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
