package value

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestValueEncodingRoundTripWithSuffix(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGenerator(testDepthMax).Draw(t, "value")
		suffix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "suffix")
		encoded := Append(nil, v)
		got, rest, err := DecodePrefix(append(bytes.Clone(encoded), suffix...))
		if err != nil {
			t.Fatalf("DecodePrefix of %v: %v", v, err)
		}
		if !got.Equal(v) || !bytes.Equal(rest, suffix) {
			t.Fatalf("DecodePrefix gives %v rest %x, want %v rest %x", got, rest, v, suffix)
		}
		if len(suffix) > 0 {
			if _, err := Decode(append(encoded, suffix...)); !errors.Is(err, ErrBadEncoding) {
				t.Fatalf("Decode with %d trailing bytes: err = %v", len(suffix), err)
			}
		}
	})
}

// Canonical: two values have the same encoding exactly when they are equal.
func TestValueEncodingIsCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := valueGenerator(testDepthMax).Draw(t, "a")
		b := valueGenerator(testDepthMax).Draw(t, "b")
		if !bytes.Equal(Append(nil, a), Append(nil, rebuild(a))) {
			t.Fatalf("equal values %v encode differently", a)
		}
		sameBytes := bytes.Equal(Append(nil, a), Append(nil, b))
		if sameBytes != a.Equal(b) {
			t.Fatalf("%v and %v: same encoding %v, Equal %v", a, b, sameBytes, a.Equal(b))
		}
	})
}

func TestDecodeValueDoesNotAliasInput(t *testing.T) {
	encoded := Append(nil, List(Bytes([]byte("abc")), String("def")))
	v, err := Decode(encoded)
	if err != nil {
		t.Fatal(err)
	}
	for i := range encoded {
		encoded[i] = 0
	}
	if v.String() != `[0x616263, "def"]` {
		t.Fatalf("decoded value changed with its input: %v", v)
	}
}

func TestForgedCountsFailFast(t *testing.T) {
	forged := [][]byte{
		{valueTagList, 0xff, 0xff, 0xff, 0xff, 0x0f},                  // 4 billion elements, none present
		{valueTagMap, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // 2^49 entries
		{valueTagString, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	}
	for _, src := range forged {
		allocations := testing.AllocsPerRun(10, func() {
			if _, err := Decode(src); !errors.Is(err, ErrBadEncoding) {
				t.Fatalf("Decode(%x): err = %v, want ErrBadEncoding", src, err)
			}
		})
		if allocations > 10 {
			t.Errorf("Decode(%x) made %v allocations", src, allocations)
		}
	}
}

// FuzzDecodeValue: arbitrary bytes never panic, and whatever decodes is
// canonical: re-encoding gives back exactly the input.
func FuzzDecodeValue(f *testing.F) {
	for _, seed := range seedValues() {
		f.Add(Append(nil, seed))
	}
	f.Add([]byte{valueTagMap, 2, 1, 'b', valueTagNull, 1, 'a', valueTagNull})
	f.Add([]byte{valueTagInt, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, src []byte) {
		v, err := Decode(src)
		if err != nil {
			if !errors.Is(err, ErrBadEncoding) && !errors.Is(err, ErrNestingTooDeep) {
				t.Fatalf("Decode error %v wraps neither ErrBadEncoding nor ErrNestingTooDeep", err)
			}
			return
		}
		if reencoded := Append(nil, v); !bytes.Equal(reencoded, src) {
			t.Fatalf("Decode(%x) = %v, which encodes as %x", src, v, reencoded)
		}
	})
}

// smallMap is a typical stored row: a handful of scalar fields.
func smallMap() Value {
	return Map(map[string]Value{
		"id":      Int(42),
		"name":    String("Ada Lovelace"),
		"balance": Float(1234.5),
		"active":  Bool(true),
		"tags":    List(String("a"), String("b")),
	})
}

func BenchmarkAppendValueSmallMap(b *testing.B) {
	v := smallMap()
	var buffer []byte
	b.ReportAllocs()
	for b.Loop() {
		buffer = Append(buffer[:0], v)
	}
}

func BenchmarkDecodeValueSmallMap(b *testing.B) {
	encoded := Append(nil, smallMap())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(encoded); err != nil {
			b.Fatal(err)
		}
	}
}
