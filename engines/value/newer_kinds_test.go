package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// documentedKindOrder is the order of kinds as doc.go states it: the eight
// older kinds, then Decimal, Timestamp and UUID after Map.
var documentedKindOrder = []Kind{KindNull, KindBool, KindInt, KindFloat, KindString, KindBytes, KindList, KindMap, KindDecimal, KindTimestamp, KindUUID}

// meaningOrder is the reference order for values of the newer kinds,
// computed from what they mean rather than from Compare: decimals by
// exact rational value, then scale; timestamps by the instant the time
// package reads; UUIDs bytewise; values of different kinds by the
// documented order of kinds. Other same-kind pairs fall back to Compare,
// which value_test.go checks on its own.
func meaningOrder(a, b Value) int {
	if a.Kind() != b.Kind() {
		return sign(slices.Index(documentedKindOrder, a.Kind()) - slices.Index(documentedKindOrder, b.Kind()))
	}
	switch a.Kind() {
	case KindDecimal:
		first, _ := a.AsDecimal()
		second, _ := b.AsDecimal()
		if numeric := rational(first).Cmp(rational(second)); numeric != 0 {
			return numeric
		}
		return sign(first.Scale() - second.Scale())
	case KindTimestamp:
		first, _ := a.AsTimestamp()
		second, _ := b.AsTimestamp()
		return first.Time().Compare(second.Time())
	case KindUUID:
		first, _ := a.AsUUID()
		second, _ := b.AsUUID()
		return bytes.Compare(first[:], second[:])
	}
	return sign(a.Compare(b))
}

// newerKindGenerator draws a Decimal, Timestamp or UUID value, or now and
// then a value of another kind to order against.
func newerKindGenerator() *rapid.Generator[Value] {
	return rapid.OneOf(
		rapid.Map(decimalGenerator(), DecimalValue),
		rapid.Map(timestampGenerator(), TimestampValue),
		rapid.Map(uuidGenerator(), UUIDValue),
		valueGenerator(1),
	)
}

// Key order, tuple key order and Compare all agree with what the values
// mean, for arbitrary pairs and for neighbours (one unit, one byte or one
// rescale apart).
func TestNewerKindsOrderByMeaning(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := newerKindGenerator().Draw(t, "a")
		b := newerKindGenerator().Draw(t, "b")
		if rapid.Bool().Draw(t, "neighbours") {
			b = neighbour(t, a)
		}
		assertOrderByMeaning(t, a, b)
	})
}

func assertOrderByMeaning(t failer, a, b Value) {
	t.Helper()
	want := meaningOrder(a, b)
	if got := sign(a.Compare(b)); got != want {
		t.Fatalf("Compare(%v, %v) = %d, meaning says %d", a, b, got, want)
	}
	if got := bytes.Compare(AppendKey(nil, a), AppendKey(nil, b)); got != want {
		t.Fatalf("key order of %v and %v = %d, meaning says %d", a, b, got, want)
	}
	tail := String("tail")
	if got := bytes.Compare(AppendKeyTuple(nil, a, tail), AppendKeyTuple(nil, b, Null())); want != 0 && got != want {
		t.Fatalf("tuple key order of (%v, …) and (%v, …) = %d, meaning says %d", a, b, got, want)
	}
}

// newerKindsFromFuzz builds the three newer kinds from raw fuzz inputs,
// plus a list and a map holding them.
func newerKindsFromFuzz(unscaled int64, scale uint8, micros int64, uuidBytes []byte) []Value {
	var u UUID
	copy(u[:], uuidBytes)
	decimal := DecimalValue(MakeDecimal(unscaled, int(scale)%(DecimalScaleMax+1)))
	timestamp := TimestampValue(TimestampFromUnixMicros(micros))
	uuid := UUIDValue(u)
	return []Value{
		decimal, timestamp, uuid,
		List(decimal, timestamp, uuid),
		Map(map[string]Value{"d": decimal, "t": timestamp, "u": uuid}),
	}
}

// addNewerKindSeeds seeds a fuzz target taking (unscaled, scale, micros,
// uuid bytes, cut, flip) with the extremes of each kind.
func addNewerKindSeeds(f *testing.F) {
	uuid := []byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	f.Add(int64(150), uint8(2), int64(1_796_205_600_250_000), uuid, uint16(3), byte(0x80))
	f.Add(int64(math.MinInt64), uint8(DecimalScaleMax), int64(math.MinInt64), bytes.Repeat([]byte{0xff}, 16), uint16(0), byte(0x01))
	f.Add(int64(math.MaxInt64), uint8(0), int64(math.MaxInt64), []byte{}, uint16(40), byte(0xff))
	f.Add(int64(-5), uint8(1), int64(-1), []byte{0x00}, uint16(7), byte(0x00))
	f.Add(int64(0), uint8(19), int64(253_402_300_800_000_000), uuid[:8], uint16(12), byte(0x7f))
}

// FuzzNewerKindsRoundTrip: decimals, timestamps and UUIDs (alone, in a
// list and in a map) round-trip exactly through the key encoding, the
// value encoding, text and JSON. Every strict prefix of each encoding is
// rejected with that encoding's error, and an encoding with one byte
// changed either is rejected or decodes to a value whose own encoding is
// those bytes; nothing panics.
func FuzzNewerKindsRoundTrip(f *testing.F) {
	addNewerKindSeeds(f)
	f.Fuzz(func(t *testing.T, unscaled int64, scale uint8, micros int64, uuidBytes []byte, cut uint16, flip byte) {
		for _, v := range newerKindsFromFuzz(unscaled, scale, micros, uuidBytes) {
			assertRoundTrips(t, v) // Equal tells 1.5 from 1.50: scales survive
			for _, representation := range representations() {
				encoded := representation.encode(t, v)
				at := int(cut) % len(encoded)
				representation.assertRejects(t, encoded[:at], ErrNestingTooDeep)
				changed := bytes.Clone(encoded)
				changed[at] ^= flip
				representation.assertCanonicalOrRejected(t, changed)
			}
		}
	})
}

// representation is one of the four encodings, as bytes.
type representation struct {
	name   string
	err    error
	encode func(t *testing.T, v Value) []byte
	decode func(src []byte) (Value, error)
}

func representations() []representation {
	return []representation{
		{"key encoding", ErrBadKey, func(_ *testing.T, v Value) []byte { return AppendKey(nil, v) }, decodeWholeKey},
		{"value encoding", ErrBadEncoding, func(_ *testing.T, v Value) []byte { return Append(nil, v) }, Decode},
		{"text", ErrBadText, func(_ *testing.T, v Value) []byte { return []byte(v.String()) },
			func(src []byte) (Value, error) { return Parse(string(src)) }},
		{"JSON", ErrBadJSON, func(t *testing.T, v Value) []byte {
			encoded, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal(%v): %v", v, err)
			}
			return encoded
		}, func(src []byte) (Value, error) {
			var v Value
			err := v.UnmarshalJSON(src)
			return v, err
		}},
	}
}

// decodeWholeKey decodes one key encoding that must fill src.
func decodeWholeKey(src []byte) (Value, error) {
	v, rest, err := DecodeKey(src)
	if err == nil && len(rest) > 0 {
		return Value{}, ErrBadKey
	}
	return v, err
}

// assertRejects checks that src, a strict prefix of an encoding, does not
// decode, and fails with the representation's error (or also).
func (r representation) assertRejects(t *testing.T, src []byte, also error) {
	t.Helper()
	v, err := r.decode(src)
	if err == nil {
		t.Fatalf("%s: the strict prefix %q decodes, to %v", r.name, src, v)
	}
	if !errors.Is(err, r.err) && !errors.Is(err, also) {
		t.Fatalf("%s: decoding %q: error %v does not wrap %v", r.name, src, err, r.err)
	}
}

// assertCanonicalOrRejected checks that src either fails with the
// representation's error or decodes to a value that round-trips.
func (r representation) assertCanonicalOrRejected(t *testing.T, src []byte) {
	t.Helper()
	v, err := r.decode(src)
	if err != nil {
		if !errors.Is(err, r.err) && !errors.Is(err, ErrNestingTooDeep) {
			t.Fatalf("%s: decoding %q: error %v does not wrap %v", r.name, src, err, r.err)
		}
		return
	}
	again, err := r.decode(r.encode(t, v))
	if err != nil || !again.Equal(v) {
		t.Fatalf("%s: %q decodes to %v, which does not round-trip (%v, %v)", r.name, src, v, again, err)
	}
}

// FuzzNewerKindsOrder: for two fuzzed values of each newer kind, Compare,
// key order and tuple key order agree with what the values mean.
func FuzzNewerKindsOrder(f *testing.F) {
	f.Add(int64(15), uint8(1), int64(150), uint8(2), int64(-1), int64(0), []byte{0x01}, []byte{0x01, 0x00})
	f.Add(int64(math.MinInt64), uint8(18), int64(-1), uint8(0), int64(math.MinInt64), int64(math.MaxInt64), []byte{}, bytes.Repeat([]byte{0xff}, 16))
	f.Add(int64(math.MaxInt64), uint8(0), int64(math.MaxInt64), uint8(18), int64(5), int64(5), []byte{0xff}, []byte{0xfe, 0xff})
	f.Add(int64(-10), uint8(1), int64(-1), uint8(0), int64(1), int64(-1), []byte{0x00, 0x01}, []byte{0x00, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, unscaledA int64, scaleA uint8, unscaledB int64, scaleB uint8, microsA, microsB int64, uuidA, uuidB []byte) {
		first := newerKindsFromFuzz(unscaledA, scaleA, microsA, uuidA)
		second := newerKindsFromFuzz(unscaledB, scaleB, microsB, uuidB)
		for i := range 3 {
			for j := range 3 {
				assertOrderByMeaning(t, first[i], second[j])
			}
		}
		sorted := append(first[:3:3], second[:3]...)
		slices.SortFunc(sorted, func(a, b Value) int {
			return bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))
		})
		if !slices.IsSortedFunc(sorted, meaningOrder) {
			t.Fatalf("sorted by key encoding, %v is not in order of meaning", sorted)
		}
	})
}
