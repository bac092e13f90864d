package sql

import (
	"encoding/binary"

	"github.com/proven2pc/proven/engines/value"
)

// Operations are encoded by the client and decoded by the engine for
// every statement, so both are written straight against the value
// encoding rather than through value.Value trees. Encode writes exactly
// the bytes of the value.List it documents; decodeOperationFast reads
// only what it fully checks and leaves anything else to the general
// decoding, which decides every error.

var storedTagList = value.Append(nil, value.List())[0]

// appendTypedValue appends the encoding of encodeTypedValue(v).
func appendTypedValue(dst []byte, v Value) []byte {
	dst = binary.AppendUvarint(append(dst, storedTagList), 3)
	dst = value.Append(dst, value.Int(int64(v.typ)))
	dst = value.Append(dst, value.Int(int64(v.scale)))
	return value.Append(dst, encodeStored(v))
}

// decodeOperationFast is DecodeOperation's fast path; ok is false when
// the general way must decide.
func decodeOperationFast(data []byte) (op Operation, ok bool) {
	return decodeOperationReusing(data, nil, nil)
}

// decodeOperationReusing is decodeOperationFast that makes the query
// with text (nil: a copy) and the arguments in spare when it is large
// enough: Apply's way, which saves both allocations per statement.
func decodeOperationReusing(data []byte, text func([]byte) string, spare []Value) (op Operation, ok bool) {
	r := rowReader{src: data}
	if !r.listHeader(2) || !r.tag(storedTagString) {
		return Operation{}, false
	}
	query, ok := r.text()
	if !ok || len(query) > queryLenMax || !r.tag(storedTagList) {
		return Operation{}, false
	}
	count, ok := r.uvarint()
	if !ok || count > argumentsMax || count > uint64(len(data)-r.position) {
		return Operation{}, false
	}
	if text != nil {
		op.Query = text(query)
	} else {
		op.Query = string(query)
	}
	switch {
	case count > 0 && count <= uint64(cap(spare)):
		op.Arguments = spare[:count]
		clear(op.Arguments)
	case count > 0:
		op.Arguments = make([]Value, count)
	}
	for i := range op.Arguments {
		if !r.typedValue(&op.Arguments[i]) {
			return Operation{}, false
		}
	}
	if r.position != len(data) {
		return Operation{}, false
	}
	return op, true
}

// tag reads one tag byte, which must be want.
func (r *rowReader) tag(want byte) bool {
	if r.position >= len(r.src) || r.src[r.position] != want {
		return false
	}
	r.position++
	return true
}

// listHeader reads the tag and count of a list of length elements.
func (r *rowReader) listHeader(length uint64) bool {
	if !r.tag(storedTagList) {
		return false
	}
	count, ok := r.uvarint()
	return ok && count == length
}

// smallInt reads an Int value in [0, limit].
func (r *rowReader) smallInt(limit int) (int, bool) {
	if !r.tag(storedTagInt) {
		return 0, false
	}
	zigzag, ok := r.uvarint()
	if !ok || zigzag&1 != 0 || zigzag>>1 > uint64(limit) {
		return 0, false
	}
	return int(zigzag >> 1), true
}

// typedValue reads what appendTypedValue writes, as decodeTypedValue
// would.
func (r *rowReader) typedValue(dst *Value) bool {
	if !r.listHeader(3) {
		return false
	}
	typ, ok := r.smallInt(int(TypeUUID))
	if !ok {
		return false
	}
	scale, ok := r.smallInt(value.DecimalScaleMax)
	if !ok {
		return false
	}
	return r.cell(columnType{Type: Type(typ), Scale: scale}, dst)
}

// decodeResultFast is DecodeResult's fast path; ok is false when the
// general way must decide. It builds what the general way builds: nil
// Columns and Rows when there are none, a non-nil slice per row.
func decodeResultFast(data []byte) (result *Result, ok bool) {
	r := rowReader{src: data}
	if !r.listHeader(3) {
		return nil, false
	}
	columns, ok := r.listCount()
	if !ok {
		return nil, false
	}
	result = &Result{}
	if columns > 0 {
		result.Columns = make([]string, columns)
	}
	for i := range result.Columns {
		if !r.tag(storedTagString) {
			return nil, false
		}
		name, ok := r.text()
		if !ok {
			return nil, false
		}
		result.Columns[i] = string(name)
	}
	rows, ok := r.listCount()
	if !ok {
		return nil, false
	}
	if rows > 0 {
		result.Rows = make([][]Value, rows)
	}
	for i := range result.Rows {
		width, ok := r.listCount()
		if !ok {
			return nil, false
		}
		row := make([]Value, width)
		for j := range row {
			if !r.typedValue(&row[j]) {
				return nil, false
			}
		}
		result.Rows[i] = row
	}
	if !r.tag(storedTagInt) {
		return nil, false
	}
	zigzag, ok := r.uvarint()
	if !ok || r.position != len(data) {
		return nil, false
	}
	result.RowsAffected = int64(zigzag >> 1)
	if zigzag&1 != 0 {
		result.RowsAffected = ^result.RowsAffected
	}
	return result, true
}

// listCount reads a list's tag and element count, which the bytes left
// must be able to hold (an element takes at least one byte).
func (r *rowReader) listCount() (int, bool) {
	if !r.tag(storedTagList) {
		return 0, false
	}
	count, ok := r.uvarint()
	if !ok || count > uint64(len(r.src)-r.position) {
		return 0, false
	}
	return int(count), true
}
