package sql

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// scalarFunction is a function of one row's values. Its arity is
// checked when the call is compiled.
type scalarFunction struct {
	argumentsMin, argumentsMax int // argumentsMax < 0: no upper bound
	// nullIn: a NULL argument makes the result NULL without a call.
	nullIn bool
	// volatile functions give a new value each call and are never
	// folded into constants; nor are those of the statement (NOW), so
	// that a compiled statement serves another one.
	volatile    bool
	ofStatement bool
	call        func(s *session, name string, arguments []Value) (Value, error)
}

// scalarFunctions maps an upper-case name to its function. COALESCE is
// compiled apart (its operands are evaluated lazily), and MIN and MAX of
// two or more arguments are the scalar forms of the aggregates.
var scalarFunctions map[string]*scalarFunction

func init() {
	numeric := func(low, high int) *scalarFunction {
		return &scalarFunction{argumentsMin: low, argumentsMax: high, nullIn: true,
			call: func(_ *session, name string, arguments []Value) (Value, error) {
				return numericFunction(name, arguments)
			}}
	}
	text := func(low, high int, function textFunction) *scalarFunction {
		return &scalarFunction{argumentsMin: low, argumentsMax: high, nullIn: true,
			call: func(_ *session, name string, arguments []Value) (Value, error) { return function(name, arguments) }}
	}
	now := &scalarFunction{ofStatement: true, call: func(s *session, _ string, _ []Value) (Value, error) { return Timestamp(s.now.WallNanos / 1000), nil }}
	uuid := &scalarFunction{volatile: true, call: func(s *session, _ string, _ []Value) (Value, error) { return s.generateUUID(), nil }}
	extreme := &scalarFunction{argumentsMin: 2, argumentsMax: -1, nullIn: true, call: extremeFunction}
	scalarFunctions = map[string]*scalarFunction{
		"NULLIF": {argumentsMin: 2, argumentsMax: 2, call: nullifFunction},
		"NOW":    now, "CURRENT_TIMESTAMP": now,
		"GEN_RANDOM_UUID": uuid, "UUID": uuid,
		"ABS": numeric(1, 1), "ROUND": numeric(1, 2), "FLOOR": numeric(1, 1), "CEIL": numeric(1, 1),
		"CEILING": numeric(1, 1), "SIGN": numeric(1, 1),
		"LENGTH": text(1, 1, lengthFunction), "CHAR_LENGTH": text(1, 1, lengthFunction),
		"LOWER": text(1, 1, caseFunction), "UPPER": text(1, 1, caseFunction),
		"SUBSTR": text(2, 3, substrFunction), "SUBSTRING": text(2, 3, substrFunction),
		"TRIM": text(1, 2, trimFunction), "LTRIM": text(1, 2, trimFunction), "RTRIM": text(1, 2, trimFunction),
		"REPLACE": text(3, 3, replaceFunction),
		"MIN":     extreme, "MAX": extreme,
	}
}

// aggregateNames are the aggregate functions.
var aggregateNames = map[string]bool{"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true}

// isAggregate reports an aggregate call: MIN and MAX of two or more
// arguments are scalar.
func isAggregate(call *parser.FunctionCall) bool {
	if !aggregateNames[call.Name] {
		return false
	}
	return len(call.Arguments) < 2 || call.Name != "MIN" && call.Name != "MAX"
}

func anyNull(values []Value) bool {
	for _, v := range values {
		if v.IsNull() {
			return true
		}
	}
	return false
}

func nullifFunction(_ *session, _ string, arguments []Value) (Value, error) {
	if result, ok := compareValues(arguments[0], arguments[1]); ok && result == 0 && !arguments[1].IsNull() {
		return Null(), nil
	}
	return arguments[0], nil
}

// extremeFunction is MIN or MAX of two or more values, as in SQLite.
func extremeFunction(_ *session, name string, arguments []Value) (Value, error) {
	best := arguments[0]
	for _, v := range arguments[1:] {
		result, ok := compareValues(v, best)
		if !ok {
			return Value{}, typeError(name, v, best)
		}
		if name == "MIN" && result < 0 || name == "MAX" && result > 0 {
			best = v
		}
	}
	return best, nil
}

// generateUUID derives a version-4-shaped UUID from the transaction id,
// the statement position and a counter: deterministic and unique.
func (s *session) generateUUID() Value {
	sum := sha256.Sum256([]byte("uuid:" + s.newID()))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return UUID(b)
}

func numericFunction(name string, arguments []Value) (Value, error) {
	v := arguments[0]
	if !v.isNumeric() {
		return Value{}, typeError(name, v)
	}
	switch name {
	case "ABS":
		if v.toFloat() >= 0 {
			return v, nil
		}
		return arithmetic(parser.BinarySubtract, zeroLike(v), v)
	case "SIGN":
		f := v.toFloat()
		return Int(int64(boolInt(f > 0) - boolInt(f < 0))), nil
	case "FLOOR", "CEIL", "CEILING":
		if v.typ == TypeInt {
			return v, nil
		}
		f := math.Floor(v.toFloat())
		if name != "FLOOR" {
			f = math.Ceil(v.toFloat())
		}
		return castValue(Float(f), columnType{Type: v.typ, Precision: decimalScaleMax})
	}
	return roundFunction(arguments)
}

func zeroLike(v Value) Value {
	switch v.typ {
	case TypeFloat:
		return Float(0)
	case TypeDecimal:
		return Decimal(0, int(v.scale))
	}
	return Int(0)
}

func roundFunction(arguments []Value) (Value, error) {
	v, digits := arguments[0], int64(0)
	if len(arguments) == 2 {
		if arguments[1].typ != TypeInt {
			return Value{}, typeError("ROUND", arguments...)
		}
		digits = arguments[1].integer
	}
	if len(arguments) > 2 || digits < 0 || digits > decimalScaleMax {
		return Value{}, fmt.Errorf("%w: ROUND(x [, digits 0..%d])", ErrInvalid, decimalScaleMax)
	}
	switch v.typ {
	case TypeInt:
		return v, nil
	case TypeDecimal:
		if int64(v.scale) <= digits {
			return v, nil
		}
		return Decimal(roundDecimal(v.integer, int(v.scale), int(digits)), int(digits)), nil
	}
	scale := math.Pow10(int(digits))
	return Float(math.Round(v.floatValue()*scale) / scale), nil
}

type textFunction func(name string, arguments []Value) (Value, error)

func textArgument(name string, v Value) (string, error) {
	if v.typ != TypeText {
		return "", typeError(name, v)
	}
	return v.text, nil
}

func lengthFunction(name string, arguments []Value) (Value, error) {
	if arguments[0].typ == TypeBytes {
		return Int(int64(len(arguments[0].text))), nil
	}
	text, err := textArgument(name, arguments[0])
	return Int(int64(utf8.RuneCountInString(text))), err
}

func caseFunction(name string, arguments []Value) (Value, error) {
	text, err := textArgument(name, arguments[0])
	if name == "LOWER" {
		return Text(strings.ToLower(text)), err
	}
	return Text(strings.ToUpper(text)), err
}

// substrFunction is SUBSTR(text, start [, length]) with 1-based start.
func substrFunction(name string, arguments []Value) (Value, error) {
	text, err := textArgument(name, arguments[0])
	if err != nil {
		return Value{}, err
	}
	runes := []rune(text)
	if arguments[1].typ != TypeInt {
		return Value{}, typeError(name, arguments[1])
	}
	size := int64(len(runes))
	start := min(max(arguments[1].integer, -size), size+1) - 1
	end := size
	if len(arguments) == 3 {
		if arguments[2].typ != TypeInt || arguments[2].integer < 0 {
			return Value{}, fmt.Errorf("%w: %s length must be a non-negative integer", ErrInvalid, name)
		}
		end = start + min(arguments[2].integer, size+2)
	}
	start = max(start, 0)
	end = min(end, int64(len(runes)))
	if start >= end {
		return Text(""), nil
	}
	return Text(string(runes[start:end])), nil
}

func trimFunction(name string, arguments []Value) (Value, error) {
	text, err := textArgument(name, arguments[0])
	if err != nil {
		return Value{}, err
	}
	cutset := " "
	if len(arguments) == 2 {
		if cutset, err = textArgument(name, arguments[1]); err != nil {
			return Value{}, err
		}
	}
	switch name {
	case "LTRIM":
		return Text(strings.TrimLeft(text, cutset)), nil
	case "RTRIM":
		return Text(strings.TrimRight(text, cutset)), nil
	}
	return Text(strings.Trim(text, cutset)), nil
}

func replaceFunction(name string, arguments []Value) (Value, error) {
	texts := make([]string, 3)
	for i, argument := range arguments {
		text, err := textArgument(name, argument)
		if err != nil {
			return Value{}, err
		}
		texts[i] = text
	}
	if texts[1] == "" {
		return Text(texts[0]), nil
	}
	if len(texts[0])/len(texts[1])*len(texts[2]) > queryLenMax {
		return Value{}, fmt.Errorf("%w: REPLACE result too long", ErrLimit)
	}
	return Text(strings.ReplaceAll(texts[0], texts[1], texts[2])), nil
}
