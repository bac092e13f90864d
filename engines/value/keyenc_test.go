package value

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

func TestKeyRoundTripWithSurroundingBytes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGenerator(testDepthMax).Draw(t, "value")
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "prefix")
		suffix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "suffix")
		encoded := append(AppendKey(bytes.Clone(prefix), v), suffix...)
		if !bytes.HasPrefix(encoded, prefix) {
			t.Fatalf("AppendKey overwrote dst")
		}
		got, rest, err := DecodeKey(encoded[len(prefix):])
		if err != nil {
			t.Fatalf("DecodeKey(%x) of %v: %v", encoded, v, err)
		}
		if !got.Equal(v) {
			t.Fatalf("DecodeKey gives %v, want %v", got, v)
		}
		if !bytes.Equal(rest, suffix) {
			t.Fatalf("rest = %x, want %x", rest, suffix)
		}
	})
}

func TestKeyOrderMatchesCompare(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := valueGenerator(testDepthMax).Draw(t, "a")
		b := valueGenerator(testDepthMax).Draw(t, "b")
		keyOrder := bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))
		if keyOrder != sign(a.Compare(b)) {
			t.Fatalf("key order %d, Compare %d, for %v vs %v", keyOrder, a.Compare(b), a, b)
		}
	})
}

// Neighbouring values (one edit apart) are where order bugs hide: a
// shared prefix then a difference, or one value extending the other.
func TestKeyOrderOfNeighbours(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := valueGenerator(testDepthMax).Draw(t, "a")
		b := neighbour(t, a)
		keyOrder := bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))
		if keyOrder != sign(a.Compare(b)) {
			t.Fatalf("key order %d, Compare %d, for %v vs %v", keyOrder, a.Compare(b), a, b)
		}
	})
}

// neighbour returns v with one small change: an appended element or byte,
// a changed scalar, or a change inside a nested element.
func neighbour(t *rapid.T, v Value) Value {
	switch v.Kind() {
	case KindDecimal:
		return DecimalValue(decimalNeighbour(t, v))
	case KindTimestamp:
		timestamp, _ := v.AsTimestamp()
		return TimestampValue(TimestampFromUnixMicros(timestamp.UnixMicros() + rapid.Int64Range(-1, 1).Draw(t, "step")))
	case KindUUID:
		u, _ := v.AsUUID()
		u[rapid.IntRange(0, 15).Draw(t, "at")] += byte(rapid.IntRange(-1, 1).Draw(t, "step"))
		return UUIDValue(u)
	case KindString:
		text, _ := v.AsString()
		return String(text + textGenerator().Draw(t, "suffix"))
	case KindBytes:
		raw, _ := v.AsBytes()
		return Bytes(append(raw, []byte(textGenerator().Draw(t, "suffix"))...))
	case KindList:
		elements := make([]Value, v.Len())
		for i := range elements {
			elements[i] = v.Index(i)
		}
		if len(elements) > 0 && rapid.Bool().Draw(t, "inside") {
			i := rapid.IntRange(0, len(elements)-1).Draw(t, "index")
			elements[i] = neighbour(t, elements[i])
			return List(elements...)
		}
		return List(append(elements, valueGenerator(1).Draw(t, "appended"))...)
	case KindMap:
		entries := v.MapEntries()
		if len(entries) > 0 && rapid.Bool().Draw(t, "inside") {
			i := rapid.IntRange(0, len(entries)-1).Draw(t, "index")
			entries[i].Value = neighbour(t, entries[i].Value)
			changed, _ := MapFromEntries(entries)
			return changed
		}
		key := textGenerator().Draw(t, "key")
		if _, exists := v.MapGet(key); exists {
			return v
		}
		changed, _ := MapFromEntries(append(entries, MapEntry{Key: key, Value: valueGenerator(1).Draw(t, "added")}))
		return changed
	}
	return valueGenerator(0).Draw(t, "replacement")
}

// decimalNeighbour returns v's decimal one unit of its last digit away,
// or the same number at another scale.
func decimalNeighbour(t *rapid.T, v Value) Decimal {
	d, _ := v.AsDecimal()
	if rapid.Bool().Draw(t, "rescale") {
		if rescaled, ok := d.Rescale(rapid.IntRange(0, DecimalScaleMax).Draw(t, "scale")); ok {
			return rescaled
		}
	}
	step := rapid.Int64Range(-1, 1).Draw(t, "step")
	if d.Unscaled() == math.MaxInt64 && step > 0 || d.Unscaled() == math.MinInt64 && step < 0 {
		step = -step
	}
	return MakeDecimal(d.Unscaled()+step, d.Scale())
}

func TestKeyTuplesOrderLexicographically(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		first := rapid.SliceOfN(valueGenerator(2), 1, 3).Draw(t, "first")
		second := rapid.SliceOfN(valueGenerator(2), 1, 3).Draw(t, "second")
		if rapid.Bool().Draw(t, "shareHead") {
			second[0] = first[0]
		}
		want := compareTuples(first, second)
		got := bytes.Compare(AppendKeyTuple(nil, first...), AppendKeyTuple(nil, second...))
		if got != want {
			t.Fatalf("tuple key order %d, want %d, for %v vs %v", got, want, first, second)
		}
		decoded, err := DecodeKeyTuple(AppendKeyTuple(nil, first...))
		if err != nil {
			t.Fatalf("DecodeKeyTuple: %v", err)
		}
		if len(decoded) != len(first) {
			t.Fatalf("DecodeKeyTuple gives %d values, want %d", len(decoded), len(first))
		}
		for i := range first {
			if !decoded[i].Equal(first[i]) {
				t.Fatalf("DecodeKeyTuple element %d = %v, want %v", i, decoded[i], first[i])
			}
		}
	})
}

// compareTuples is the reference order: element by element, then length.
func compareTuples(first, second []Value) int {
	for i := range min(len(first), len(second)) {
		if order := first[i].Compare(second[i]); order != 0 {
			return sign(order)
		}
	}
	return sign(len(first) - len(second))
}

func TestDecodeKeyTupleRejectsGarbage(t *testing.T) {
	encoded := AppendKeyTuple(nil, Int(1), String("a"))
	if _, err := DecodeKeyTuple(append(encoded, 0xEE)); !errors.Is(err, ErrBadKey) {
		t.Fatalf("DecodeKeyTuple with a trailing bad tag: err = %v, want ErrBadKey", err)
	}
	if values, err := DecodeKeyTuple(nil); err != nil || len(values) != 0 {
		t.Fatalf("DecodeKeyTuple(nil) = %v, %v", values, err)
	}
}

// FuzzDecodeKey: arbitrary bytes never panic, and whatever decodes is
// canonical: re-encoding gives back exactly the bytes consumed.
func FuzzDecodeKey(f *testing.F) {
	for _, seed := range seedValues() {
		f.Add(AppendKey(nil, seed))
	}
	f.Add([]byte{0x05, 'a', 0x00})
	f.Add([]byte{0x09, 0x05, 'b', 0x00, 0x01, 0x01, 0x05, 'a', 0x00, 0x01, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, src []byte) {
		v, rest, err := DecodeKey(src)
		if err != nil {
			if !errors.Is(err, ErrBadKey) && !errors.Is(err, ErrNestingTooDeep) {
				t.Fatalf("DecodeKey error %v wraps neither ErrBadKey nor ErrNestingTooDeep", err)
			}
			return
		}
		consumed := src[:len(src)-len(rest)]
		if reencoded := AppendKey(nil, v); !bytes.Equal(reencoded, consumed) {
			t.Fatalf("DecodeKey(%x) = %v, which encodes as %x", consumed, v, reencoded)
		}
	})
}

// seedValues are the fuzz corpus seeds and benchmark inputs: one of each
// kind and a little nesting.
func seedValues() []Value {
	return []Value{
		Null(), Bool(true), Int(-1), Int(1 << 60), Float(-0.5), Float(0), String(""), String("a\x00b"),
		Bytes([]byte{0xff, 0x00}), List(), List(Int(1), List(String("x"))),
		Map(map[string]Value{"a": Int(1), "b": List(Null())}),
		DecimalValue(MakeDecimal(-150, 2)), DecimalValue(MakeDecimal(math.MinInt64, DecimalScaleMax)),
		TimestampValue(TimestampFromUnixMicros(1_796_205_600_250_000)), TimestampValue(TimestampFromUnixMicros(math.MinInt64)),
		UUIDValue(UUID{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}),
	}
}

func BenchmarkAppendKeyString(b *testing.B) {
	v := String("customer/000042/orders")
	var buffer []byte
	b.ReportAllocs()
	for b.Loop() {
		buffer = AppendKey(buffer[:0], v)
	}
}

func BenchmarkDecodeKeyString(b *testing.B) {
	encoded := AppendKey(nil, String("customer/000042/orders"))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeKey(encoded); err != nil {
			b.Fatal(err)
		}
	}
}
