package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// relColumn names one column of an intermediate relation.
type relColumn struct {
	Table string // the table name or alias it came from; "" for computed
	Name  string
}

// scope is what an expression sees: the current row of a relation, the
// enclosing query's scope (correlated subqueries), and, while
// aggregating, the rows of the current group.
type scope struct {
	columns []relColumn
	row     []Value
	parent  *scope
	group   [][]Value // non-nil while evaluating over a group
	// resolved, when set, remembers how column references resolved, so
	// that evaluating the same expression over many rows looks names up
	// once. Scopes may share it when they have the same columns and
	// parent. Invariant: the columns of a scope and of its parents never
	// change after it is made.
	resolved *resolutions
}

// resolutions are remembered column resolutions: depth counts parents up
// from the resolving scope.
type resolutions struct{ refs []resolvedRef }

// rememberResolutions returns resolutions for scopes that will evaluate
// over rows rows, or nil (look names up each time) when there are too few
// rows to repay it.
func rememberResolutions(rows int) *resolutions {
	if rows < 2 {
		return nil
	}
	return &resolutions{}
}

type resolvedRef struct {
	ref      *parser.ColumnRef
	depth    int
	position int
}

// resolvedRefsMax bounds the resolutions remembered.
const resolvedRefsMax = 16

// resolve finds a column: its scope and position.
func (sc *scope) resolve(ref *parser.ColumnRef) (*scope, int, error) {
	if sc.resolved == nil {
		owner, position, _, err := sc.lookup(ref)
		return owner, position, err
	}
	for _, r := range sc.resolved.refs {
		if r.ref == ref {
			owner := sc
			for range r.depth {
				owner = owner.parent
			}
			return owner, r.position, nil
		}
	}
	owner, position, depth, err := sc.lookup(ref)
	if err == nil && len(sc.resolved.refs) < resolvedRefsMax {
		sc.resolved.refs = append(sc.resolved.refs, resolvedRef{ref: ref, depth: depth, position: position})
	}
	return owner, position, err
}

// lookup resolves a column by name, innermost scope first.
func (sc *scope) lookup(ref *parser.ColumnRef) (*scope, int, int, error) {
	depth := 0
	for current := sc; current != nil; current, depth = current.parent, depth+1 {
		found := -1
		for position, c := range current.columns {
			if c.Name != ref.Column || ref.Table != "" && c.Table != ref.Table {
				continue
			}
			if found >= 0 {
				return nil, 0, 0, fmt.Errorf("%w: %s", ErrAmbiguousColumn, ref)
			}
			found = position
		}
		if found >= 0 {
			return current, found, depth, nil
		}
	}
	return nil, 0, 0, fmt.Errorf("%w: %s", ErrUnknownColumn, ref)
}

func (x executor) eval(e parser.Expr, sc *scope) (Value, error) {
	switch e := e.(type) {
	case *parser.NullLiteral:
		return Null(), nil
	case *parser.BoolLiteral:
		return Bool(e.Value), nil
	case *parser.NumberLiteral:
		return numberLiteral(e.Text)
	case *parser.StringLiteral:
		return Text(e.Value), nil
	case *parser.BlobLiteral:
		return Blob(e.Value), nil
	case *parser.ColumnRef:
		owner, position, err := sc.resolve(e)
		if err != nil {
			return Value{}, err
		}
		return owner.row[position], nil
	case *parser.Parameter:
		if e.Index < 1 || e.Index > len(x.s.args) {
			return Value{}, fmt.Errorf("%w: parameter %d given, %d arguments", ErrInvalid, e.Index, len(x.s.args))
		}
		return x.s.args[e.Index-1], nil
	case *parser.UnaryExpr:
		return x.evalUnary(e, sc)
	case *parser.BinaryExpr:
		return x.evalBinary(e, sc)
	case *parser.IsNull:
		v, err := x.eval(e.Operand, sc)
		return Bool(v.IsNull() != e.Not), err
	case *parser.IsBool:
		v, err := x.eval(e.Operand, sc)
		if err != nil || !v.IsNull() && v.typ != TypeBool {
			return Value{}, firstError(err, typeError("IS TRUE/FALSE", v))
		}
		return Bool((!v.IsNull() && v.AsBool() == e.Value) != e.Not), nil
	case *parser.Between:
		return x.evalBetween(e, sc)
	case *parser.InList:
		return x.evalInList(e, sc)
	case *parser.InSubquery:
		return x.evalInSubquery(e, sc)
	case *parser.Like:
		return x.evalLike(e, sc)
	case *parser.Exists:
		result, err := x.subquery(e.Query, sc, 1)
		if err != nil {
			return Value{}, err
		}
		return Bool(len(result.Rows) > 0), nil
	case *parser.Subquery:
		return x.evalScalarSubquery(e, sc)
	case *parser.Case:
		return x.evalCase(e, sc)
	case *parser.Cast:
		target, err := resolveType(e.Type)
		if err != nil {
			return Value{}, err
		}
		v, err := x.eval(e.Operand, sc)
		if err != nil {
			return Value{}, err
		}
		return castValue(v, target)
	case *parser.FunctionCall:
		return x.evalFunction(e, sc)
	case *parser.DefaultValue:
		return Value{}, fmt.Errorf("%w: DEFAULT is only allowed in INSERT VALUES", ErrInvalid)
	}
	return Value{}, fmt.Errorf("%w: unsupported expression %s", ErrInvalid, e)
}

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

// holds evaluates a condition, treating NULL as false (WHERE, ON, HAVING).
func (x executor) holds(e parser.Expr, sc *scope) (bool, error) {
	if e == nil {
		return true, nil
	}
	v, err := x.eval(e, sc)
	if err != nil {
		return false, err
	}
	value, _, err := truth(v)
	return value, err
}

func (x executor) evalUnary(e *parser.UnaryExpr, sc *scope) (Value, error) {
	v, err := x.eval(e.Operand, sc)
	if err != nil || v.IsNull() {
		return Value{}, err
	}
	switch e.Operator {
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
		return Float(-v.float), nil
	case TypeDecimal:
		return Decimal(-v.integer, int(v.scale)), nil
	}
	return Value{}, typeError("unary -", v)
}

func (x executor) evalBinary(e *parser.BinaryExpr, sc *scope) (Value, error) {
	if e.Operator == parser.BinaryAnd || e.Operator == parser.BinaryOr {
		return x.evalLogic(e, sc)
	}
	left, err := x.eval(e.Left, sc)
	if err != nil {
		return Value{}, err
	}
	right, err := x.eval(e.Right, sc)
	if err != nil {
		return Value{}, err
	}
	if left.IsNull() || right.IsNull() {
		return Null(), nil
	}
	switch e.Operator {
	case parser.BinaryEqual, parser.BinaryNotEqual, parser.BinaryLess, parser.BinaryLessEqual, parser.BinaryGreater, parser.BinaryGreaterEqual:
		return compareOperator(e.Operator, left, right)
	case parser.BinaryConcat:
		return Text(left.String() + right.String()), nil
	}
	return arithmetic(e.Operator, left, right)
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

// evalLogic is three-valued AND and OR.
func (x executor) evalLogic(e *parser.BinaryExpr, sc *scope) (Value, error) {
	left, err := x.eval(e.Left, sc)
	if err != nil {
		return Value{}, err
	}
	leftValue, leftKnown, err := truth(left)
	if err != nil {
		return Value{}, err
	}
	isAnd := e.Operator == parser.BinaryAnd
	if leftKnown && leftValue != isAnd {
		return Bool(!isAnd), nil // false AND x, true OR x
	}
	right, err := x.eval(e.Right, sc)
	if err != nil {
		return Value{}, err
	}
	rightValue, rightKnown, err := truth(right)
	if err != nil {
		return Value{}, err
	}
	if rightKnown && rightValue != isAnd {
		return Bool(!isAnd), nil
	}
	if leftKnown && rightKnown {
		return Bool(isAnd), nil
	}
	return Null(), nil
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

func (x executor) evalBetween(e *parser.Between, sc *scope) (Value, error) {
	low := &parser.BinaryExpr{Operator: parser.BinaryGreaterEqual, Left: e.Operand, Right: e.Low}
	high := &parser.BinaryExpr{Operator: parser.BinaryLessEqual, Left: e.Operand, Right: e.High}
	v, err := x.eval(&parser.BinaryExpr{Operator: parser.BinaryAnd, Left: low, Right: high}, sc)
	if err != nil || v.IsNull() || !e.Not {
		return v, err
	}
	return Bool(!v.AsBool()), nil
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

func (x executor) evalInList(e *parser.InList, sc *scope) (Value, error) {
	v, err := x.eval(e.Operand, sc)
	if err != nil {
		return Value{}, err
	}
	candidates := make([]Value, len(e.List))
	for i, item := range e.List {
		if candidates[i], err = x.eval(item, sc); err != nil {
			return Value{}, err
		}
	}
	return inValues(v, candidates, e.Not)
}

func (x executor) evalInSubquery(e *parser.InSubquery, sc *scope) (Value, error) {
	v, err := x.eval(e.Operand, sc)
	if err != nil {
		return Value{}, err
	}
	result, err := x.subquery(e.Query, sc, 0)
	if err != nil {
		return Value{}, err
	}
	if len(result.Columns) != 1 {
		return Value{}, fmt.Errorf("%w: IN subquery returns %d columns, not 1", ErrInvalid, len(result.Columns))
	}
	candidates := make([]Value, len(result.Rows))
	for i, row := range result.Rows {
		candidates[i] = row[0]
	}
	return inValues(v, candidates, e.Not)
}

func (x executor) evalScalarSubquery(e *parser.Subquery, sc *scope) (Value, error) {
	result, err := x.subquery(e.Query, sc, 2)
	if err != nil {
		return Value{}, err
	}
	if len(result.Columns) != 1 {
		return Value{}, fmt.Errorf("%w: scalar subquery returns %d columns, not 1", ErrInvalid, len(result.Columns))
	}
	switch len(result.Rows) {
	case 0:
		return Null(), nil
	case 1:
		return result.Rows[0][0], nil
	}
	return Value{}, fmt.Errorf("%w: scalar subquery returns more than one row", ErrInvalid)
}

func (x executor) evalCase(e *parser.Case, sc *scope) (Value, error) {
	var operand Value
	var err error
	if e.Operand != nil {
		if operand, err = x.eval(e.Operand, sc); err != nil {
			return Value{}, err
		}
	}
	for _, when := range e.Whens {
		condition, err := x.eval(when.Condition, sc)
		if err != nil {
			return Value{}, err
		}
		if e.Operand != nil {
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
			return x.eval(when.Result, sc)
		}
	}
	if e.Else == nil {
		return Null(), nil
	}
	return x.eval(e.Else, sc)
}

func (x executor) evalLike(e *parser.Like, sc *scope) (Value, error) {
	v, err := x.eval(e.Operand, sc)
	if err != nil {
		return Value{}, err
	}
	pattern, err := x.eval(e.Pattern, sc)
	if err != nil || v.IsNull() || pattern.IsNull() {
		return Value{}, err
	}
	if v.typ != TypeText || pattern.typ != TypeText {
		return Value{}, typeError("LIKE", v, pattern)
	}
	return Bool(likeMatch([]rune(v.text), []rune(pattern.text)) != e.Not), nil
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

func (x executor) defaultValue(c column) (Value, error) {
	e, err := parser.ParseExpr(c.Default)
	if err != nil {
		return Value{}, fmt.Errorf("sql: stored default of %s does not parse: %w", c.Name, err)
	}
	v, err := x.eval(e, nil)
	if err != nil {
		return Value{}, fmt.Errorf("default of column %s: %w", c.Name, err)
	}
	return assignCast(v, c.Type)
}
