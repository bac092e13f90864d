package sql

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// TestDecodeRowFastAgreesWithGeneral checks the row fast path against
// the general decoding through value.Decode, on stored rows of
// every shape: rows encodeRow wrote, rows with cells of dropped columns
// or missing added ones, cells of the wrong kind, and corrupted bytes.
// Whenever the fast path answers, the general way must give the same row;
// rowDecoder.decode must return what the general way returns, errors
// included.
func TestDecodeRowFastAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		schema := drawSchema(t)
		raw := drawStoredRow(t, schema)
		fast := dirtyRow(len(schema.Columns))
		fastOK := decodeRowFast(schema, newRowLayout(schema), raw, fast)
		general, generalErr := decodeRowGeneral(schema, raw)
		if fastOK && generalErr != nil {
			t.Fatalf("fast path accepted %x, general way refused: %v", raw, generalErr)
		}
		if fastOK && !sameRow(fast, general) {
			t.Fatalf("fast %v, general %v for %x", fast, general, raw)
		}
		got, err := newRowDecoder(schema).decode(raw)
		if (err == nil) != (generalErr == nil) || err != nil && err.Error() != generalErr.Error() {
			t.Fatalf("decode error %v, general %v", err, generalErr)
		}
		if err == nil && !sameRow(got, general) {
			t.Fatalf("decode %v, general %v", got, general)
		}
	})
}

// TestDecodeRowRoundTrip checks that every row encodeRow writes decodes
// through the fast path to itself.
func TestDecodeRowRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		schema := drawSchema(t)
		row := make([]Value, len(schema.Columns))
		for position, c := range schema.Columns {
			row[position] = drawValueOf(t, c.Type)
		}
		decoded := dirtyRow(len(schema.Columns))
		ok := decodeRowFast(schema, newRowLayout(schema), encodeRow(schema, row), decoded)
		if !ok || !sameRow(decoded, row) {
			t.Fatalf("row %v decoded to %v (fast path ok=%v)", row, decoded, ok)
		}
	})
}

// TestRowDecoderAgreesWithGeneral decodes a run of stored rows through
// one rowDecoder, whose slab cells are reused after a failed fast path,
// and checks each row and error against the general way.
func TestRowDecoderAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		schema := drawSchema(t)
		decoder := newRowDecoder(schema)
		var kept, want [][]Value
		for range rapid.IntRange(1, 20).Draw(t, "rows") {
			raw := drawStoredRow(t, schema)
			general, generalErr := decodeRowGeneral(schema, raw)
			got, err := decoder.decode(raw)
			if (err == nil) != (generalErr == nil) {
				t.Fatalf("decoder error %v, general %v", err, generalErr)
			}
			if err == nil {
				kept, want = append(kept, got), append(want, general)
			}
		}
		for i := range kept { // earlier rows must survive later decodes
			if !sameRow(kept[i], want[i]) {
				t.Fatalf("row %d: decoder %v, general %v", i, kept[i], want[i])
			}
		}
	})
}

// dirtyRow returns a row of width cells that are not NULL, so a decode
// that forgets a cell shows.
func dirtyRow(width int) []Value {
	row := make([]Value, width)
	for i := range row {
		row[i] = Text("dirty")
	}
	return row
}

// TestEncodeRowIsTheEnginesMap checks that encodeRow writes exactly the
// canonical encoding of the value.Map from column ids to stored values.
func TestEncodeRowIsTheEnginesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		schema := drawSchema(t)
		row := make([]Value, len(schema.Columns))
		entries := map[string]value.Value{}
		for position, c := range schema.Columns {
			row[position] = drawValueOf(t, c.Type)
			entries[strconv.Itoa(c.ID)] = encodeStored(row[position])
		}
		want := value.Append(nil, value.Map(entries))
		if got := encodeRow(schema, row); string(got) != string(want) {
			t.Fatalf("encodeRow %x, engines.Map %x", got, want)
		}
	})
}

var storedTypes = []Type{TypeBool, TypeInt, TypeFloat, TypeDecimal, TypeText, TypeBytes, TypeDate, TypeTimestamp, TypeUUID}

func drawSchema(t *rapid.T) *tableSchema {
	ids := rapid.SliceOfNDistinct(rapid.IntRange(0, 30), 1, 8, rapid.ID[int]).Draw(t, "ids")
	schema := &tableSchema{Name: "t", NextColumnID: 31}
	for _, id := range ids {
		typ := rapid.SampledFrom(storedTypes).Draw(t, "type")
		c := column{ID: id, Name: "c" + strconv.Itoa(id), Type: columnType{Type: typ}}
		if typ == TypeDecimal {
			c.Type.Scale = rapid.IntRange(0, 4).Draw(t, "scale")
		}
		if rapid.Bool().Draw(t, "filler") {
			c.Filler = drawValueOf(t, c.Type)
		}
		schema.Columns = append(schema.Columns, c)
	}
	return schema
}

func drawValueOf(t *rapid.T, c columnType) Value {
	typ := c.Type
	if typ == TypeNull || rapid.IntRange(0, 5).Draw(t, "null") == 0 {
		return Value{}
	}
	switch typ {
	case TypeFloat:
		return Float(rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1.5, -3, math.Inf(1), 1e300}).Draw(t, "float"))
	case TypeText:
		return Text(rapid.String().Draw(t, "text"))
	case TypeBytes:
		return Blob(rapid.SliceOfN(rapid.Byte(), 0, 5).Draw(t, "bytes"))
	case TypeUUID:
		return UUID(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "uuid"))
	case TypeDecimal:
		return Value{typ: TypeDecimal, integer: rapid.Int64().Draw(t, "unscaled"), scale: uint8(c.Scale)}
	case TypeBool:
		return Bool(rapid.Bool().Draw(t, "bool"))
	}
	return Value{typ: typ, integer: rapid.Int64().Draw(t, "integer")}
}

// drawStoredRow draws bytes for a stored row: a map from column ids (of
// the schema or not) to scalars of any kind, sometimes corrupted.
func drawStoredRow(t *rapid.T, schema *tableSchema) []byte {
	entries := map[string]value.Value{}
	for _, id := range rapid.SliceOfNDistinct(rapid.IntRange(0, 30), 0, 8, rapid.ID[int]).Draw(t, "stored ids") {
		position, ok := schema.columnByID(id)
		if ok && rapid.Bool().Draw(t, "well typed") {
			entries[strconv.Itoa(id)] = encodeStored(drawValueOf(t, schema.Columns[position].Type))
			continue
		}
		entries[strconv.Itoa(id)] = drawEnginesScalar(t)
	}
	raw := value.Append(nil, value.Map(entries))
	switch rapid.IntRange(0, 3).Draw(t, "corruption") {
	case 1:
		raw = raw[:rapid.IntRange(0, len(raw)).Draw(t, "truncate at")]
	case 2:
		at := rapid.IntRange(0, len(raw)-1).Draw(t, "flip at")
		raw[at] ^= rapid.Byte().Draw(t, "flip")
	case 3:
		raw = append(raw, rapid.Byte().Draw(t, "trailing"))
	}
	return raw
}

func drawEnginesScalar(t *rapid.T) value.Value {
	switch rapid.IntRange(0, 7).Draw(t, "kind") {
	case 0:
		return value.Null()
	case 1:
		return value.Bool(rapid.Bool().Draw(t, "bool"))
	case 2:
		return value.Int(rapid.Int64().Draw(t, "int"))
	case 3:
		return value.Float(rapid.SampledFrom([]float64{0, -2.5, math.NaN()}).Draw(t, "float"))
	case 4:
		return value.String(rapid.String().Draw(t, "string"))
	case 5:
		return value.Bytes(rapid.SliceOfN(rapid.Byte(), 0, 17).Draw(t, "bytes"))
	case 6:
		return value.List(value.Int(1))
	}
	return value.Map(map[string]value.Value{"a": value.Null()})
}

func sameRow(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.typ != y.typ || x.scale != y.scale || x.integer != y.integer || x.text != y.text {
			return false
		}
	}
	return true
}

// TestDecodeRowCorruptIsError checks that a stored cell of the wrong kind
// is reported as corruption, not decoded.
func TestDecodeRowCorruptIsError(t *testing.T) {
	schema := &tableSchema{Name: "t", Columns: []column{{ID: 0, Name: "a", Type: columnType{Type: TypeInt}}}}
	raw := value.Append(nil, value.Map(map[string]value.Value{"0": value.String("x")}))
	if _, err := newRowDecoder(schema).decode(raw); !errors.Is(err, ErrCorruptCheckpoint) {
		t.Fatalf("want a corruption error, got %v", err)
	}
}
