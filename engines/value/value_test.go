package value

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"pgregory.net/rapid"
)

// testDepthMax bounds generated nesting so tests stay fast; depth limits
// themselves are tested separately.
const testDepthMax = 3

// textGenerator draws strings from a small alphabet heavy in the bytes the
// encodings treat specially (0x00, 0x01, 0xff, quotes, invalid UTF-8), so
// that shared prefixes and escapes are common, or arbitrary strings.
func textGenerator() *rapid.Generator[string] {
	alphabet := []byte{0x00, 0x01, 0xff, 'a', 'b', '"', '\\', 0xc3}
	small := rapid.Map(rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 5), func(b []byte) string { return string(b) })
	return rapid.OneOf(small, small, rapid.String())
}

func floatGenerator() *rapid.Generator[float64] {
	special := []float64{
		math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1, -1, 0.5,
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e21,
	}
	anyBits := rapid.Map(rapid.Uint64(), math.Float64frombits)
	return rapid.OneOf(rapid.SampledFrom(special), rapid.Float64(), anyBits)
}

func intGenerator() *rapid.Generator[int64] {
	special := []int64{math.MinInt64, math.MaxInt64, -1, 0, 1, 1 << 53, 1<<53 + 1}
	return rapid.OneOf(rapid.Int64Range(-3, 3), rapid.Int64(), rapid.SampledFrom(special))
}

// decimalGenerator draws decimals that often share a numeric value at
// different scales (10 at scale 1 is 1 at scale 0), and extremes.
func decimalGenerator() *rapid.Generator[Decimal] {
	return rapid.Custom(func(t *rapid.T) Decimal {
		unscaled := rapid.OneOf(rapid.Int64Range(-20, 20), intGenerator()).Draw(t, "unscaled")
		scale := rapid.OneOf(rapid.IntRange(0, 2), rapid.IntRange(0, DecimalScaleMax)).Draw(t, "scale")
		return MakeDecimal(unscaled, scale)
	})
}

// timestampGenerator draws instants near the epoch, near the ends of the
// range and of the four-digit years, and anywhere.
func timestampGenerator() *rapid.Generator[Timestamp] {
	special := []int64{
		math.MinInt64, math.MaxInt64, 0, -1, 1, -1_000_000,
		-62_167_219_200_000_000, -62_167_219_200_000_001, // 0000-01-01T00:00:00Z and just before
		253_402_300_799_999_999, 253_402_300_800_000_000, // the last microsecond of 9999 and just after
		1_796_205_600_000_000, // 2026-12-02T10:00:00Z
	}
	micros := rapid.OneOf(rapid.SampledFrom(special), rapid.Int64Range(-3_000_000, 3_000_000), rapid.Int64())
	return rapid.Map(micros, TimestampFromUnixMicros)
}

// uuidGenerator draws UUIDs that often share prefixes.
func uuidGenerator() *rapid.Generator[UUID] {
	return rapid.Custom(func(t *rapid.T) UUID {
		var u UUID
		if rapid.Bool().Draw(t, "arbitrary") {
			copy(u[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "bytes"))
			return u
		}
		copy(u[:], rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x01, 0xff}), 16, 16).Draw(t, "bytes"))
		return u
	})
}

// scalarKinds are the kinds valueGenerator draws when not a container.
var scalarKinds = []Kind{KindNull, KindBool, KindInt, KindFloat, KindString, KindBytes, KindDecimal, KindTimestamp, KindUUID}

// valueGenerator draws arbitrary values nested at most depthMax deep.
func valueGenerator(depthMax int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		kind := rapid.SampledFrom(scalarKinds).Draw(t, "scalarKind")
		if depthMax > 0 && rapid.IntRange(0, 2).Draw(t, "container") > 0 {
			kind = rapid.SampledFrom([]Kind{KindList, KindMap}).Draw(t, "containerKind")
		}
		switch kind {
		case KindNull:
			return Null()
		case KindBool:
			return Bool(rapid.Bool().Draw(t, "bool"))
		case KindInt:
			return Int(intGenerator().Draw(t, "int"))
		case KindFloat:
			return Float(floatGenerator().Draw(t, "float"))
		case KindString:
			return String(textGenerator().Draw(t, "string"))
		case KindBytes:
			return Bytes([]byte(textGenerator().Draw(t, "bytes")))
		case KindDecimal:
			return DecimalValue(decimalGenerator().Draw(t, "decimal"))
		case KindTimestamp:
			return TimestampValue(timestampGenerator().Draw(t, "timestamp"))
		case KindUUID:
			return UUIDValue(uuidGenerator().Draw(t, "uuid"))
		case KindList:
			return List(rapid.SliceOfN(valueGenerator(depthMax-1), 0, 4).Draw(t, "elements")...)
		default:
			return Map(rapid.MapOfN(textGenerator(), valueGenerator(depthMax-1), 0, 4).Draw(t, "entries"))
		}
	})
}

func sign(order int) int {
	switch {
	case order < 0:
		return -1
	case order > 0:
		return 1
	}
	return 0
}

func TestCompareIsTotalOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		values := []Value{
			valueGenerator(testDepthMax).Draw(t, "a"),
			valueGenerator(testDepthMax).Draw(t, "b"),
			valueGenerator(testDepthMax).Draw(t, "c"),
		}
		for _, a := range values {
			if a.Compare(a) != 0 {
				t.Fatalf("%v.Compare(itself) = %d", a, a.Compare(a))
			}
			for _, b := range values {
				if sign(a.Compare(b)) != -sign(b.Compare(a)) {
					t.Fatalf("not antisymmetric: %v vs %v gives %d, reversed %d", a, b, a.Compare(b), b.Compare(a))
				}
				if a.Equal(b) != (a.Compare(b) == 0) {
					t.Fatalf("Equal(%v, %v) = %v but Compare = %d", a, b, a.Equal(b), a.Compare(b))
				}
				for _, c := range values {
					if a.Compare(b) <= 0 && b.Compare(c) <= 0 && a.Compare(c) > 0 {
						t.Fatalf("not transitive: %v <= %v <= %v but first > last", a, b, c)
					}
				}
			}
		}
	})
}

// A sorted list of values stays sorted when shuffled and re-sorted, and
// sorting agrees with the key encoding: a total order on a larger sample.
func TestCompareSortsConsistently(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		values := rapid.SliceOfN(valueGenerator(2), 0, 12).Draw(t, "values")
		sorted := slices.Clone(values)
		slices.SortFunc(sorted, Value.Compare)
		for i := 1; i < len(sorted); i++ {
			if sorted[i-1].Compare(sorted[i]) > 0 {
				t.Fatalf("after sorting, %v before %v", sorted[i-1], sorted[i])
			}
		}
		byKey := slices.Clone(values)
		slices.SortFunc(byKey, func(a, b Value) int { return bytes.Compare(AppendKey(nil, a), AppendKey(nil, b)) })
		for i := range sorted {
			if !sorted[i].Equal(byKey[i]) {
				t.Fatalf("position %d: Compare sorts %v, key bytes sort %v", i, sorted[i], byKey[i])
			}
		}
	})
}

func TestEqualValuesAreInterchangeable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := valueGenerator(testDepthMax).Draw(t, "a")
		copied := rebuild(a)
		if !a.Equal(copied) {
			t.Fatalf("rebuilt %v is not equal to itself", a)
		}
		if a.String() != copied.String() {
			t.Fatalf("equal values print differently: %s vs %s", a, copied)
		}
	})
}

// rebuild constructs a deep copy of v through the public constructors, maps
// through MapFromEntries in reverse order.
func rebuild(v Value) Value {
	switch v.Kind() {
	case KindList:
		elements := make([]Value, v.Len())
		for i := range elements {
			elements[i] = rebuild(v.Index(i))
		}
		return List(elements...)
	case KindMap:
		entries := v.MapEntries()
		slices.Reverse(entries)
		for i := range entries {
			entries[i].Value = rebuild(entries[i].Value)
		}
		rebuilt, err := MapFromEntries(entries)
		if err != nil {
			panic(err)
		}
		return rebuilt
	case KindBytes:
		b, _ := v.AsBytes()
		return Bytes(b)
	}
	return v
}

func TestFloatOrder(t *testing.T) {
	ascending := []Value{
		Float(math.Inf(-1)), Float(-math.MaxFloat64), Float(-1), Float(-math.SmallestNonzeroFloat64),
		Float(math.Copysign(0, -1)), Float(0), Float(math.SmallestNonzeroFloat64), Float(1),
		Float(math.MaxFloat64), Float(math.Inf(1)), Float(math.NaN()),
	}
	for i := 1; i < len(ascending); i++ {
		if ascending[i-1].Compare(ascending[i]) >= 0 {
			t.Errorf("want %v < %v", ascending[i-1], ascending[i])
		}
	}
	negativeNaN := Float(math.Float64frombits(0xFFF8000000000001))
	if !negativeNaN.Equal(Float(math.NaN())) {
		t.Errorf("a negative NaN with a payload is not the canonical NaN")
	}
}

func TestKindsDoNotMix(t *testing.T) {
	if Int(5).Compare(Float(1)) >= 0 {
		t.Errorf("Int(5) should sort before Float(1): ints and floats do not compare numerically")
	}
	if Int(1).Equal(Float(1)) {
		t.Errorf("Int(1) equals Float(1)")
	}
	if String("a").Equal(Bytes([]byte("a"))) {
		t.Errorf(`String("a") equals Bytes("a")`)
	}
	if DecimalValue(MakeDecimal(1, 0)).Equal(Int(1)) || DecimalValue(MakeDecimal(5, 1)).Compare(Float(0.5)) <= 0 {
		t.Errorf("decimals mix with ints or floats")
	}
	if DecimalValue(MakeDecimal(15, 1)).Equal(DecimalValue(MakeDecimal(150, 2))) {
		t.Errorf("1.5 equals 1.50: the scale is part of a Decimal value")
	}
	if TimestampValue(Timestamp{}).Equal(Int(0)) || UUIDValue(UUID{}).Equal(Bytes(make([]byte, 16))) {
		t.Errorf("timestamps or UUIDs equal ints or bytes of the same bits")
	}
	if Kind(200).String() != "kind(200)" {
		t.Errorf("Kind(200).String() = %q", Kind(200).String())
	}
}

func TestAccessors(t *testing.T) {
	if b, ok := Bool(true).AsBool(); !b || !ok {
		t.Errorf("Bool(true).AsBool() = %v, %v", b, ok)
	}
	if b, ok := Int(1).AsBool(); b || ok {
		t.Errorf("Int(1).AsBool() succeeded")
	}
	if i, ok := Int(-7).AsInt(); i != -7 || !ok {
		t.Errorf("Int(-7).AsInt() = %v, %v", i, ok)
	}
	if f, ok := Float(2.5).AsFloat(); f != 2.5 || !ok {
		t.Errorf("Float(2.5).AsFloat() = %v, %v", f, ok)
	}
	if s, ok := String("x").AsString(); s != "x" || !ok {
		t.Errorf(`String("x").AsString() = %v, %v`, s, ok)
	}
	if d, ok := DecimalValue(MakeDecimal(-150, 2)).AsDecimal(); !ok || d.Unscaled() != -150 || d.Scale() != 2 {
		t.Errorf("AsDecimal() = %v, %v", d, ok)
	}
	if timestamp, ok := TimestampValue(TimestampFromUnixMicros(-7)).AsTimestamp(); !ok || timestamp.UnixMicros() != -7 {
		t.Errorf("AsTimestamp() = %v, %v", timestamp, ok)
	}
	if _, ok := Int(1).AsDecimal(); ok {
		t.Errorf("Int.AsDecimal() succeeded")
	}
	if _, ok := Int(1).AsTimestamp(); ok {
		t.Errorf("Int.AsTimestamp() succeeded")
	}
	if _, ok := Bytes(make([]byte, 16)).AsUUID(); ok {
		t.Errorf("Bytes.AsUUID() succeeded")
	}
	if _, ok := Bytes(nil).AsString(); ok {
		t.Errorf("Bytes.AsString() succeeded")
	}
	if b, ok := Bytes(nil).AsBytes(); b == nil || len(b) != 0 || !ok {
		t.Errorf("Bytes(nil).AsBytes() = %v, %v; want an empty non-nil slice", b, ok)
	}
	if !Null().IsNull() || (Value{}).Kind() != KindNull {
		t.Errorf("the zero Value is not Null")
	}
	if Int(3).Len() != 0 || List(Int(1), Int(2)).Len() != 2 || Map(map[string]Value{"a": Null()}).Len() != 1 {
		t.Errorf("Len is wrong")
	}
	if entries := Int(1).MapEntries(); entries != nil {
		t.Errorf("Int(1).MapEntries() = %v", entries)
	}
	if _, ok := List().MapGet("a"); ok {
		t.Errorf("MapGet on a list succeeded")
	}
}

func TestValuesDoNotShareMemory(t *testing.T) {
	raw := []byte("abc")
	b := Bytes(raw)
	raw[0] = 'X'
	got, _ := b.AsBytes()
	got[1] = 'Y'
	if again, _ := b.AsBytes(); string(again) != "abc" {
		t.Errorf("Bytes value changed to %q through a caller's slice", again)
	}
	elements := []Value{Int(1), Int(2)}
	list := List(elements...)
	elements[0] = Int(9)
	if !list.Index(0).Equal(Int(1)) {
		t.Errorf("List changed through the caller's slice: %v", list)
	}
	m := Map(map[string]Value{"a": Int(1)})
	entries := m.MapEntries()
	entries[0].Value = Int(9)
	if got, _ := m.MapGet("a"); !got.Equal(Int(1)) {
		t.Errorf("Map changed through MapEntries: %v", m)
	}
}

func TestMapConstructorsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		model := rapid.MapOfN(textGenerator(), valueGenerator(1), 0, 8).Draw(t, "model")
		fromMap := Map(model)
		var entries []MapEntry
		for _, key := range rapid.Permutation(slices.Sorted(maps.Keys(model))).Draw(t, "order") {
			entries = append(entries, MapEntry{Key: key, Value: model[key]})
		}
		fromEntries, err := MapFromEntries(entries)
		if err != nil {
			t.Fatalf("MapFromEntries: %v", err)
		}
		if !fromMap.Equal(fromEntries) {
			t.Fatalf("Map gives %v, MapFromEntries gives %v", fromMap, fromEntries)
		}
		if fromMap.Len() != len(model) {
			t.Fatalf("Len = %d, want %d", fromMap.Len(), len(model))
		}
		for i, entry := range fromMap.MapEntries() {
			if i > 0 && entry.Key <= fromMap.MapEntries()[i-1].Key {
				t.Fatalf("MapEntries not sorted: %v", fromMap)
			}
		}
		for key, want := range model {
			if got, ok := fromMap.MapGet(key); !ok || !got.Equal(want) {
				t.Fatalf("MapGet(%q) = %v, %v; want %v", key, got, ok, want)
			}
		}
		absent := textGenerator().Draw(t, "absent")
		if _, inModel := model[absent]; !inModel {
			if got, ok := fromMap.MapGet(absent); ok {
				t.Fatalf("MapGet(%q) of an absent key = %v", absent, got)
			}
		}
	})
}

func TestMapFromEntriesRejectsDuplicates(t *testing.T) {
	_, err := MapFromEntries([]MapEntry{{Key: "b", Value: Int(1)}, {Key: "a"}, {Key: "b", Value: Int(2)}})
	if !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("MapFromEntries with key b twice: err = %v, want ErrDuplicateKey", err)
	}
}

// nested returns depth lists, one inside the next, around Null.
func nested(depth int) Value {
	v := Null()
	for range depth {
		v = List(v)
	}
	return v
}

func TestNestingDepthLimit(t *testing.T) {
	deepest := nested(NestingDepthMax)
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("List nested beyond NestingDepthMax did not panic")
			}
		}()
		List(deepest)
	}()
	_, err := MapFromEntries([]MapEntry{{Key: "a", Value: deepest}})
	if !errors.Is(err, ErrNestingTooDeep) {
		t.Errorf("MapFromEntries beyond the limit: err = %v, want ErrNestingTooDeep", err)
	}
	tooDeepText := strings.Repeat("[", NestingDepthMax+1) + strings.Repeat("]", NestingDepthMax+1)
	if _, err := Parse(tooDeepText); !errors.Is(err, ErrNestingTooDeep) {
		t.Errorf("Parse beyond the limit: err = %v", err)
	}
	tooDeepKey := append(bytes.Repeat([]byte{keyTag(KindList)}, NestingDepthMax+1), bytes.Repeat([]byte{0}, NestingDepthMax+1)...)
	if _, _, err := DecodeKey(tooDeepKey); !errors.Is(err, ErrNestingTooDeep) {
		t.Errorf("DecodeKey beyond the limit: err = %v", err)
	}
	tooDeepValue := append(bytes.Repeat([]byte{valueTagList, 1}, NestingDepthMax), valueTagList, 0)
	if _, err := Decode(tooDeepValue); !errors.Is(err, ErrNestingTooDeep) {
		t.Errorf("Decode beyond the limit: err = %v", err)
	}
	tooDeepJSON := strings.Repeat(`{"map":{"a":`, NestingDepthMax+1) + "null" + strings.Repeat("}}", NestingDepthMax+1)
	var decoded Value
	if err := json.Unmarshal([]byte(tooDeepJSON), &decoded); !errors.Is(err, ErrNestingTooDeep) {
		t.Errorf("UnmarshalJSON beyond the limit: err = %v", err)
	}
	// The deepest allowed value survives every representation.
	assertRoundTrips(t, deepest)
}

// failer is what testing.T and rapid.T share.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// assertRoundTrips checks v through all four representations.
func assertRoundTrips(t failer, v Value) {
	t.Helper()
	if got, rest, err := DecodeKey(AppendKey(nil, v)); err != nil || len(rest) != 0 || !got.Equal(v) {
		t.Fatalf("key round trip of %v: got %v, rest %x, err %v", v, got, rest, err)
	}
	if got, err := Decode(Append(nil, v)); err != nil || !got.Equal(v) {
		t.Fatalf("value encoding round trip of %v: got %v, err %v", v, got, err)
	}
	if got, err := Parse(v.String()); err != nil || !got.Equal(v) {
		t.Fatalf("text round trip of %v: got %v, err %v", v, got, err)
	}
	encoded, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%v): %v", v, err)
	}
	var got Value
	if err := json.Unmarshal(encoded, &got); err != nil || !got.Equal(v) {
		t.Fatalf("JSON round trip of %v via %s: got %v, err %v", v, encoded, got, err)
	}
}

func TestAllRepresentationsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		assertRoundTrips(t, valueGenerator(testDepthMax).Draw(t, "value"))
	})
}

// TestValueScenarios runs the files in testdata/values. Commands, each
// taking one value (or one hex string) per input line:
//
//	show            the kind and String form of a parsed literal
//	key             the key encoding, in hex
//	value-encoding  the value encoding, in hex
//	json            the JSON form
//	decode-key      a hex key encoding decoded, or the error
//	decode-value    a hex value encoding decoded, or the error
//	decode-json     a JSON form decoded, or the error
//	sort            the literals in Compare order, checked against key order
func TestValueScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/values", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var output strings.Builder
			lines := strings.Split(strings.TrimSpace(d.Input), "\n")
			if d.Cmd == "sort" {
				return sortScenario(t, lines)
			}
			for _, line := range lines {
				output.WriteString(scenarioLine(t, d, line))
				output.WriteByte('\n')
			}
			return output.String()
		})
	})
}

func scenarioLine(t *testing.T, d *datadriven.TestData, line string) string {
	switch d.Cmd {
	case "decode-key":
		v, rest, err := DecodeKey(mustHex(t, line))
		if err != nil {
			return "error: " + err.Error()
		}
		return fmt.Sprintf("%s rest=%x", v, rest)
	case "decode-value":
		v, err := Decode(mustHex(t, line))
		if err != nil {
			return "error: " + err.Error()
		}
		return v.String()
	case "decode-json":
		var v Value
		if err := v.UnmarshalJSON([]byte(line)); err != nil {
			return "error: " + err.Error()
		}
		return v.String()
	}
	v, err := Parse(line)
	if err != nil {
		return "error: " + err.Error()
	}
	switch d.Cmd {
	case "show":
		return v.Kind().String() + " " + v.String()
	case "key":
		return hex.EncodeToString(AppendKey(nil, v))
	case "value-encoding":
		return hex.EncodeToString(Append(nil, v))
	case "json":
		encoded, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", v, err)
		}
		return string(encoded)
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func sortScenario(t *testing.T, lines []string) string {
	var values []Value
	for _, line := range lines {
		v, err := Parse(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		values = append(values, v)
	}
	slices.SortStableFunc(values, Value.Compare)
	var output strings.Builder
	for i, v := range values {
		if i > 0 && bytes.Compare(AppendKey(nil, values[i-1]), AppendKey(nil, v)) >= 0 && !values[i-1].Equal(v) {
			t.Fatalf("key encoding of %v does not sort before %v", values[i-1], v)
		}
		output.WriteString(v.String())
		output.WriteByte('\n')
	}
	return output.String()
}

func mustHex(t *testing.T, text string) []byte {
	decoded, err := hex.DecodeString(strings.ReplaceAll(text, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", text, err)
	}
	return decoded
}
