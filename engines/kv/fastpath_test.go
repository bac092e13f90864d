package kv

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
	"pgregory.net/rapid"
)

// The engine reads Get, Put and Delete through decodePointOperation, which
// picks the encoding apart with engines.AppendListElements and
// engines.EncodedText instead of building a Value list, and falls back to
// DecodeOperation on anything else. These properties check the fast path
// against DecodeOperation (the reference): on valid operations of every
// kind and on corrupted ones, whenever the fast path accepts, the
// reference accepts with the same meaning.

// testValue draws a value of any kind, nested a few levels.
func testValue(depth int) *rapid.Generator[value.Value] {
	return rapid.Custom(func(t *rapid.T) value.Value {
		kindsMax := 9
		if depth == 0 {
			kindsMax = 6 // no lists or maps
		}
		switch rapid.IntRange(0, kindsMax).Draw(t, "kind") {
		case 0:
			return value.Null()
		case 1:
			return value.Bool(rapid.Bool().Draw(t, "bool"))
		case 2:
			return value.Int(rapid.Int64().Draw(t, "int"))
		case 3:
			return value.Float(rapid.Float64().Draw(t, "float"))
		case 4, 5:
			return value.String(rapid.SampledFrom([]string{"", "a", "b", "ab", "put"}).Draw(t, "string"))
		case 6:
			return value.Bytes(rapid.SliceOfN(rapid.Byte(), 0, 6).Draw(t, "bytes"))
		case 7:
			return value.List(rapid.SliceOfN(testValue(depth-1), 0, 3).Draw(t, "list")...)
		default:
			return value.Map(rapid.MapOfN(rapid.SampledFrom([]string{"a", "b", "c", "bb"}), testValue(depth-1), 0, 3).Draw(t, "map"))
		}
	})
}

// testOperationBytes draws an encoded operation: a valid one of any kind,
// a list shaped like one with elements of other kinds, or either with a
// few bytes nudged (by ±1 or to a small tag-like value), cut off or
// appended.
func testOperationBytes(t *rapid.T) []byte {
	key := rapid.StringN(0, 6, -1).Draw(t, "key")
	kind := OperationKind(rapid.IntRange(int(OperationGet), int(operationKindEnd)-1).Draw(t, "operation"))
	operation := Operation{Kind: kind, Key: key, Start: key, End: key + "z", Prefix: key,
		Value: testValue(2).Draw(t, "value"), Limit: rapid.IntRange(0, 3).Draw(t, "limit")}
	data := operation.Encode()
	if rapid.Bool().Draw(t, "shaped") {
		name := rapid.SampledFrom([]value.Value{value.String("get"), value.String("put"),
			value.String("delete"), value.String("scan"), value.Bytes([]byte("put")), value.Int(1)}).Draw(t, "name")
		keyValue := rapid.SampledFrom([]value.Value{value.Bytes([]byte(key)), value.String(key), value.Null()}).Draw(t, "key value")
		elements := []value.Value{name, keyValue, testValue(2).Draw(t, "element"), testValue(1).Draw(t, "element")}
		data = value.Append(nil, value.List(elements[:rapid.IntRange(0, 4).Draw(t, "elements")]...))
	}
	return enginetest.Damage(t, data)
}

func TestPointOperationAgreesWithDecodeOperation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := testOperationBytes(t)
		reference, referenceErr := DecodeOperation(data)
		point, ok := decodePointOperation(data)
		if !ok {
			if referenceErr == nil && isPoint(reference.Kind) {
				t.Fatalf("fast path refused the valid %v (%x)", reference, data)
			}
			return
		}
		if referenceErr != nil {
			t.Fatalf("fast path accepted %x, which DecodeOperation refuses: %v", data, referenceErr)
		}
		if point.kind != reference.Kind || string(point.key) != reference.Key {
			t.Fatalf("fast path read %v %q, DecodeOperation %v", point.kind, point.key, reference)
		}
		if point.kind == OperationPut && !bytes.Equal(point.value, value.Append(nil, reference.Value)) {
			t.Fatalf("put value %x, DecodeOperation's encodes to %x", point.value, value.Append(nil, reference.Value))
		}
	})
}

func isPoint(kind OperationKind) bool {
	return kind == OperationGet || kind == OperationPut || kind == OperationDelete
}

// TestListElementsAgreeWithDecodeValue: AppendListElements accepts exactly
// the lists DecodeValue accepts, and splits them into the encodings of
// their elements.
func TestListElementsAgreeWithDecodeValue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := testOperationBytes(t)
		decoded, decodeErr := value.Decode(data)
		elements, err := value.AppendListElements(nil, data)
		isList := decodeErr == nil && decoded.Kind() == value.KindList
		if (err == nil) != isList {
			t.Fatalf("%x: AppendListElements error %v, DecodeValue %v error %v", data, err, decoded, decodeErr)
		}
		if err != nil {
			return
		}
		if len(elements) != decoded.Len() {
			t.Fatalf("%x: %d elements, DecodeValue %d", data, len(elements), decoded.Len())
		}
		for index, element := range elements {
			if want := value.Append(nil, decoded.Index(index)); !bytes.Equal(element, want) {
				t.Fatalf("%x: element %d is %x, want %x", data, index, element, want)
			}
			kind, text, ok := value.EncodedText(element)
			wantKind := decoded.Index(index).Kind()
			wantText, isText := decoded.Index(index).AsString()
			if raw, isBytes := decoded.Index(index).AsBytes(); isBytes {
				wantText, isText = string(raw), true
			}
			if ok != isText || (ok && (kind != wantKind || string(text) != wantText)) {
				t.Fatalf("%x: EncodedText of element %d = %v %q %v, want %v %q %v", data, index, kind, text, ok, wantKind, wantText, isText)
			}
		}
	})
}

// TestKeySetAgreesWithMap checks keySet against a map.
func TestKeySetAgreesWithMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var set keySet
		model := map[string]struct{}{}
		key := rapid.SampledFrom([]string{"a", "b", "c", ""})
		for range rapid.IntRange(0, 20).Draw(t, "steps") {
			k := key.Draw(t, "key")
			if rapid.Bool().Draw(t, "add") {
				set.add(k)
				model[k] = struct{}{}
			} else {
				set.remove(k)
				delete(model, k)
			}
			if set.len() != len(model) {
				t.Fatalf("len %d, want %d", set.len(), len(model))
			}
			for _, probe := range []string{"a", "b", "c", ""} {
				if _, want := model[probe]; set.has(probe) != want {
					t.Fatalf("has(%q) = %v, want %v", probe, set.has(probe), want)
				}
			}
			want := slices.Sorted(maps.Keys(model))
			if got := set.sorted(); !slices.Equal(got, want) {
				t.Fatalf("sorted %q, want %q", got, want)
			}
			var visited []string
			set.each(func(k string) { visited = append(visited, k) })
			slices.Sort(visited)
			if !slices.Equal(visited, want) {
				t.Fatalf("each visited %q, want %q", visited, want)
			}
		}
	})
}

// TestListElementsEdgeCases: inputs random bytes rarely reach. A map
// whose keys are out of order, and lists nested one level too deep, are
// refused by both; the deepest allowed nesting is accepted by both.
func TestListElementsEdgeCases(t *testing.T) {
	ordered := value.Append(nil, value.List(value.Map(map[string]value.Value{"a": value.Int(1), "b": value.Int(2)})))
	swapped := bytes.Clone(ordered)
	first, second := bytes.IndexByte(swapped, 'a'), bytes.IndexByte(swapped, 'b')
	swapped[first], swapped[second] = 'b', 'a'
	// listPrefix + x is the encoding of [x] when x is one encoding.
	listPrefix := value.Append(nil, value.List(value.Null()))
	listPrefix = listPrefix[:len(listPrefix)-1]
	deepest := value.Append(nil, value.Null())
	for range value.NestingDepthMax {
		deepest = append(bytes.Clone(listPrefix), deepest...)
	}
	tooDeep := append(bytes.Clone(listPrefix), deepest...)
	for _, test := range []struct {
		name  string
		data  []byte
		valid bool
	}{
		{"ordered map keys", ordered, true},
		{"map keys out of order", swapped, false},
		{"deepest nesting", deepest, true},
		{"nesting one too deep", tooDeep, false},
	} {
		_, decodeErr := value.Decode(test.data)
		_, err := value.AppendListElements(nil, test.data)
		if (decodeErr == nil) != test.valid || (err == nil) != test.valid {
			t.Errorf("%s: DecodeValue error %v, AppendListElements error %v, want valid %v", test.name, decodeErr, err, test.valid)
		}
	}
}
