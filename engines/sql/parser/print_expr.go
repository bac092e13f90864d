package parser

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// Binding strengths, weakest first. A child printed where a stronger
// binding is required gets parentheses.
const (
	precedenceOr = iota + 1
	precedenceAnd
	precedenceNot
	precedenceComparison // = <> < <= > >= IS IN LIKE BETWEEN
	precedenceConcat
	precedenceAdditive
	precedenceMultiplicative
	precedenceUnary
	precedencePrimary
)

var binaryPrecedence = map[BinaryOperator]int{
	BinaryOr:           precedenceOr,
	BinaryAnd:          precedenceAnd,
	BinaryEqual:        precedenceComparison,
	BinaryNotEqual:     precedenceComparison,
	BinaryLess:         precedenceComparison,
	BinaryLessEqual:    precedenceComparison,
	BinaryGreater:      precedenceComparison,
	BinaryGreaterEqual: precedenceComparison,
	BinaryConcat:       precedenceConcat,
	BinaryAdd:          precedenceAdditive,
	BinarySubtract:     precedenceAdditive,
	BinaryMultiply:     precedenceMultiplicative,
	BinaryDivide:       precedenceMultiplicative,
	BinaryModulo:       precedenceMultiplicative,
}

// precedenceOf returns how strongly expr binds its outermost operator.
func precedenceOf(expr Expr) int {
	switch e := expr.(type) {
	case *BinaryExpr:
		return binaryPrecedence[e.Operator]
	case *UnaryExpr:
		if e.Operator == UnaryNot {
			return precedenceNot
		}
		return precedenceUnary
	case *IsNull, *IsBool, *Between, *InList, *InSubquery, *Like:
		return precedenceComparison
	}
	return precedencePrimary
}

// printer accumulates canonical SQL.
type printer struct {
	out strings.Builder
}

func (p *printer) write(texts ...string) {
	for _, text := range texts {
		p.out.WriteString(text)
	}
}

// expr prints e, parenthesized when it binds weaker than precedenceMin.
func (p *printer) expr(e Expr, precedenceMin int) {
	if precedenceOf(e) < precedenceMin {
		p.write("(")
		p.exprBare(e)
		p.write(")")
		return
	}
	p.exprBare(e)
}

func (p *printer) exprBare(expr Expr) {
	switch e := expr.(type) {
	case *BinaryExpr:
		precedence := binaryPrecedence[e.Operator]
		p.expr(e.Left, precedence)
		p.write(" ", string(e.Operator), " ")
		p.expr(e.Right, precedence+1)
	case *UnaryExpr:
		p.unary(e)
	case *IsNull:
		p.expr(e.Operand, precedenceComparison)
		p.write(" IS ", not(e.Not), "NULL")
	case *IsBool:
		p.expr(e.Operand, precedenceComparison)
		p.write(" IS ", not(e.Not), boolText(e.Value))
	case *Between:
		p.expr(e.Operand, precedenceComparison)
		p.write(" ", not(e.Not), "BETWEEN ")
		p.expr(e.Low, precedenceConcat)
		p.write(" AND ")
		p.expr(e.High, precedenceConcat)
	case *InList:
		p.expr(e.Operand, precedenceComparison)
		p.write(" ", not(e.Not), "IN (")
		p.exprList(e.List)
		p.write(")")
	case *InSubquery:
		p.expr(e.Operand, precedenceComparison)
		p.write(" ", not(e.Not), "IN (")
		p.query(e.Query)
		p.write(")")
	case *Like:
		p.expr(e.Operand, precedenceComparison)
		p.write(" ", not(e.Not), "LIKE ")
		p.expr(e.Pattern, precedenceConcat)
	default:
		p.primary(expr)
	}
}

func (p *printer) unary(e *UnaryExpr) {
	if e.Operator == UnaryNot {
		p.write("NOT ")
		p.expr(e.Operand, precedenceNot)
		return
	}
	// Only primaries follow a sign unparenthesized, so "- -x" never
	// prints as the comment "--x".
	p.write(string(e.Operator))
	p.expr(e.Operand, precedencePrimary)
}

func (p *printer) primary(expr Expr) {
	switch e := expr.(type) {
	case *NullLiteral:
		p.write("NULL")
	case *BoolLiteral:
		p.write(boolText(e.Value))
	case *NumberLiteral:
		p.write(e.Text)
	case *StringLiteral:
		p.write(quoteString(e.Value))
	case *BlobLiteral:
		p.write("X'", strings.ToUpper(hex.EncodeToString(e.Value)), "'")
	case *ColumnRef:
		if e.Table != "" {
			p.write(quoteIdentifier(e.Table), ".")
		}
		p.write(quoteIdentifier(e.Column))
	case *Parameter:
		if e.Positional {
			p.write("?")
		} else {
			p.write("$", strconv.Itoa(e.Index))
		}
	case *Exists:
		p.write("EXISTS (")
		p.query(e.Query)
		p.write(")")
	case *Subquery:
		p.write("(")
		p.query(e.Query)
		p.write(")")
	case *Case:
		p.caseExpr(e)
	case *Cast:
		p.write("CAST(")
		p.expr(e.Operand, 0)
		p.write(" AS ")
		p.typeName(e.Type)
		p.write(")")
	case *FunctionCall:
		p.functionCall(e)
	case *DefaultValue:
		p.write("DEFAULT")
	default:
		panic("parser: printer reached an expression type it does not know")
	}
}

func (p *printer) caseExpr(e *Case) {
	p.write("CASE")
	if e.Operand != nil {
		p.write(" ")
		p.expr(e.Operand, 0)
	}
	for _, when := range e.Whens {
		p.write(" WHEN ")
		p.expr(when.Condition, 0)
		p.write(" THEN ")
		p.expr(when.Result, 0)
	}
	if e.Else != nil {
		p.write(" ELSE ")
		p.expr(e.Else, 0)
	}
	p.write(" END")
}

func (p *printer) functionCall(e *FunctionCall) {
	p.write(quoteUpperName(e.Name), "(")
	switch {
	case e.Star:
		p.write("*")
	case e.Distinct:
		p.write("DISTINCT ")
		p.exprList(e.Arguments)
	case e.All:
		p.write("ALL ")
		p.exprList(e.Arguments)
	default:
		p.exprList(e.Arguments)
	}
	p.write(")")
}

func (p *printer) exprList(list []Expr) {
	for i, e := range list {
		if i > 0 {
			p.write(", ")
		}
		p.expr(e, 0)
	}
}

func (p *printer) typeName(t TypeName) {
	p.write(quoteUpperName(t.Name))
	if len(t.Arguments) == 0 {
		return
	}
	p.write("(")
	for i, argument := range t.Arguments {
		if i > 0 {
			p.write(", ")
		}
		p.write(strconv.Itoa(argument))
	}
	p.write(")")
}

func not(negated bool) string {
	if negated {
		return "NOT "
	}
	return ""
}

func boolText(value bool) string {
	if value {
		return "TRUE"
	}
	return "FALSE"
}

func quoteString(value string) string {
	return "'" + strings.ReplaceAll(value, "'", "''") + "'"
}

// quoteIdentifier prints a name so that it reads back the same: bare when
// it is lower-case letters, digits and underscores and not a reserved word
// (unquoted names fold to lower case), quoted otherwise.
func quoteIdentifier(name string) string {
	if isBareName(name, 'a', 'z') {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteUpperName is quoteIdentifier for function and type names, whose
// unquoted form folds to upper case.
func quoteUpperName(name string) string {
	if isBareName(name, 'A', 'Z') {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func isBareName(name string, letterFirst, letterLast byte) bool {
	if name == "" || isDigit(name[0]) || reservedKeywords[strings.ToUpper(name)] {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= letterFirst && c <= letterLast) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func (e *NullLiteral) String() string   { return exprString(e) }
func (e *BoolLiteral) String() string   { return exprString(e) }
func (e *NumberLiteral) String() string { return exprString(e) }
func (e *StringLiteral) String() string { return exprString(e) }
func (e *BlobLiteral) String() string   { return exprString(e) }
func (e *ColumnRef) String() string     { return exprString(e) }
func (e *Parameter) String() string     { return exprString(e) }
func (e *UnaryExpr) String() string     { return exprString(e) }
func (e *BinaryExpr) String() string    { return exprString(e) }
func (e *IsNull) String() string        { return exprString(e) }
func (e *IsBool) String() string        { return exprString(e) }
func (e *Between) String() string       { return exprString(e) }
func (e *InList) String() string        { return exprString(e) }
func (e *InSubquery) String() string    { return exprString(e) }
func (e *Like) String() string          { return exprString(e) }
func (e *Exists) String() string        { return exprString(e) }
func (e *Subquery) String() string      { return exprString(e) }
func (e *Case) String() string          { return exprString(e) }
func (e *Cast) String() string          { return exprString(e) }
func (e *FunctionCall) String() string  { return exprString(e) }
func (e *DefaultValue) String() string  { return exprString(e) }

func exprString(e Expr) string {
	var p printer
	p.expr(e, 0)
	return p.out.String()
}
