package sql

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/proven2pc/proven/engines/value"
)

// Type is a SQL type. TypeNull is the type of an untyped NULL.
type Type uint8

const (
	TypeNull Type = iota
	TypeBool
	TypeInt
	TypeFloat
	TypeDecimal
	TypeText
	TypeBytes
	TypeDate
	TypeTimestamp
	TypeUUID
)

var typeNames = [...]string{TypeNull: "NULL", TypeBool: "BOOLEAN", TypeInt: "BIGINT", TypeFloat: "DOUBLE",
	TypeDecimal: "DECIMAL", TypeText: "TEXT", TypeBytes: "BYTEA", TypeDate: "DATE", TypeTimestamp: "TIMESTAMP", TypeUUID: "UUID"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Value is one SQL value. The zero Value is NULL.
//
// DECIMAL, TIMESTAMP and UUID values are the value package's Decimal,
// Timestamp and UUID (the kinds KV, Queue and histories store), held
// unpacked: Decimal and AsDecimal and their kin convert at no cost.
//
// Representation by type: Bool, Int, Date (days since 1970-01-01) and
// Timestamp (value.Timestamp's microseconds since 1970-01-01 00:00:00
// UTC) use integer; Decimal uses integer and scale as value.Decimal's
// unscaled value and scale; Float keeps its IEEE 754 bits in integer (so
// a Value is 32 bytes); Text, Bytes and UUID (value.UUID's 16 bytes) use
// text.
type Value struct {
	typ     Type
	scale   uint8
	integer int64
	text    string
}

// floatValue is a Float's value.
func (v Value) floatValue() float64 { return math.Float64frombits(uint64(v.integer)) }

// Constructors.
func Null() Value           { return Value{} }
func Bool(b bool) Value     { return Value{typ: TypeBool, integer: boolInt(b)} }
func Int(i int64) Value     { return Value{typ: TypeInt, integer: i} }
func Float(f float64) Value { return Value{typ: TypeFloat, integer: int64(math.Float64bits(f))} }
func Text(s string) Value   { return Value{typ: TypeText, text: s} }
func Blob(b []byte) Value   { return Value{typ: TypeBytes, text: string(b)} }
func Date(days int64) Value { return Value{typ: TypeDate, integer: days} }

// Decimal returns a DECIMAL value.
func Decimal(d value.Decimal) Value {
	return Value{typ: TypeDecimal, integer: d.Unscaled(), scale: uint8(d.Scale())}
}

// Timestamp returns a TIMESTAMP value.
func Timestamp(t value.Timestamp) Value { return Value{typ: TypeTimestamp, integer: t.UnixMicros()} }

// UUID returns a UUID value.
func UUID(u value.UUID) Value { return Value{typ: TypeUUID, text: string(u[:])} }

// timestampMicros returns a TIMESTAMP value micros after the epoch.
func timestampMicros(micros int64) Value { return Timestamp(value.TimestampFromUnixMicros(micros)) }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Type returns the value's type (TypeNull for NULL).
func (v Value) Type() Type { return v.typ }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.typ == TypeNull }

// AsBool returns the boolean of a BOOLEAN value.
func (v Value) AsBool() bool { return v.integer != 0 }

// AsInt returns the integer of a BIGINT value.
func (v Value) AsInt() int64 { return v.integer }

// AsDecimal returns the decimal of a DECIMAL value (or, of a BIGINT
// value, its integer as a decimal of scale 0).
func (v Value) AsDecimal() value.Decimal { return value.MakeDecimal(v.integer, int(v.scale)) }

// AsTimestamp returns the instant of a TIMESTAMP value.
func (v Value) AsTimestamp() value.Timestamp { return value.TimestampFromUnixMicros(v.integer) }

// AsUUID returns the UUID of a UUID value.
func (v Value) AsUUID() value.UUID { return value.UUID([]byte(v.text)) }

func (v Value) isNumeric() bool {
	return v.typ == TypeInt || v.typ == TypeFloat || v.typ == TypeDecimal
}

// toFloat converts a numeric value to float64.
func (v Value) toFloat() float64 {
	switch v.typ {
	case TypeInt:
		return float64(v.integer)
	case TypeDecimal:
		return float64(v.integer) / math.Pow10(int(v.scale))
	}
	return v.floatValue()
}

// String prints v as SQL results show it: NULL, true/false, numbers,
// text as is, bytes in hex, dates and timestamps in ISO form.
func (v Value) String() string {
	switch v.typ {
	case TypeNull:
		return "NULL"
	case TypeBool:
		return strconv.FormatBool(v.AsBool())
	case TypeInt:
		return strconv.FormatInt(v.integer, 10)
	case TypeFloat:
		return formatFloat(v.floatValue())
	case TypeDecimal:
		return v.AsDecimal().String()
	case TypeText:
		return v.text
	case TypeBytes:
		return `\x` + hex.EncodeToString([]byte(v.text))
	case TypeDate:
		return time.Unix(v.integer*86400, 0).UTC().Format("2006-01-02")
	case TypeTimestamp:
		return formatTimestamp(v.integer)
	case TypeUUID:
		return v.AsUUID().String()
	}
	return "?"
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatTimestamp writes a TIMESTAMP as SQL shows it: a space between
// date and time, the fraction only when there is one.
func formatTimestamp(micros int64) string {
	t := value.TimestampFromUnixMicros(micros).Time()
	if micros%1_000_000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

// compareValues orders two non-NULL values of comparable types; ok is
// false when the types cannot be compared.
func compareValues(a, b Value) (result int, ok bool) {
	if a.isNumeric() && b.isNumeric() {
		return compareNumeric(a, b), true
	}
	if a.typ != b.typ {
		converted, err := coerceForComparison(a, b)
		if err != nil {
			return 0, false
		}
		a, b = converted[0], converted[1]
	}
	switch a.typ {
	case TypeBool, TypeDate, TypeTimestamp:
		return cmp.Compare(a.integer, b.integer), true
	case TypeText, TypeUUID:
		return strings.Compare(a.text, b.text), true
	case TypeBytes:
		return bytes.Compare([]byte(a.text), []byte(b.text)), true
	}
	return 0, false
}

// coerceForComparison casts a text literal to the other side's type, so
// that date_column < '2024-01-01' works.
func coerceForComparison(a, b Value) ([2]Value, error) {
	switch {
	case a.typ == TypeText:
		converted, err := castValue(a, columnType{Type: b.typ})
		return [2]Value{converted, b}, err
	case b.typ == TypeText:
		converted, err := castValue(b, columnType{Type: a.typ})
		return [2]Value{a, converted}, err
	}
	return [2]Value{}, fmt.Errorf("%w: cannot compare %s with %s", ErrType, a.typ, b.typ)
}

// compareNumeric orders numbers: through float64 when either is DOUBLE,
// exactly otherwise (a BIGINT is a DECIMAL of scale 0).
func compareNumeric(a, b Value) int {
	if a.typ == TypeFloat || b.typ == TypeFloat {
		return cmp.Compare(a.toFloat(), b.toFloat())
	}
	if a.typ == TypeInt && b.typ == TypeInt {
		return cmp.Compare(a.integer, b.integer)
	}
	return a.AsDecimal().CompareNumeric(b.AsDecimal())
}

// alignDecimals returns the unscaled values of a and b, numbers but not
// DOUBLE, at their larger scale; ok is false on overflow.
func alignDecimals(a, b Value) (int64, int64, bool) {
	scale := int(max(a.scale, b.scale))
	alignedA, okA := a.AsDecimal().Rescale(scale)
	alignedB, okB := b.AsDecimal().Rescale(scale)
	return alignedA.Unscaled(), alignedB.Unscaled(), okA && okB
}

// sortCompare is a total order over all values for ORDER BY, DISTINCT
// and grouping: NULL first, then by comparison, then by type.
func sortCompare(a, b Value) int {
	if a.IsNull() || b.IsNull() {
		return cmp.Compare(boolInt(!a.IsNull()), boolInt(!b.IsNull()))
	}
	if result, ok := compareValues(a, b); ok {
		return result
	}
	return cmp.Compare(a.typ, b.typ)
}

// groupKey returns a string identifying v for grouping and DISTINCT:
// equal values (1 and 1.0 included) get equal keys.
func groupKey(v Value) string { return string(appendGroupKey(nil, v)) }

// appendGroupKey appends groupKey(v) to dst, so that hot loops can look
// keys up in maps without allocating.
func appendGroupKey(dst []byte, v Value) []byte {
	switch v.typ {
	case TypeNull:
		return append(dst, 'n')
	case TypeInt, TypeFloat, TypeDecimal:
		f := v.toFloat()
		if v.typ == TypeInt {
			return strconv.AppendInt(append(dst, 'i'), v.integer, 10)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return strconv.AppendInt(append(dst, 'i'), int64(f), 10)
		}
		return strconv.AppendFloat(append(dst, 'f'), f, 'g', -1, 64)
	}
	dst = append(strconv.AppendInt(dst, int64(v.typ), 10), v.text...)
	return strconv.AppendInt(append(dst, '/'), v.integer, 10)
}

func rowKey(values []Value) string { return string(appendRowKey(nil, values)) }

// appendRowKey appends rowKey(values) to dst: each value's group key,
// prefixed with its length and a colon.
func appendRowKey(dst []byte, values []Value) []byte {
	for _, v := range values {
		lengthAt := len(dst)
		dst = appendGroupKey(dst, v)
		length := len(dst) - lengthAt
		// Put the decimal length in front of the key just appended.
		var prefixBuffer [24]byte
		prefix := strconv.AppendInt(prefixBuffer[:0], int64(length), 10)
		prefix = append(prefix, ':')
		dst = append(dst, prefix...)
		copy(dst[lengthAt+len(prefix):], dst[lengthAt:lengthAt+length])
		copy(dst[lengthAt:], prefix)
	}
	return dst
}
