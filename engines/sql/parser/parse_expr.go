package parser

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// expression parses an expression whose infix operators all bind at least
// as strongly as precedenceMin (precedence climbing).
func (p *parser) expression(precedenceMin int) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	left, err := p.prefix()
	if err != nil {
		return nil, err
	}
	for {
		precedence := p.infixPrecedence()
		if precedence == 0 || precedence < precedenceMin {
			return left, nil
		}
		left, err = p.infix(left, precedence)
		if err != nil {
			return nil, err
		}
	}
}

// infixPrecedence returns the precedence of the infix operator at the
// current token, or 0 when the token does not continue an expression.
func (p *parser) infixPrecedence() int {
	current := p.peek()
	switch current.kind {
	case tokenOperator:
		return binaryPrecedence[BinaryOperator(current.value)]
	case tokenKeyword:
		switch current.value {
		case "OR":
			return precedenceOr
		case "AND":
			return precedenceAnd
		case "IS", "IN", "LIKE", "BETWEEN":
			return precedenceComparison
		case "NOT":
			following := p.peekAt(1)
			if following.kind == tokenKeyword &&
				(following.value == "IN" || following.value == "LIKE" || following.value == "BETWEEN") {
				return precedenceComparison
			}
		}
	}
	return 0
}

// infix parses the operator at the current token and its right side.
func (p *parser) infix(left Expr, precedence int) (Expr, error) {
	current := p.advance()
	if current.kind == tokenOperator {
		right, err := p.expression(precedence + 1)
		if err != nil {
			return nil, err
		}
		return &BinaryExpr{Operator: BinaryOperator(current.value), Left: left, Right: right}, nil
	}
	switch current.value {
	case "OR", "AND":
		right, err := p.expression(precedence + 1)
		if err != nil {
			return nil, err
		}
		return &BinaryExpr{Operator: BinaryOperator(current.value), Left: left, Right: right}, nil
	case "IS":
		return p.isTail(left)
	}
	negated := current.value == "NOT"
	if negated {
		current = p.advance()
	}
	switch current.value {
	case "BETWEEN":
		return p.betweenTail(left, negated)
	case "IN":
		return p.inTail(left, negated)
	}
	pattern, err := p.expression(precedenceConcat)
	if err != nil {
		return nil, err
	}
	return &Like{Operand: left, Not: negated, Pattern: pattern}, nil
}

func (p *parser) isTail(left Expr) (Expr, error) {
	negated := p.acceptKeyword("NOT")
	switch {
	case p.acceptKeyword("NULL"):
		return &IsNull{Operand: left, Not: negated}, nil
	case p.acceptKeyword("TRUE"):
		return &IsBool{Operand: left, Not: negated, Value: true}, nil
	case p.acceptKeyword("FALSE"):
		return &IsBool{Operand: left, Not: negated, Value: false}, nil
	}
	return nil, p.unexpected("expected NULL, TRUE or FALSE")
}

func (p *parser) betweenTail(left Expr, negated bool) (Expr, error) {
	low, err := p.expression(precedenceConcat)
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("AND"); err != nil {
		return nil, err
	}
	high, err := p.expression(precedenceConcat)
	if err != nil {
		return nil, err
	}
	return &Between{Operand: left, Not: negated, Low: low, High: high}, nil
}

func (p *parser) inTail(left Expr, negated bool) (Expr, error) {
	if err := p.expectOperator("("); err != nil {
		return nil, err
	}
	if p.queryStartsAt(0) {
		query, err := closing(p, p.query)
		if err != nil {
			return nil, err
		}
		return &InSubquery{Operand: left, Not: negated, Query: query}, nil
	}
	list, err := closing(p, p.expressionList)
	if err != nil {
		return nil, err
	}
	return &InList{Operand: left, Not: negated, List: list}, nil
}

// expressionList reads expression {, expression}.
func (p *parser) expressionList() ([]Expr, error) {
	return commaList(p, func() (Expr, error) { return p.expression(precedenceOr) })
}

// prefix parses NOT, a sign, or a primary.
func (p *parser) prefix() (Expr, error) {
	var operator UnaryOperator
	var operandPrecedence int
	switch {
	case p.isKeyword("NOT"):
		operator, operandPrecedence = UnaryNot, precedenceNot
	case p.isOperator("-"):
		operator, operandPrecedence = UnaryMinus, precedenceUnary
	case p.isOperator("+"):
		operator, operandPrecedence = UnaryPlus, precedenceUnary
	default:
		return p.primary()
	}
	p.advance()
	operand, err := p.expression(operandPrecedence)
	if err != nil {
		return nil, err
	}
	return &UnaryExpr{Operator: operator, Operand: operand}, nil
}

func (p *parser) primary() (Expr, error) {
	current := p.peek()
	switch current.kind {
	case tokenNumber:
		p.advance()
		return &NumberLiteral{Text: current.value}, nil
	case tokenString:
		p.advance()
		return &StringLiteral{Value: current.value}, nil
	case tokenBlob:
		p.advance()
		return &BlobLiteral{Value: []byte(current.value)}, nil
	case tokenParameter:
		return p.parameter()
	case tokenIdentifier, tokenQuotedIdentifier:
		return p.nameExpression()
	case tokenKeyword:
		return p.keywordExpression()
	case tokenOperator:
		if current.value == "(" {
			return p.parenthesized()
		}
	}
	return nil, p.unexpected("expected an expression")
}

func (p *parser) keywordExpression() (Expr, error) {
	switch p.peek().value {
	case "NULL":
		p.advance()
		return &NullLiteral{}, nil
	case "TRUE":
		p.advance()
		return &BoolLiteral{Value: true}, nil
	case "FALSE":
		p.advance()
		return &BoolLiteral{Value: false}, nil
	case "EXISTS":
		p.advance()
		query, err := p.parenthesizedQuery()
		if err != nil {
			return nil, err
		}
		return &Exists{Query: query}, nil
	case "CASE":
		return p.caseExpression()
	case "CAST":
		return p.castExpression()
	}
	return nil, p.unexpected("expected an expression")
}

// parenthesized parses ( expression ) or a scalar subquery ( SELECT ... ).
func (p *parser) parenthesized() (Expr, error) {
	if p.queryStartsAt(1) {
		query, err := p.parenthesizedQuery()
		if err != nil {
			return nil, err
		}
		return &Subquery{Query: query}, nil
	}
	p.advance()
	return closing(p, func() (Expr, error) { return p.expression(precedenceOr) })
}

// parenthesizedQuery reads "(" query ")".
func (p *parser) parenthesizedQuery() (*Query, error) {
	return enclosed(p, func() (*Query, error) {
		if !p.queryStartsAt(0) {
			return nil, p.unexpected("expected SELECT")
		}
		return p.query()
	})
}

// nameExpression parses a column reference or a function call.
func (p *parser) nameExpression() (Expr, error) {
	first := p.advance()
	if p.isOperator("(") {
		return p.functionCall(upperName(first))
	}
	if !p.acceptOperator(".") {
		return &ColumnRef{Column: first.value}, nil
	}
	column, err := p.name("a column name")
	if err != nil {
		return nil, err
	}
	return &ColumnRef{Table: first.value, Column: column}, nil
}

// upperName is the name of a function or type: unquoted names fold to
// upper case, quoted names stay as written.
func upperName(t token) string {
	if t.kind == tokenIdentifier {
		return strings.ToUpper(t.value)
	}
	return t.value
}

func (p *parser) functionCall(name string) (Expr, error) {
	p.advance() // (
	call := &FunctionCall{Name: name}
	switch {
	case p.acceptOperator("*"):
		call.Star = true
	case p.isOperator(")"):
	default:
		call.Distinct = p.acceptKeyword("DISTINCT")
		call.All = !call.Distinct && p.acceptKeyword("ALL")
		arguments, err := p.expressionList()
		if err != nil {
			return nil, err
		}
		call.Arguments = arguments
	}
	if err := p.expectOperator(")"); err != nil {
		return nil, err
	}
	return call, nil
}

func (p *parser) caseExpression() (Expr, error) {
	p.advance() // CASE
	result := &Case{}
	if !p.isKeyword("WHEN") {
		operand, err := p.expression(precedenceOr)
		if err != nil {
			return nil, err
		}
		result.Operand = operand
	}
	if !p.isKeyword("WHEN") {
		return nil, p.unexpected("expected WHEN")
	}
	for p.acceptKeyword("WHEN") {
		condition, err := p.expression(precedenceOr)
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("THEN"); err != nil {
			return nil, err
		}
		value, err := p.expression(precedenceOr)
		if err != nil {
			return nil, err
		}
		result.Whens = append(result.Whens, When{Condition: condition, Result: value})
	}
	if p.acceptKeyword("ELSE") {
		value, err := p.expression(precedenceOr)
		if err != nil {
			return nil, err
		}
		result.Else = value
	}
	if err := p.expectKeyword("END"); err != nil {
		return nil, err
	}
	return result, nil
}

func (p *parser) castExpression() (Expr, error) {
	p.advance() // CAST
	if err := p.expectOperator("("); err != nil {
		return nil, err
	}
	operand, err := p.expression(precedenceOr)
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("AS"); err != nil {
		return nil, err
	}
	typeName, err := p.typeName()
	if err != nil {
		return nil, err
	}
	if err := p.expectOperator(")"); err != nil {
		return nil, err
	}
	return &Cast{Operand: operand, Type: typeName}, nil
}

// typeName reads name [( integer [, integer] )].
func (p *parser) typeName() (TypeName, error) {
	if !isName(p.peek()) {
		return TypeName{}, p.unexpected("expected a type name")
	}
	result := TypeName{Name: upperName(p.advance())}
	if !p.acceptOperator("(") {
		return result, nil
	}
	for {
		argument, err := p.typeArgument()
		if err != nil {
			return TypeName{}, err
		}
		result.Arguments = append(result.Arguments, argument)
		if len(result.Arguments) == 2 || !p.acceptOperator(",") {
			break
		}
	}
	if err := p.expectOperator(")"); err != nil {
		return TypeName{}, err
	}
	return result, nil
}

func (p *parser) typeArgument() (int, error) {
	current := p.peek()
	if current.kind != tokenNumber {
		return 0, p.unexpected("expected an integer type argument")
	}
	value, err := strconv.ParseInt(current.value, 10, 32)
	if err != nil || value > math.MaxInt32 {
		return 0, p.unexpected(fmt.Sprintf("expected an integer type argument from 0 to %d", math.MaxInt32))
	}
	p.advance()
	return int(value), nil
}
