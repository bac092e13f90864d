package sql

import (
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// TestOperationEncodeIsTheEnginesList checks that Encode writes exactly
// the canonical encoding of [query, [typed arguments...]].
func TestOperationEncodeIsTheEnginesList(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := drawOperation(t)
		arguments := make([]value.Value, len(op.Arguments))
		for i, argument := range op.Arguments {
			arguments[i] = encodeTypedValue(argument)
		}
		want := value.Append(nil, value.List(value.String(op.Query), value.List(arguments...)))
		if got := op.Encode(); string(got) != string(want) {
			t.Fatalf("Encode %x, engines.List %x", got, want)
		}
	})
}

// TestDecodeOperationFastAgreesWithGeneral checks the fast path against
// the general decoding on encoded operations, corrupted or not: when the
// fast path answers, the general way answers the same.
func TestDecodeOperationFastAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := drawOperation(t).Encode()
		switch rapid.IntRange(0, 3).Draw(t, "corruption") {
		case 1:
			data = data[:rapid.IntRange(0, len(data)).Draw(t, "truncate at")]
		case 2:
			data[rapid.IntRange(0, len(data)-1).Draw(t, "flip at")] ^= rapid.Byte().Draw(t, "flip")
		case 3:
			data = append(data, rapid.Byte().Draw(t, "trailing"))
		}
		fast, ok := decodeOperationFast(data)
		general, err := decodeOperationGeneral(data)
		if ok && err != nil {
			t.Fatalf("fast path accepted %x, general way refused: %v", data, err)
		}
		if ok && (fast.Query != general.Query || !sameRow(fast.Arguments, general.Arguments)) {
			t.Fatalf("fast %+v, general %+v", fast, general)
		}
		got, gotErr := DecodeOperation(data)
		if (gotErr == nil) != (err == nil) || err == nil && !sameRow(got.Arguments, general.Arguments) {
			t.Fatalf("DecodeOperation %+v %v, general %+v %v", got, gotErr, general, err)
		}
	})
}

func drawOperation(t *rapid.T) Operation {
	op := Operation{Query: rapid.String().Draw(t, "query")}
	for range rapid.IntRange(0, 4).Draw(t, "arguments") {
		typ := columnType{Type: rapid.SampledFrom(append([]Type{TypeNull}, storedTypes...)).Draw(t, "type")}
		if typ.Type == TypeDecimal {
			typ.Scale = rapid.IntRange(0, value.DecimalScaleMax).Draw(t, "scale")
		}
		op.Arguments = append(op.Arguments, drawValueOf(t, typ))
	}
	return op
}

// TestResultEncodingAgreesWithGeneral checks that encode writes the
// canonical value.List of a result, and that DecodeResult's fast path,
// when it answers, answers as the general decoding does, on encodings
// corrupted or not.
func TestResultEncodingAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		result := &Result{RowsAffected: rapid.Int64().Draw(t, "rows affected")}
		for range rapid.IntRange(0, 3).Draw(t, "columns") {
			result.Columns = append(result.Columns, rapid.String().Draw(t, "column"))
		}
		for range rapid.IntRange(0, 3).Draw(t, "rows") {
			result.Rows = append(result.Rows, drawOperation(t).Arguments)
		}
		data := result.encode()
		if want := encodeResultAsList(result); string(data) != string(want) {
			t.Fatalf("encode %x, engines.List %x", data, want)
		}
		switch rapid.IntRange(0, 3).Draw(t, "corruption") {
		case 1:
			data = data[:rapid.IntRange(0, len(data)).Draw(t, "truncate at")]
		case 2:
			data[rapid.IntRange(0, len(data)-1).Draw(t, "flip at")] ^= rapid.Byte().Draw(t, "flip")
		case 3:
			data = append(data, rapid.Byte().Draw(t, "trailing"))
		}
		fast, ok := decodeResultFast(data)
		general, err := decodeResultGeneral(data)
		if ok && err != nil {
			t.Fatalf("fast path accepted %x, general way refused: %v", data, err)
		}
		if ok && !sameResult(fast, general) {
			t.Fatalf("fast %+v, general %+v", fast, general)
		}
	})
}

func encodeResultAsList(r *Result) []byte {
	columns := make([]value.Value, len(r.Columns))
	for i, name := range r.Columns {
		columns[i] = value.String(name)
	}
	rows := make([]value.Value, len(r.Rows))
	for i, row := range r.Rows {
		values := make([]value.Value, len(row))
		for j, v := range row {
			values[j] = encodeTypedValue(v)
		}
		rows[i] = value.List(values...)
	}
	return value.Append(nil, value.List(value.List(columns...), value.List(rows...), value.Int(r.RowsAffected)))
}

func sameResult(a, b *Result) bool {
	if a.RowsAffected != b.RowsAffected || len(a.Columns) != len(b.Columns) || len(a.Rows) != len(b.Rows) ||
		(a.Columns == nil) != (b.Columns == nil) || (a.Rows == nil) != (b.Rows == nil) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i] != b.Columns[i] {
			return false
		}
	}
	for i := range a.Rows {
		if (a.Rows[i] == nil) != (b.Rows[i] == nil) || !sameRow(a.Rows[i], b.Rows[i]) {
			return false
		}
	}
	return true
}
