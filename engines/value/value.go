package value

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind names the type of a Value. The numeric order of kinds is the first
// criterion of Value.Compare: Null < Bool < Int < Float < String < Bytes <
// List < Map < Decimal < Timestamp < UUID. Decimal, Timestamp and UUID came
// later and sort last, so the key encodings of the first eight kinds stay
// what they were.
type Kind uint8

// The kinds of Value, in Compare order.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindBytes
	KindList
	KindMap
	KindDecimal
	KindTimestamp
	KindUUID
)

// kindCount is the number of kinds; every valid Kind is below it.
const kindCount = 11

var kindNames = [kindCount]string{"null", "bool", "int", "float", "string", "bytes", "list", "map", "decimal", "timestamp", "uuid"}

// String returns the kind's lower-case name, e.g. "int".
func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// NestingDepthMax is the deepest nesting of lists and maps a Value may have.
// A scalar has depth 0, [1] has depth 1, [[1]] has depth 2. Decoders and
// Parse reject deeper input with ErrNestingTooDeep; List and Map panic.
const NestingDepthMax = 64

// ErrDuplicateKey reports a map built with the same key twice.
var ErrDuplicateKey = errors.New("value: duplicate map key")

// ErrNestingTooDeep reports a value nested deeper than NestingDepthMax.
var ErrNestingTooDeep = errors.New("value: nested too deeply")

// canonicalNaNBits is the one NaN a Value holds. Float maps every NaN to it,
// so bitwise equality makes NaN equal to NaN and Compare can place it above
// +Inf.
const canonicalNaNBits uint64 = 0x7FF8000000000000

// MapEntry is one key and its value in a Map.
type MapEntry struct {
	Key   string
	Value Value
}

// Value is an immutable, dynamically typed datum: what engines store, what
// operations carry, what histories record. The zero Value is Null. A Value
// is small and cheap to copy; scalars hold no pointers. Values are safe to
// share: no constructor keeps a caller's slice or byte buffer, and no
// accessor hands out internal memory.
type Value struct {
	kind Kind
	// scale holds a Decimal's scale.
	// Invariant: scale is at most DecimalScaleMax, and 0 unless a Decimal.
	scale uint8
	// bits holds Bool as 0 or 1, Int as its two's-complement bits, Float as
	// its IEEE 754 bits, List or Map as its nesting depth, Decimal as its
	// unscaled value and Timestamp as its microseconds since the epoch.
	// Invariant: a Float NaN is canonicalNaNBits.
	// Invariant: a List or Map depth is at most NestingDepthMax.
	bits uint64
	// text holds the contents of a String or Bytes, and a UUID's 16 bytes.
	text string
	// items holds a List's elements, or a Map's keys (as String values) and
	// values alternately.
	// Invariant: a Map's keys are strictly increasing.
	items []Value
}

// Null returns the null value (the zero Value).
func Null() Value { return Value{} }

// Bool returns a Bool value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, bits: 1}
	}
	return Value{kind: KindBool}
}

// Int returns an Int value.
func Int(i int64) Value { return Value{kind: KindInt, bits: uint64(i)} }

// Float returns a Float value. Every NaN becomes the same canonical NaN.
func Float(f float64) Value {
	if math.IsNaN(f) {
		return Value{kind: KindFloat, bits: canonicalNaNBits}
	}
	return Value{kind: KindFloat, bits: math.Float64bits(f)}
}

// floatFromBits returns a Float value, or false if bits are a NaN other than
// the canonical one (decoders accept one encoding per value).
func floatFromBits(bits uint64) (Value, bool) {
	if math.IsNaN(math.Float64frombits(bits)) && bits != canonicalNaNBits {
		return Value{}, false
	}
	return Value{kind: KindFloat, bits: bits}, true
}

// String returns a String value. Strings are arbitrary bytes; they need not
// be valid UTF-8.
func String(s string) Value { return Value{kind: KindString, text: s} }

// Bytes returns a Bytes value holding a copy of b.
func Bytes(b []byte) Value { return Value{kind: KindBytes, text: string(b)} }

// DecimalValue returns a Decimal value.
func DecimalValue(d Decimal) Value {
	return Value{kind: KindDecimal, scale: d.scale, bits: uint64(d.unscaled)}
}

// TimestampValue returns a Timestamp value.
func TimestampValue(t Timestamp) Value { return Value{kind: KindTimestamp, bits: uint64(t.micros)} }

// UUIDValue returns a UUID value.
func UUIDValue(u UUID) Value { return Value{kind: KindUUID, text: string(u[:])} }

// List returns a List value holding a copy of elements.
//
// Requires: the result nests at most NestingDepthMax deep (panics otherwise).
func List(elements ...Value) Value {
	return makeList(slices.Clone(elements))
}

// makeList wraps items, which the caller hands over, as a List.
func makeList(items []Value) Value {
	depth := 1 + itemsDepth(items)
	if depth > NestingDepthMax {
		panic(fmt.Sprintf("value: List nested %d deep, beyond NestingDepthMax", depth))
	}
	return Value{kind: KindList, bits: depth, items: items}
}

// Map returns a Map value holding the entries of m, stored sorted by key.
//
// Requires: the result nests at most NestingDepthMax deep (panics otherwise).
func Map(m map[string]Value) Value {
	items := make([]Value, 0, 2*len(m))
	for _, key := range slices.Sorted(maps.Keys(m)) {
		items = append(items, String(key), m[key])
	}
	value, err := makeMap(items)
	if err != nil {
		panic(fmt.Sprintf("value: Map: %v", err))
	}
	return value
}

// MapFromEntries returns a Map value holding entries, in any order. It
// returns ErrDuplicateKey if a key appears twice and ErrNestingTooDeep if the
// result would nest deeper than NestingDepthMax.
func MapFromEntries(entries []MapEntry) (Value, error) {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b MapEntry) int { return strings.Compare(a.Key, b.Key) })
	items := make([]Value, 0, 2*len(sorted))
	for i, entry := range sorted {
		if i > 0 && sorted[i-1].Key == entry.Key {
			return Value{}, fmt.Errorf("%w %q", ErrDuplicateKey, entry.Key)
		}
		items = append(items, String(entry.Key), entry.Value)
	}
	return makeMap(items)
}

// makeMap wraps items, which the caller hands over, as a Map.
//
// Requires: items alternate String keys and values, keys strictly increasing.
func makeMap(items []Value) (Value, error) {
	depth := 1 + itemsDepth(items)
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: map nested %d deep, limit %d", ErrNestingTooDeep, depth, NestingDepthMax)
	}
	return Value{kind: KindMap, bits: depth, items: items}, nil
}

// itemsDepth returns the deepest nesting among items.
func itemsDepth(items []Value) uint64 {
	var depth uint64
	for _, item := range items {
		depth = max(depth, item.depth())
	}
	return depth
}

// depth returns v's nesting depth: 0 for scalars.
func (v Value) depth() uint64 {
	if v.kind == KindList || v.kind == KindMap {
		return v.bits
	}
	return 0
}

// Kind returns v's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is Null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsBool returns v's boolean and true, or false, false if v is not a Bool.
func (v Value) AsBool() (bool, bool) {
	if v.kind != KindBool {
		return false, false
	}
	return v.bits == 1, true
}

// AsInt returns v's integer and true, or 0, false if v is not an Int.
func (v Value) AsInt() (int64, bool) {
	if v.kind != KindInt {
		return 0, false
	}
	return int64(v.bits), true
}

// AsFloat returns v's float and true, or 0, false if v is not a Float.
func (v Value) AsFloat() (float64, bool) {
	if v.kind != KindFloat {
		return 0, false
	}
	return math.Float64frombits(v.bits), true
}

// AsString returns v's string and true, or "", false if v is not a String.
func (v Value) AsString() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.text, true
}

// AsBytes returns a copy of v's bytes and true, or nil, false if v is not
// Bytes. An empty Bytes value gives a non-nil empty slice.
func (v Value) AsBytes() ([]byte, bool) {
	if v.kind != KindBytes {
		return nil, false
	}
	return []byte(v.text), true
}

// AsDecimal returns v's decimal and true, or 0, false if v is not a
// Decimal.
func (v Value) AsDecimal() (Decimal, bool) {
	if v.kind != KindDecimal {
		return Decimal{}, false
	}
	return v.decimal(), true
}

// decimal returns a Decimal value's Decimal.
func (v Value) decimal() Decimal { return Decimal{unscaled: int64(v.bits), scale: v.scale} }

// AsTimestamp returns v's timestamp and true, or the epoch, false if v is
// not a Timestamp.
func (v Value) AsTimestamp() (Timestamp, bool) {
	if v.kind != KindTimestamp {
		return Timestamp{}, false
	}
	return Timestamp{micros: int64(v.bits)}, true
}

// AsUUID returns v's UUID and true, or the zero UUID, false if v is not a
// UUID.
func (v Value) AsUUID() (UUID, bool) {
	if v.kind != KindUUID {
		return UUID{}, false
	}
	return UUID([]byte(v.text)), true
}

// Len returns the number of elements of a List or entries of a Map, and 0
// for every other kind.
func (v Value) Len() int {
	switch v.kind {
	case KindList:
		return len(v.items)
	case KindMap:
		return len(v.items) / 2
	}
	return 0
}

// Index returns element i of a List.
//
// Requires: v is a List and 0 <= i < v.Len() (panics otherwise).
func (v Value) Index(i int) Value {
	if v.kind != KindList {
		panic("value: Index of a " + v.kind.String() + ", not a list")
	}
	return v.items[i]
}

// MapGet returns the value stored under key and true, or Null, false if v
// is not a Map or has no such key.
func (v Value) MapGet(key string) (Value, bool) {
	if v.kind != KindMap {
		return Value{}, false
	}
	entryCount := len(v.items) / 2
	low, high := 0, entryCount // binary search over entries for the first key >= key
	for low < high {
		middle := int(uint(low+high) >> 1)
		if v.items[2*middle].text < key {
			low = middle + 1
		} else {
			high = middle
		}
	}
	if low < entryCount && v.items[2*low].text == key {
		return v.items[2*low+1], true
	}
	return Value{}, false
}

// MapEntries returns a fresh slice of a Map's entries sorted by key, or nil
// if v is not a Map.
func (v Value) MapEntries() []MapEntry {
	if v.kind != KindMap {
		return nil
	}
	entries := make([]MapEntry, 0, len(v.items)/2)
	for i := 0; i < len(v.items); i += 2 {
		entries = append(entries, MapEntry{Key: v.items[i].text, Value: v.items[i+1]})
	}
	return entries
}

// Equal reports whether v and other are the same value: same kind, and
// deeply equal contents. Floats compare by bits, so NaN equals NaN and -0
// differs from +0, and Decimals by value and scale, so 1.5 differs from
// 1.50. Equal(other) is exactly Compare(other) == 0.
func (v Value) Equal(other Value) bool {
	if v.kind != other.kind || v.bits != other.bits || v.text != other.text || v.scale != other.scale {
		return false
	}
	if len(v.items) != len(other.items) {
		return false
	}
	for i := range v.items {
		if !v.items[i].Equal(other.items[i]) {
			return false
		}
	}
	return true
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after other, in
// a total order over all values:
//
//   - values of different kinds order by kind: Null < Bool < Int < Float <
//     String < Bytes < List < Map < Decimal < Timestamp < UUID; in
//     particular numbers do not compare across Int, Float and Decimal
//     (Int(5) sorts before Float(1));
//   - false < true; ints numerically;
//   - floats numerically, with -Inf lowest, -0 just before +0, and NaN
//     (equal to itself) above +Inf;
//   - strings and bytes bytewise, a prefix before its extensions;
//   - lists lexicographically by element, a prefix before its extensions;
//   - maps lexicographically over their entries sorted by key, comparing an
//     entry's key first (bytewise) and then its value;
//   - decimals numerically, and numerically equal ones by scale, the
//     smaller first (1.5 < 1.50 < 1.51: see Decimal.Compare);
//   - timestamps by instant; UUIDs bytewise.
//
// AppendKey encodes values so that bytes.Compare gives the same order.
func (v Value) Compare(other Value) int {
	if v.kind != other.kind {
		return cmp.Compare(v.kind, other.kind)
	}
	switch v.kind {
	case KindBool:
		return cmp.Compare(v.bits, other.bits)
	case KindInt:
		return cmp.Compare(int64(v.bits), int64(other.bits))
	case KindFloat:
		return cmp.Compare(floatOrderBits(v.bits), floatOrderBits(other.bits))
	case KindString, KindBytes, KindUUID:
		return strings.Compare(v.text, other.text)
	case KindList, KindMap:
		return compareItems(v.items, other.items)
	case KindDecimal:
		return v.decimal().Compare(other.decimal())
	case KindTimestamp:
		return cmp.Compare(int64(v.bits), int64(other.bits))
	}
	return 0
}

// compareItems orders item sequences lexicographically. A Map's items
// alternate key and value, so this orders maps entry by entry.
func compareItems(items, otherItems []Value) int {
	for i := range min(len(items), len(otherItems)) {
		if order := items[i].Compare(otherItems[i]); order != 0 {
			return order
		}
	}
	return cmp.Compare(len(items), len(otherItems))
}

// floatOrderBits maps IEEE 754 bits to an unsigned integer with the same
// total order as Compare: negative floats have all bits flipped (so larger
// magnitudes sort lower), non-negative ones only the sign bit (so they sort
// above every negative). The canonical NaN is positive and lands above +Inf.
func floatOrderBits(bits uint64) uint64 {
	if bits&(1<<63) != 0 {
		return ^bits
	}
	return bits | 1<<63
}

// floatBitsFromOrder inverts floatOrderBits.
func floatBitsFromOrder(orderBits uint64) uint64 {
	if orderBits&(1<<63) != 0 {
		return orderBits &^ (1 << 63)
	}
	return ^orderBits
}
