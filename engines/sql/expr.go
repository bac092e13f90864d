package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/sql/parser"
)

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func typeError(operation string, values ...Value) error {
	types := make([]string, len(values))
	for i, v := range values {
		types[i] = v.typ.String()
	}
	return fmt.Errorf("%w: %s does not apply to %s", ErrType, operation, strings.Join(types, " and "))
}

// numberLiteral types a literal: integers are BIGINT, numbers with a
// point are exact DECIMAL, numbers with an exponent are DOUBLE.
func numberLiteral(text string) (Value, error) {
	if !strings.ContainsAny(text, ".eE") {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return Int(i), nil
		}
	} else if !strings.ContainsAny(text, "eE") {
		if v, err := parseDecimal(text); err == nil {
			return v, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return Value{}, fmt.Errorf("%w: number %s", ErrRange, text)
	}
	return Float(f), nil
}

// truth reads a condition: true, false or NULL (unknown).
func truth(v Value) (value bool, known bool, err error) {
	if v.IsNull() {
		return false, false, nil
	}
	if v.typ != TypeBool {
		return false, false, fmt.Errorf("%w: condition is %s, not BOOLEAN", ErrType, v.typ)
	}
	return v.AsBool(), true, nil
}

func compareOperator(operator parser.BinaryOperator, left, right Value) (Value, error) {
	result, ok := compareValues(left, right)
	if !ok {
		return Value{}, typeError(string(operator), left, right)
	}
	switch operator {
	case parser.BinaryEqual:
		return Bool(result == 0), nil
	case parser.BinaryNotEqual:
		return Bool(result != 0), nil
	case parser.BinaryLess:
		return Bool(result < 0), nil
	case parser.BinaryLessEqual:
		return Bool(result <= 0), nil
	case parser.BinaryGreater:
		return Bool(result > 0), nil
	}
	return Bool(result >= 0), nil
}

func arithmetic(operator parser.BinaryOperator, left, right Value) (Value, error) {
	if !left.isNumeric() || !right.isNumeric() {
		return Value{}, typeError(string(operator), left, right)
	}
	switch {
	case left.typ == TypeInt && right.typ == TypeInt:
		return integerArithmetic(operator, left.integer, right.integer)
	case left.typ == TypeFloat || right.typ == TypeFloat || operator == parser.BinaryDivide:
		return floatArithmetic(operator, left.toFloat(), right.toFloat())
	}
	return decimalArithmetic(operator, left, right)
}

func integerArithmetic(operator parser.BinaryOperator, a, b int64) (Value, error) {
	var result int64
	overflow := false
	switch operator {
	case parser.BinaryAdd:
		result = a + b
		overflow = (result > a) != (b > 0)
	case parser.BinarySubtract:
		result = a - b
		overflow = (result < a) != (b > 0)
	case parser.BinaryMultiply:
		result = a * b
		overflow = a != 0 && (result/a != b || a == -1 && b == math.MinInt64)
	case parser.BinaryDivide, parser.BinaryModulo:
		if b == 0 {
			return Value{}, ErrDivisionByZero
		}
		if a == math.MinInt64 && b == -1 {
			overflow = operator == parser.BinaryDivide
		} else if operator == parser.BinaryDivide {
			result = a / b
		} else {
			result = a % b
		}
	}
	if overflow && !(b == 0 && (operator == parser.BinaryAdd || operator == parser.BinarySubtract)) {
		return Value{}, fmt.Errorf("%w: %d %s %d overflows BIGINT", ErrRange, a, operator, b)
	}
	return Int(result), nil
}

func floatArithmetic(operator parser.BinaryOperator, a, b float64) (Value, error) {
	var result float64
	switch operator {
	case parser.BinaryAdd:
		result = a + b
	case parser.BinarySubtract:
		result = a - b
	case parser.BinaryMultiply:
		result = a * b
	case parser.BinaryDivide, parser.BinaryModulo:
		if b == 0 {
			return Value{}, ErrDivisionByZero
		}
		if operator == parser.BinaryDivide {
			result = a / b
		} else {
			result = math.Mod(a, b)
		}
	}
	if math.IsInf(result, 0) || math.IsNaN(result) {
		return Value{}, fmt.Errorf("%w: %g %s %g is not finite", ErrRange, a, operator, b)
	}
	return Float(result), nil
}

func decimalArithmetic(operator parser.BinaryOperator, left, right Value) (Value, error) {
	a, b, ok := alignDecimals(left, right)
	scale := int(max(left.scale, right.scale))
	if !ok {
		return Value{}, fmt.Errorf("%w: %s %s %s overflows DECIMAL", ErrRange, left, operator, right)
	}
	if operator == parser.BinaryMultiply {
		scale = int(left.scale) + int(right.scale)
		a, b = left.integer, right.integer
		if scale > decimalScaleMax {
			return floatArithmetic(operator, left.toFloat(), right.toFloat())
		}
	}
	result, err := integerArithmetic(operator, a, b)
	if err != nil {
		return Value{}, err
	}
	return Decimal(result.integer, scale), nil
}

// inValues is the three-valued v IN (candidates). Over no candidates IN
// is false and NOT IN true, even for a NULL v (as in the standard,
// PostgreSQL and SQLite).
func inValues(v Value, candidates []Value, not bool) (Value, error) {
	if len(candidates) == 0 {
		return Bool(not), nil
	}
	if v.IsNull() {
		return Null(), nil
	}
	sawNull := false
	for _, candidate := range candidates {
		if candidate.IsNull() {
			sawNull = true
			continue
		}
		result, ok := compareValues(v, candidate)
		if !ok {
			return Value{}, typeError("IN", v, candidate)
		}
		if result == 0 {
			return Bool(!not), nil
		}
	}
	if sawNull {
		return Null(), nil
	}
	return Bool(not), nil
}

// likeMatch matches % (any run) and _ (one character), case-sensitively.
// Iterative with one backtrack point, so it is linear-ish, never
// exponential.
func likeMatch(text, pattern []rune) bool {
	t, p := 0, 0
	starP, starT := -1, 0
	for t < len(text) {
		switch {
		case p < len(pattern) && (pattern[p] == '_' || pattern[p] == text[t]):
			t++
			p++
		case p < len(pattern) && pattern[p] == '%':
			starP, starT = p, t
			p++
		case starP >= 0:
			starT++
			t, p = starT, starP+1
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '%' {
		p++
	}
	return p == len(pattern)
}
