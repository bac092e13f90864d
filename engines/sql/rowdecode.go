package sql

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// Decoding stored rows without value.Value. A row is stored as an
// engines Map from column id (decimal text) to the stored value of the
// cell (encodeRow). Decoding runs for every row a statement reads, so it
// reads that encoding straight into []Value, merging the map's sorted keys
// with the table's columns sorted the same way (rowLayout). It takes the
// fast path only for what it fully understands and checks as
// value.Decode would (a map of scalars, minimal varints, strictly
// increasing keys, no NaN, no trailing bytes, cells of their column's
// type); anything else goes the general way, which decides every error,
// so both ways return the same rows and errors.

// Value encoding tags, taken from the encoder itself so they cannot drift.
var (
	storedTagNull   = value.Append(nil, value.Null())[0]
	storedTagInt    = value.Append(nil, value.Int(0))[0]
	storedTagFloat  = value.Append(nil, value.Float(0))[0]
	storedTagString = value.Append(nil, value.String(""))[0]
	storedTagBytes  = value.Append(nil, value.Bytes(nil))[0]
	storedTagMap    = value.Append(nil, value.Map(nil))[0]
)

// rowLayout lists a table's columns in the order their ids sort as
// stored map keys. Invariant: keys is strictly increasing and
// positions[i] is the position in Columns of the column whose id is
// keys[i].
type rowLayout struct {
	keys      []string
	positions []int
}

func newRowLayout(t *tableSchema) *rowLayout {
	order := make([]int, len(t.Columns))
	keys := make([]string, len(t.Columns))
	for position, c := range t.Columns {
		order[position] = position
		keys[position] = strconv.Itoa(c.ID)
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	layout := &rowLayout{keys: make([]string, len(order)), positions: order}
	for i, position := range order {
		layout.keys[i] = keys[position]
	}
	return layout
}

// encodeRow stores a row as a map from column id to stored value: the
// bytes value.Append writes for that value.Map, written straight
// from the layout, whose keys are already in the map's key order.
func encodeRow(t *tableSchema, row []Value) []byte {
	return appendRow(make([]byte, 0, encodedRowSize(row)), t, row)
}

// encodedRowSize estimates the bytes of encodeRow(t, row).
func encodedRowSize(row []Value) int { return 16*len(row) + 8 }

// appendRow appends encodeRow(t, row) to out.
func appendRow(out []byte, t *tableSchema, row []Value) []byte {
	layout := t.layout
	if layout == nil {
		layout = newRowLayout(t)
	}
	out = binary.AppendUvarint(append(out, storedTagMap), uint64(len(layout.keys)))
	for i, key := range layout.keys {
		out = append(binary.AppendUvarint(out, uint64(len(key))), key...)
		out = value.Append(out, encodeStored(row[layout.positions[i]]))
	}
	return out
}

// rowDecoder decodes many rows of one table, carving them from slabs of
// growing size so a scan allocates per slab, not per row. Each row is
// capped at its width, so appending to one never touches another.
type rowDecoder struct {
	table    *tableSchema
	layout   *rowLayout
	slab     []Value
	slabRows int
}

// rowDecoderSlabRowsMax bounds the rows of one slab.
const rowDecoderSlabRowsMax = 256

func newRowDecoder(t *tableSchema) *rowDecoder {
	layout := t.layout
	if layout == nil {
		layout = newRowLayout(t)
	}
	return &rowDecoder{table: t, layout: layout}
}

// decode reads a stored row in the table's current column order;
// columns added after the row was written take their Filler.
func (d *rowDecoder) decode(raw []byte) ([]Value, error) {
	width := len(d.table.Columns)
	if len(d.slab) < width {
		d.slabRows = min(max(1, 2*d.slabRows), rowDecoderSlabRowsMax)
		d.slab = make([]Value, width*d.slabRows)
	}
	row := d.slab[:width:width]
	if decodeRowFast(d.table, d.layout, raw, row) {
		d.slab = d.slab[width:]
		return row, nil
	}
	return decodeRowGeneral(d.table, raw)
}

// decodeRowGeneral decodes through value.Decode.
func decodeRowGeneral(t *tableSchema, raw []byte) ([]Value, error) {
	value, err := value.Decode(raw)
	if err != nil {
		return nil, err
	}
	row := make([]Value, len(t.Columns))
	for position, c := range t.Columns {
		stored, ok := value.MapGet(strconv.Itoa(c.ID))
		if !ok {
			row[position] = c.Filler
			continue
		}
		if row[position], err = decodeStored(stored, c.Type); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// rowReader reads one stored row encoding. Invariant: position <= len(src).
type rowReader struct {
	src      []byte
	position int
}

// uvarint reads a minimal unsigned varint.
func (r *rowReader) uvarint() (uint64, bool) {
	number, width := binary.Uvarint(r.src[r.position:])
	if width <= 0 || width > 1 && r.src[r.position+width-1] == 0 {
		return 0, false
	}
	r.position += width
	return number, true
}

// text reads a length and that many bytes, aliasing src.
func (r *rowReader) text() ([]byte, bool) {
	length, ok := r.uvarint()
	if !ok || length > uint64(len(r.src)-r.position) {
		return nil, false
	}
	text := r.src[r.position : r.position+int(length)]
	r.position += int(length)
	return text, true
}

// decodeRowFast is rowDecoder.decode's fast path, writing every cell of row
// (len(t.Columns) long, of any prior content); false when the general way
// must decide, leaving row in any state.
func decodeRowFast(t *tableSchema, layout *rowLayout, raw []byte, row []Value) bool {
	r := rowReader{src: raw}
	if len(raw) == 0 || raw[0] != storedTagMap {
		return false
	}
	r.position++
	count, ok := r.uvarint()
	if !ok || count > uint64(len(raw)-r.position)/2 {
		return false
	}
	next := 0 // the first entry of layout not yet placed
	var previous []byte
	for i := range int(count) {
		key, ok := r.text()
		if !ok || i > 0 && bytes.Compare(previous, key) >= 0 {
			return false
		}
		previous = key
		for next < len(layout.keys) && layout.keys[next] < string(key) {
			row[layout.positions[next]] = t.Columns[layout.positions[next]].Filler
			next++
		}
		position := -1
		if next < len(layout.keys) && layout.keys[next] == string(key) {
			position = layout.positions[next]
			next++
		}
		var cell *Value // nil: a dropped column's cell, checked and skipped
		var cellType columnType
		if position >= 0 {
			cell, cellType = &row[position], t.Columns[position].Type
		}
		if !r.cell(cellType, cell) {
			return false
		}
	}
	if r.position != len(raw) {
		return false
	}
	for ; next < len(layout.keys); next++ {
		row[layout.positions[next]] = t.Columns[layout.positions[next]].Filler
	}
	return true
}

// cell reads one stored scalar into *dst as a value of type typ; a nil
// dst checks and skips it. False when the general way must decide.
func (r *rowReader) cell(typ columnType, dst *Value) bool {
	if r.position >= len(r.src) {
		return false
	}
	tag := r.src[r.position]
	r.position++
	switch tag {
	case storedTagNull:
		if dst != nil {
			*dst = Value{}
		}
		return true
	case storedTagInt:
		zigzag, ok := r.uvarint()
		if !ok {
			return false
		}
		integer := int64(zigzag >> 1)
		if zigzag&1 != 0 {
			integer = ^integer
		}
		if dst == nil {
			return true
		}
		switch typ.Type {
		case TypeBool, TypeInt, TypeDecimal, TypeDate, TypeTimestamp:
			*dst = Value{typ: typ.Type, integer: integer, scale: uint8(typ.Scale)}
			return true
		}
	case storedTagFloat:
		if len(r.src)-r.position < 8 {
			return false
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(r.src[r.position:]))
		r.position += 8
		if math.IsNaN(f) {
			return false
		}
		if dst == nil {
			return true
		}
		if typ.Type == TypeFloat {
			*dst = Float(f)
			return true
		}
	case storedTagString, storedTagBytes:
		text, ok := r.text()
		if !ok {
			return false
		}
		if dst == nil {
			return true
		}
		switch {
		case typ.Type == TypeText && tag == storedTagString:
			*dst = Text(string(text))
			return true
		case typ.Type == TypeBytes && tag == storedTagBytes, typ.Type == TypeUUID && tag == storedTagBytes && len(text) == 16:
			*dst = Value{typ: typ.Type, text: string(text)}
			return true
		}
	}
	return false
}
