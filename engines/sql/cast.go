package sql

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// columnType is a declared type: DECIMAL carries precision and scale,
// VARCHAR an optional length (0 = unbounded).
type columnType struct {
	Type      Type
	Precision int
	Scale     int
	Length    int
}

func (c columnType) String() string {
	switch {
	case c.Type == TypeDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
	case c.Type == TypeText && c.Length > 0:
		return fmt.Sprintf("VARCHAR(%d)", c.Length)
	}
	return c.Type.String()
}

// resolveType turns a type name as written into a columnType.
func resolveType(name parser.TypeName) (columnType, error) {
	arguments := name.Arguments
	simple := map[string]Type{
		"BOOLEAN": TypeBool, "BOOL": TypeBool, "INTEGER": TypeInt, "INT": TypeInt, "BIGINT": TypeInt,
		"SMALLINT": TypeInt, "DOUBLE": TypeFloat, "REAL": TypeFloat, "FLOAT": TypeFloat, "TEXT": TypeText,
		"BYTEA": TypeBytes, "BLOB": TypeBytes, "DATE": TypeDate, "TIMESTAMP": TypeTimestamp, "UUID": TypeUUID,
	}
	switch name.Name {
	case "VARCHAR", "CHAR":
		if len(arguments) > 1 || (len(arguments) == 1 && arguments[0] < 1) {
			return columnType{}, fmt.Errorf("%w: %s takes one positive length", ErrType, name.Name)
		}
		length := 0
		if len(arguments) == 1 {
			length = arguments[0]
		}
		return columnType{Type: TypeText, Length: length}, nil
	case "DECIMAL", "NUMERIC":
		precision, scale := decimalScaleMax, 0
		if len(arguments) >= 1 {
			precision = arguments[0]
		}
		if len(arguments) == 2 {
			scale = arguments[1]
		}
		if len(arguments) > 2 || precision < 1 || precision > decimalScaleMax || scale < 0 || scale > precision {
			return columnType{}, fmt.Errorf("%w: DECIMAL(p,s) needs 1 <= p <= %d and 0 <= s <= p", ErrType, decimalScaleMax)
		}
		return columnType{Type: TypeDecimal, Precision: precision, Scale: scale}, nil
	}
	if t, ok := simple[name.Name]; ok && len(arguments) == 0 {
		return columnType{Type: t}, nil
	}
	return columnType{}, fmt.Errorf("%w: unknown type %s", ErrType, fmt.Sprint(name.Name, arguments))
}

// castValue converts v to target, checking ranges; NULL stays NULL.
func castValue(v Value, target columnType) (Value, error) {
	if v.IsNull() || target.Type == TypeNull {
		return v, nil
	}
	result, err := castTo(v, target)
	if err != nil {
		return Value{}, err
	}
	if target.Type == TypeText && target.Length > 0 && len([]rune(result.text)) > target.Length {
		return Value{}, fmt.Errorf("%w: value %q is longer than %d characters", ErrRange, result.text, target.Length)
	}
	return result, nil
}

func castTo(v Value, target columnType) (Value, error) {
	if v.typ == target.Type && target.Type != TypeDecimal {
		return v, nil
	}
	switch target.Type {
	case TypeBool:
		return castToBool(v)
	case TypeInt:
		return castToInt(v)
	case TypeFloat:
		return castToFloat(v)
	case TypeDecimal:
		return castToDecimal(v, target.Precision, target.Scale)
	case TypeText:
		return Text(v.String()), nil
	case TypeBytes:
		if v.typ == TypeText || v.typ == TypeUUID {
			return Blob([]byte(v.text)), nil
		}
	case TypeDate:
		return castToDate(v)
	case TypeTimestamp:
		return castToTimestamp(v)
	case TypeUUID:
		return castToUUID(v)
	}
	return Value{}, castError(v, target)
}

func castError(v Value, target columnType) error {
	return fmt.Errorf("%w: cannot cast %s %s to %s", ErrType, v.typ, quoteValue(v), target)
}

func quoteValue(v Value) string {
	if v.typ == TypeText {
		return "'" + strings.ReplaceAll(v.text, "'", "''") + "'"
	}
	return v.String()
}

func castToBool(v Value) (Value, error) {
	switch v.typ {
	case TypeInt:
		return Bool(v.integer != 0), nil
	case TypeText:
		switch strings.ToLower(strings.TrimSpace(v.text)) {
		case "true", "t", "yes", "1":
			return Bool(true), nil
		case "false", "f", "no", "0":
			return Bool(false), nil
		}
	}
	return Value{}, castError(v, columnType{Type: TypeBool})
}

func castToInt(v Value) (Value, error) {
	switch v.typ {
	case TypeBool:
		return Int(v.integer), nil
	case TypeFloat, TypeDecimal:
		f := math.Round(v.toFloat())
		if v.typ == TypeDecimal {
			return Int(roundDecimal(v.integer, int(v.scale), 0)), nil
		}
		if math.IsNaN(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
			return Value{}, fmt.Errorf("%w: %s is out of range for BIGINT", ErrRange, v)
		}
		return Int(int64(f)), nil
	case TypeText:
		i, err := strconv.ParseInt(strings.TrimSpace(v.text), 10, 64)
		if err != nil {
			return Value{}, castError(v, columnType{Type: TypeInt})
		}
		return Int(i), nil
	}
	return Value{}, castError(v, columnType{Type: TypeInt})
}

// roundDecimal rounds unscaled/10^from to to digits (to <= from), half
// away from zero.
func roundDecimal(unscaled int64, from, to int) int64 {
	for range from - to {
		remainder := unscaled % 10
		unscaled /= 10
		if remainder >= 5 {
			unscaled++
		} else if remainder <= -5 {
			unscaled--
		}
	}
	return unscaled
}

func castToFloat(v Value) (Value, error) {
	switch v.typ {
	case TypeInt, TypeDecimal:
		return Float(v.toFloat()), nil
	case TypeText:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
		if err != nil {
			return Value{}, castError(v, columnType{Type: TypeFloat})
		}
		return Float(f), nil
	}
	return Value{}, castError(v, columnType{Type: TypeFloat})
}

func castToDecimal(v Value, precision, scale int) (Value, error) {
	var unscaled int64
	switch v.typ {
	case TypeInt:
		scaled, ok := rescale(v.integer, 0, scale)
		if !ok {
			return Value{}, decimalRangeError(v, precision, scale)
		}
		unscaled = scaled
	case TypeDecimal:
		if int(v.scale) >= scale {
			unscaled = roundDecimal(v.integer, int(v.scale), scale)
		} else {
			scaled, ok := rescale(v.integer, int(v.scale), scale)
			if !ok {
				return Value{}, decimalRangeError(v, precision, scale)
			}
			unscaled = scaled
		}
	case TypeFloat:
		f := math.Round(v.floatValue() * math.Pow10(scale))
		if math.IsNaN(f) || math.Abs(f) >= 9e18 {
			return Value{}, decimalRangeError(v, precision, scale)
		}
		unscaled = int64(f)
	case TypeText:
		parsed, err := parseDecimal(strings.TrimSpace(v.text))
		if err != nil {
			return Value{}, castError(v, columnType{Type: TypeDecimal, Precision: precision, Scale: scale})
		}
		return castToDecimal(parsed, precision, scale)
	default:
		return Value{}, castError(v, columnType{Type: TypeDecimal, Precision: precision, Scale: scale})
	}
	if absUint(unscaled) >= uint64(math.Pow10(precision)) && precision < decimalScaleMax {
		return Value{}, decimalRangeError(v, precision, scale)
	}
	return Decimal(unscaled, scale), nil
}

func decimalRangeError(v Value, precision, scale int) error {
	return fmt.Errorf("%w: %s does not fit DECIMAL(%d,%d)", ErrRange, v, precision, scale)
}

// parseDecimal reads digits with an optional sign and point.
func parseDecimal(text string) (Value, error) {
	negative := strings.HasPrefix(text, "-")
	text = strings.TrimLeft(text, "+-")
	whole, fraction, _ := strings.Cut(text, ".")
	if whole == "" && fraction == "" || len(fraction) > decimalScaleMax {
		return Value{}, fmt.Errorf("%w: bad decimal %q", ErrType, text)
	}
	unscaled, err := strconv.ParseInt(whole+fraction, 10, 64)
	if err != nil || strings.ContainsAny(whole+fraction, "+-") {
		return Value{}, fmt.Errorf("%w: bad decimal %q", ErrRange, text)
	}
	if negative {
		unscaled = -unscaled
	}
	return Decimal(unscaled, len(fraction)), nil
}

func castToDate(v Value) (Value, error) {
	switch v.typ {
	case TypeTimestamp:
		return Date(floorDiv(v.integer, 86_400_000_000)), nil
	case TypeText:
		t, err := time.Parse("2006-01-02", strings.TrimSpace(v.text))
		if err != nil {
			return Value{}, castError(v, columnType{Type: TypeDate})
		}
		return Date(floorDiv(t.Unix(), 86400)), nil
	}
	return Value{}, castError(v, columnType{Type: TypeDate})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func castToTimestamp(v Value) (Value, error) {
	switch v.typ {
	case TypeDate:
		return Timestamp(v.integer * 86_400_000_000), nil
	case TypeText:
		text := strings.TrimSpace(v.text)
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, text); err == nil {
				return Timestamp(t.UnixMicro()), nil
			}
		}
	}
	return Value{}, castError(v, columnType{Type: TypeTimestamp})
}

func castToUUID(v Value) (Value, error) {
	switch v.typ {
	case TypeText:
		raw, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(v.text), "-", ""))
		if err == nil && len(raw) == 16 {
			return UUID(raw), nil
		}
	case TypeBytes:
		if len(v.text) == 16 {
			return UUID([]byte(v.text)), nil
		}
	}
	return Value{}, castError(v, columnType{Type: TypeUUID})
}

// assignCast converts a value to a column's type on INSERT and UPDATE:
// the implicit casts that keep meaning (numbers between numeric types,
// text to dates, timestamps, UUIDs, decimals, bytes).
func assignCast(v Value, target columnType) (Value, error) {
	if v.IsNull() || v.typ == target.Type && target.Type != TypeDecimal {
		return castValue(v, target)
	}
	allowed := v.isNumeric() && (target.Type == TypeInt || target.Type == TypeFloat || target.Type == TypeDecimal) ||
		v.typ == TypeText && target.Type != TypeBool && target.Type != TypeInt && target.Type != TypeFloat ||
		v.typ == TypeDate && target.Type == TypeTimestamp
	if target.Type == TypeInt && v.isNumeric() && v.toFloat() != math.Trunc(v.toFloat()) {
		allowed = false
	}
	if !allowed {
		return Value{}, fmt.Errorf("%w: %s value %s does not fit a %s column", ErrType, v.typ, quoteValue(v), target)
	}
	return castValue(v, target)
}
