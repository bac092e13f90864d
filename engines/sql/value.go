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

	"github.com/proven2pc/proven/internal/assert"
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

// decimalScaleMax bounds DECIMAL scales so that 10^scale fits an int64.
const decimalScaleMax = 18

// Value is one SQL value. The zero Value is NULL.
//
// Representation by type: Bool, Int, Date (days since 1970-01-01) and
// Timestamp (microseconds since 1970-01-01 00:00:00 UTC) use integer;
// Decimal uses integer as the unscaled value with scale digits after the
// point; Float keeps its IEEE 754 bits in integer (so a Value is 32
// bytes); Text, Bytes and UUID (16 bytes) use text.
type Value struct {
	typ     Type
	scale   uint8
	integer int64
	text    string
}

// floatValue is a Float's value.
func (v Value) floatValue() float64 { return math.Float64frombits(uint64(v.integer)) }

// Constructors.
func Null() Value                  { return Value{} }
func Bool(b bool) Value            { return Value{typ: TypeBool, integer: boolInt(b)} }
func Int(i int64) Value            { return Value{typ: TypeInt, integer: i} }
func Float(f float64) Value        { return Value{typ: TypeFloat, integer: int64(math.Float64bits(f))} }
func Text(s string) Value          { return Value{typ: TypeText, text: s} }
func Blob(b []byte) Value          { return Value{typ: TypeBytes, text: string(b)} }
func Date(days int64) Value        { return Value{typ: TypeDate, integer: days} }
func Timestamp(micros int64) Value { return Value{typ: TypeTimestamp, integer: micros} }

// Decimal returns unscaled / 10^scale. Requires: scale <= 18.
func Decimal(unscaled int64, scale int) Value {
	if scale < 0 || scale > decimalScaleMax {
		assert.Broken("sql: decimal scale %d outside [0, %d]", scale, decimalScaleMax)
	}
	return Value{typ: TypeDecimal, integer: unscaled, scale: uint8(scale)}
}

// UUID returns a UUID from its 16 bytes. Requires: len(b) == 16.
func UUID(b []byte) Value {
	if len(b) != 16 {
		assert.Broken("sql: uuid of %d bytes", len(b))
	}
	return Value{typ: TypeUUID, text: string(b)}
}

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
		return formatDecimal(v.integer, int(v.scale))
	case TypeText:
		return v.text
	case TypeBytes:
		return `\x` + hex.EncodeToString([]byte(v.text))
	case TypeDate:
		return time.Unix(v.integer*86400, 0).UTC().Format("2006-01-02")
	case TypeTimestamp:
		return formatTimestamp(v.integer)
	case TypeUUID:
		return formatUUID([]byte(v.text))
	}
	return "?"
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func formatDecimal(unscaled int64, scale int) string {
	negative := unscaled < 0
	digits := strconv.FormatUint(absUint(unscaled), 10)
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if negative {
		return "-" + digits
	}
	return digits
}

func absUint(i int64) uint64 {
	if i < 0 {
		return uint64(-(i + 1)) + 1
	}
	return uint64(i)
}

func formatTimestamp(micros int64) string {
	t := time.UnixMicro(micros).UTC()
	if micros%1_000_000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
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

func compareNumeric(a, b Value) int {
	if a.typ == TypeFloat || b.typ == TypeFloat {
		return cmp.Compare(a.toFloat(), b.toFloat())
	}
	if a.typ == TypeInt && b.typ == TypeInt {
		return cmp.Compare(a.integer, b.integer)
	}
	ai, bi, ok := alignDecimals(a, b)
	if !ok {
		return cmp.Compare(a.toFloat(), b.toFloat())
	}
	return cmp.Compare(ai, bi)
}

// alignDecimals returns the unscaled values of a and b at their larger
// scale; ok is false on overflow.
func alignDecimals(a, b Value) (int64, int64, bool) {
	scale := max(a.scale, b.scale)
	ai, okA := rescale(a.integer, int(a.scale), int(scale))
	bi, okB := rescale(b.integer, int(b.scale), int(scale))
	return ai, bi, okA && okB
}

// rescale multiplies unscaled by 10^(to-from); to >= from.
func rescale(unscaled int64, from, to int) (int64, bool) {
	for range to - from {
		if unscaled > math.MaxInt64/10 || unscaled < math.MinInt64/10 {
			return 0, false
		}
		unscaled *= 10
	}
	return unscaled, true
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
