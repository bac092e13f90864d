package sql

import (
	"fmt"
	"math"

	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/engines/value"
)

// expression is a compiled scalar expression (compile.go): names are
// resolved to positions, functions to their code, and constant parts are
// folded. Evaluating one reads the frame's rows and the session
// (arguments, NOW, the store for subqueries); it never resolves a name.
type expression interface {
	eval(s *session, f *frame) (Value, error)
	// each calls visit on the direct operands; it does not enter the
	// plans of subqueries.
	each(visit func(expression))
}

// frame is the row an expression is evaluated over, and the frames of
// the queries around it (for correlated subqueries). The row is in the
// layout of the scope the expression was compiled in.
type frame struct {
	row   []Value
	outer *frame
}

// holds evaluates a condition, treating NULL as false (WHERE, ON,
// HAVING).
func holds(s *session, e expression, f *frame) (bool, error) {
	value, _, err := evalTruth(s, e, f)
	return value, err
}

// evalTruth evaluates a condition: true, false or NULL (not known).
func evalTruth(s *session, e expression, f *frame) (value bool, known bool, err error) {
	v, err := e.eval(s, f)
	if err != nil {
		return false, false, err
	}
	return truth(v)
}

// holdsAll is the conjunction of conditions, stopping at the first that
// does not hold.
func holdsAll(s *session, conditions []expression, f *frame) (bool, error) {
	for _, condition := range conditions {
		if ok, err := holds(s, condition, f); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type constantExpr struct{ value Value }

func (e *constantExpr) eval(*session, *frame) (Value, error) { return e.value, nil }
func (e *constantExpr) each(func(expression))                {}

func isConstant(e expression) bool {
	_, ok := e.(*constantExpr)
	return ok
}

// paramExpr reads an argument of the statement (? or $N). It is not
// folded, so a compiled statement serves any arguments; access paths read
// it as a constant (plan.go).
type paramExpr struct{ index int } // 1-based

func (e *paramExpr) each(func(expression))                    {}
func (e *paramExpr) eval(s *session, _ *frame) (Value, error) { return s.argument(e.index) }

// argument returns argument index (1-based).
func (s *session) argument(index int) (Value, error) {
	if index < 1 || index > len(s.args) {
		return Value{}, fmt.Errorf("%w: parameter %d given, %d arguments", ErrInvalid, index, len(s.args))
	}
	return s.args[index-1], nil
}

// columnExpr reads a column of the frame's own row.
type columnExpr struct{ position int }

func (e *columnExpr) eval(_ *session, f *frame) (Value, error) { return f.row[e.position], nil }
func (e *columnExpr) each(func(expression))                    {}

// outerColumnExpr reads a column of an enclosing query's row, depth
// frames out.
type outerColumnExpr struct{ depth, position int }

func (e *outerColumnExpr) eval(_ *session, f *frame) (Value, error) {
	for range e.depth {
		f = f.outer
	}
	return f.row[e.position], nil
}
func (e *outerColumnExpr) each(func(expression)) {}

type unaryExpr struct {
	operator parser.UnaryOperator
	operand  expression
}

func (e *unaryExpr) each(visit func(expression)) { visit(e.operand) }

func (e *unaryExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil || v.IsNull() {
		return Value{}, err
	}
	switch e.operator {
	case parser.UnaryNot:
		value, _, err := truth(v)
		return Bool(!value), err
	case parser.UnaryPlus:
		if !v.isNumeric() {
			return Value{}, typeError("unary +", v)
		}
		return v, nil
	}
	switch v.typ {
	case TypeInt:
		if v.integer == math.MinInt64 {
			return Value{}, fmt.Errorf("%w: -(%d) overflows BIGINT", ErrRange, v.integer)
		}
		return Int(-v.integer), nil
	case TypeFloat:
		return Float(-v.floatValue()), nil
	case TypeDecimal:
		return Decimal(value.MakeDecimal(-v.integer, int(v.scale))), nil
	}
	return Value{}, typeError("unary -", v)
}

// binaryExpr is a comparison, arithmetic or ||; NULL in, NULL out.
type binaryExpr struct {
	operator   parser.BinaryOperator
	comparison bool
	left       expression
	right      expression
}

func (e *binaryExpr) each(visit func(expression)) { visit(e.left); visit(e.right) }

func (e *binaryExpr) eval(s *session, f *frame) (Value, error) {
	left, err := e.left.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	right, err := e.right.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	if left.IsNull() || right.IsNull() {
		return Null(), nil
	}
	if e.comparison {
		if e.operator == parser.BinaryEqual && left.typ == TypeInt && right.typ == TypeInt {
			return Bool(left.integer == right.integer), nil
		}
		return compareOperator(e.operator, left, right)
	}
	if e.operator == parser.BinaryConcat {
		return Text(left.String() + right.String()), nil
	}
	return arithmetic(e.operator, left, right)
}

func isComparison(operator parser.BinaryOperator) bool {
	switch operator {
	case parser.BinaryEqual, parser.BinaryNotEqual, parser.BinaryLess, parser.BinaryLessEqual, parser.BinaryGreater, parser.BinaryGreaterEqual:
		return true
	}
	return false
}

// logicExpr is three-valued AND or OR.
type logicExpr struct {
	and         bool
	left, right expression
}

func (e *logicExpr) each(visit func(expression)) { visit(e.left); visit(e.right) }

func (e *logicExpr) eval(s *session, f *frame) (Value, error) {
	leftValue, leftKnown, err := evalTruth(s, e.left, f)
	if err != nil {
		return Value{}, err
	}
	if leftKnown && leftValue != e.and {
		return Bool(!e.and), nil // false AND x, true OR x
	}
	rightValue, rightKnown, err := evalTruth(s, e.right, f)
	if err != nil {
		return Value{}, err
	}
	if rightKnown && rightValue != e.and {
		return Bool(!e.and), nil
	}
	if leftKnown && rightKnown {
		return Bool(e.and), nil
	}
	return Null(), nil
}

type isNullExpr struct {
	operand expression
	not     bool
}

func (e *isNullExpr) each(visit func(expression)) { visit(e.operand) }
func (e *isNullExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	return Bool(v.IsNull() != e.not), err
}

type isBoolExpr struct {
	operand    expression
	not, value bool
}

func (e *isBoolExpr) each(visit func(expression)) { visit(e.operand) }
func (e *isBoolExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil || !v.IsNull() && v.typ != TypeBool {
		return Value{}, firstError(err, typeError("IS TRUE/FALSE", v))
	}
	return Bool((!v.IsNull() && v.AsBool() == e.value) != e.not), nil
}

// betweenExpr is operand >= low AND operand <= high, three-valued, the
// upper comparison skipped when the lower one is false.
type betweenExpr struct {
	operand, low, high expression
	not                bool
}

func (e *betweenExpr) each(visit func(expression)) { visit(e.operand); visit(e.low); visit(e.high) }

func (e *betweenExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	above, err := e.compare(s, f, parser.BinaryGreaterEqual, v, e.low)
	if err != nil {
		return Value{}, err
	}
	result := above
	if above.IsNull() || above.AsBool() {
		below, err := e.compare(s, f, parser.BinaryLessEqual, v, e.high)
		if err != nil {
			return Value{}, err
		}
		switch {
		case !below.IsNull() && !below.AsBool():
			result = below
		case below.IsNull():
			result = Null()
		}
	}
	if result.IsNull() || !e.not {
		return result, nil
	}
	return Bool(!result.AsBool()), nil
}

func (e *betweenExpr) compare(s *session, f *frame, operator parser.BinaryOperator, v Value, bound expression) (Value, error) {
	b, err := bound.eval(s, f)
	if err != nil || v.IsNull() || b.IsNull() {
		return Null(), err
	}
	return compareOperator(operator, v, b)
}

type inListExpr struct {
	operand expression
	list    []expression
	not     bool
}

func (e *inListExpr) each(visit func(expression)) {
	visit(e.operand)
	for _, item := range e.list {
		visit(item)
	}
}

func (e *inListExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	candidates := make([]Value, len(e.list))
	for i, item := range e.list {
		if candidates[i], err = item.eval(s, f); err != nil {
			return Value{}, err
		}
	}
	return inValues(v, candidates, e.not)
}

type likeExpr struct {
	operand, pattern expression
	not              bool
	// constant, when the pattern is a constant text, is it as runes.
	constant []rune
}

func (e *likeExpr) each(visit func(expression)) { visit(e.operand); visit(e.pattern) }

func (e *likeExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	pattern, err := e.pattern.eval(s, f)
	if err != nil || v.IsNull() || pattern.IsNull() {
		return Value{}, err
	}
	if v.typ != TypeText || pattern.typ != TypeText {
		return Value{}, typeError("LIKE", v, pattern)
	}
	runes := e.constant
	if runes == nil {
		runes = []rune(pattern.text)
	}
	return Bool(likeMatch([]rune(v.text), runes) != e.not), nil
}

type whenExpr struct{ condition, result expression }

type caseExpr struct {
	operand   expression // nil for a searched CASE
	whens     []whenExpr
	otherwise expression // nil: NULL
}

func (e *caseExpr) each(visit func(expression)) {
	for _, operand := range []expression{e.operand, e.otherwise} {
		if operand != nil {
			visit(operand)
		}
	}
	for _, when := range e.whens {
		visit(when.condition)
		visit(when.result)
	}
}

func (e *caseExpr) eval(s *session, f *frame) (Value, error) {
	var operand Value
	var err error
	if e.operand != nil {
		if operand, err = e.operand.eval(s, f); err != nil {
			return Value{}, err
		}
	}
	for _, when := range e.whens {
		condition, err := when.condition.eval(s, f)
		if err != nil {
			return Value{}, err
		}
		if e.operand != nil {
			if operand.IsNull() || condition.IsNull() {
				continue
			}
			if condition, err = compareOperator(parser.BinaryEqual, operand, condition); err != nil {
				return Value{}, err
			}
		}
		if value, _, err := truth(condition); err != nil || value {
			if err != nil {
				return Value{}, err
			}
			return when.result.eval(s, f)
		}
	}
	if e.otherwise == nil {
		return Null(), nil
	}
	return e.otherwise.eval(s, f)
}

type castExpr struct {
	operand expression
	target  columnType
}

func (e *castExpr) each(visit func(expression)) { visit(e.operand) }
func (e *castExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	return castValue(v, e.target)
}

// coalesceExpr is COALESCE: the first operand that is not NULL, later
// operands evaluated only when needed.
type coalesceExpr struct{ operands []expression }

func (e *coalesceExpr) each(visit func(expression)) {
	for _, operand := range e.operands {
		visit(operand)
	}
}

func (e *coalesceExpr) eval(s *session, f *frame) (Value, error) {
	for _, operand := range e.operands {
		v, err := operand.eval(s, f)
		if err != nil || !v.IsNull() {
			return v, err
		}
	}
	return Null(), nil
}

// functionExpr calls a scalar function on its evaluated arguments.
type functionExpr struct {
	name      string
	function  *scalarFunction
	arguments []expression
}

func (e *functionExpr) each(visit func(expression)) {
	for _, argument := range e.arguments {
		visit(argument)
	}
}

func (e *functionExpr) eval(s *session, f *frame) (Value, error) {
	var buffer [3]Value
	arguments := buffer[:0]
	for _, argument := range e.arguments {
		v, err := argument.eval(s, f)
		if err != nil {
			return Value{}, err
		}
		arguments = append(arguments, v)
	}
	if e.function.nullIn && anyNull(arguments) {
		return Null(), nil
	}
	return e.function.call(s, e.name, arguments)
}
