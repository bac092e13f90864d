package sql

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/sql/parser"
)

var aggregateNames = map[string]bool{"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true}

func isAggregate(call *parser.FunctionCall) bool { return aggregateNames[call.Name] }

func (x executor) evalFunction(call *parser.FunctionCall, sc *scope) (Value, error) {
	if isAggregate(call) {
		return x.evalAggregate(call, sc)
	}
	if call.Star || call.Distinct {
		return Value{}, fmt.Errorf("%w: %s does not take * or DISTINCT", ErrInvalid, call.Name)
	}
	arguments := make([]Value, len(call.Arguments))
	for i, argument := range call.Arguments {
		v, err := x.eval(argument, sc)
		if err != nil {
			return Value{}, err
		}
		arguments[i] = v
	}
	return x.scalarFunction(call.Name, arguments)
}

func arity(name string, arguments []Value, low, high int) error {
	if len(arguments) < low || len(arguments) > high {
		return fmt.Errorf("%w: %s takes %d to %d arguments, got %d", ErrInvalid, name, low, high, len(arguments))
	}
	return nil
}

func anyNull(values []Value) bool {
	for _, v := range values {
		if v.IsNull() {
			return true
		}
	}
	return false
}

func (x executor) scalarFunction(name string, arguments []Value) (Value, error) {
	switch name {
	case "COALESCE":
		for _, v := range arguments {
			if !v.IsNull() {
				return v, nil
			}
		}
		return Null(), nil
	case "NULLIF":
		if err := arity(name, arguments, 2, 2); err != nil {
			return Value{}, err
		}
		if result, ok := compareValues(arguments[0], arguments[1]); ok && result == 0 && !arguments[1].IsNull() {
			return Null(), nil
		}
		return arguments[0], nil
	case "NOW", "CURRENT_TIMESTAMP":
		if err := arity(name, arguments, 0, 0); err != nil {
			return Value{}, err
		}
		return Timestamp(x.s.now.WallNanos / 1000), nil
	case "GEN_RANDOM_UUID", "UUID":
		if err := arity(name, arguments, 0, 0); err != nil {
			return Value{}, err
		}
		return x.generateUUID(), nil
	}
	if err := arity(name, arguments, 1, 3); err != nil {
		if _, known := textFunctions[name]; known || numericFunctions[name] {
			return Value{}, err
		}
		return Value{}, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	if anyNull(arguments) {
		if _, known := textFunctions[name]; !known && !numericFunctions[name] {
			return Value{}, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
		}
		return Null(), nil
	}
	if numericFunctions[name] {
		return numericFunction(name, arguments)
	}
	if function, ok := textFunctions[name]; ok {
		return function(name, arguments)
	}
	return Value{}, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
}

// generateUUID derives a version-4-shaped UUID from the transaction id,
// the statement position and a counter: deterministic and unique.
func (x executor) generateUUID() Value {
	sum := sha256.Sum256([]byte("uuid:" + x.s.newID()))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return UUID(b)
}

var numericFunctions = map[string]bool{"ABS": true, "ROUND": true, "FLOOR": true, "CEIL": true, "SIGN": true}

func numericFunction(name string, arguments []Value) (Value, error) {
	v := arguments[0]
	if !v.isNumeric() {
		return Value{}, typeError(name, v)
	}
	if name != "ROUND" {
		if err := arity(name, arguments, 1, 1); err != nil {
			return Value{}, err
		}
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
	case "FLOOR", "CEIL":
		if v.typ == TypeInt {
			return v, nil
		}
		f := math.Floor(v.toFloat())
		if name == "CEIL" {
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
	return Float(math.Round(v.float*scale) / scale), nil
}

type textFunction func(name string, arguments []Value) (Value, error)

var textFunctions map[string]textFunction

func init() {
	textFunctions = map[string]textFunction{
		"LENGTH": lengthFunction, "CHAR_LENGTH": lengthFunction,
		"LOWER": caseFunction, "UPPER": caseFunction,
		"SUBSTR": substrFunction, "SUBSTRING": substrFunction,
		"TRIM": trimFunction, "LTRIM": trimFunction, "RTRIM": trimFunction,
		"REPLACE": replaceFunction,
	}
}

func textArgument(name string, v Value) (string, error) {
	if v.typ != TypeText {
		return "", typeError(name, v)
	}
	return v.text, nil
}

func lengthFunction(name string, arguments []Value) (Value, error) {
	if err := arity(name, arguments, 1, 1); err != nil {
		return Value{}, err
	}
	if arguments[0].typ == TypeBytes {
		return Int(int64(len(arguments[0].text))), nil
	}
	text, err := textArgument(name, arguments[0])
	return Int(int64(utf8.RuneCountInString(text))), err
}

func caseFunction(name string, arguments []Value) (Value, error) {
	if err := arity(name, arguments, 1, 1); err != nil {
		return Value{}, err
	}
	text, err := textArgument(name, arguments[0])
	if name == "LOWER" {
		return Text(strings.ToLower(text)), err
	}
	return Text(strings.ToUpper(text)), err
}

// substrFunction is SUBSTR(text, start [, length]) with 1-based start.
func substrFunction(name string, arguments []Value) (Value, error) {
	if err := arity(name, arguments, 2, 3); err != nil {
		return Value{}, err
	}
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
	if err := arity(name, arguments, 1, 2); err != nil {
		return Value{}, err
	}
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
	if err := arity(name, arguments, 3, 3); err != nil {
		return Value{}, err
	}
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

// evalAggregate computes an aggregate over the current group.
func (x executor) evalAggregate(call *parser.FunctionCall, sc *scope) (Value, error) {
	if sc == nil || sc.group == nil {
		return Value{}, fmt.Errorf("%w: aggregate %s is not allowed here", ErrInvalid, call.Name)
	}
	if call.Star {
		if call.Name != "COUNT" {
			return Value{}, fmt.Errorf("%w: %s(*)", ErrInvalid, call.Name)
		}
		return Int(int64(len(sc.group))), nil
	}
	if len(call.Arguments) != 1 {
		return Value{}, fmt.Errorf("%w: %s takes one argument", ErrInvalid, call.Name)
	}
	values, err := x.aggregateInputs(call, sc)
	if err != nil {
		return Value{}, err
	}
	return aggregate(call.Name, values)
}

// aggregateInputs evaluates the argument over the group, dropping NULLs
// and, for DISTINCT, repeats.
func (x executor) aggregateInputs(call *parser.FunctionCall, sc *scope) ([]Value, error) {
	rowScope := &scope{columns: sc.columns, parent: sc.parent, resolved: rememberResolutions(len(sc.group))}
	seen := map[string]bool{}
	var values []Value
	for _, row := range sc.group {
		rowScope.row = row
		v, err := x.eval(call.Arguments[0], rowScope)
		if err != nil {
			return nil, err
		}
		if v.IsNull() {
			continue
		}
		if call.Distinct {
			key := groupKey(v)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		values = append(values, v)
	}
	return values, nil
}

func aggregate(name string, values []Value) (Value, error) {
	if name == "COUNT" {
		return Int(int64(len(values))), nil
	}
	if len(values) == 0 {
		return Null(), nil
	}
	switch name {
	case "MIN", "MAX":
		best := values[0]
		for _, v := range values[1:] {
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
	sum := values[0]
	if !sum.isNumeric() {
		return Value{}, typeError(name, sum)
	}
	for _, v := range values[1:] {
		next, err := arithmetic(parser.BinaryAdd, sum, v)
		if err != nil {
			return Value{}, err
		}
		sum = next
	}
	if name == "AVG" {
		return Float(sum.toFloat() / float64(len(values))), nil
	}
	return sum, nil
}
