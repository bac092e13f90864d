package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a syntax error: where it is, the offending token as written
// (empty at the end of input), and what went wrong.
type Error struct {
	Line    int // 1-based
	Column  int // 1-based, counted in bytes
	Token   string
	Message string // e.g. `unexpected "FROM", expected an expression`
}

func (e *Error) Error() string {
	return fmt.Sprintf("sql: line %d, column %d: %s", e.Line, e.Column, e.Message)
}

const (
	// nestingDepthMax bounds recursion: nested expressions, subqueries,
	// parenthesized joins and EXPLAINs together.
	nestingDepthMax = 200
	// inputLengthMax bounds the SQL text accepted, in bytes.
	inputLengthMax = 64 << 20
)

// Parse parses exactly one statement, optionally followed by a semicolon.
func Parse(sql string) (Statement, error) {
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	statement, err := p.statement()
	if err != nil {
		return nil, err
	}
	if p.acceptOperator(";") {
		if !p.atEnd() {
			return nil, p.unexpected("expected end of input after one statement")
		}
		return statement, nil
	}
	if !p.atEnd() {
		return nil, p.unexpected(`expected ";" or end of input`)
	}
	return statement, nil
}

// ParseAll parses statements separated by semicolons. Empty statements
// (stray semicolons) are skipped; empty input gives no statements.
func ParseAll(sql string) ([]Statement, error) {
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	var statements []Statement
	for {
		for p.acceptOperator(";") {
		}
		if p.atEnd() {
			return statements, nil
		}
		p.resetParameters()
		statement, err := p.statement()
		if err != nil {
			return nil, err
		}
		statements = append(statements, statement)
		if !p.acceptOperator(";") && !p.atEnd() {
			return nil, p.unexpected(`expected ";" or end of input`)
		}
	}
}

// ParseExpr parses one scalar expression.
func ParseExpr(sql string) (Expr, error) {
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	expr, err := p.expression(precedenceOr)
	if err != nil {
		return nil, err
	}
	if !p.atEnd() {
		return nil, p.unexpected("expected end of expression")
	}
	return expr, nil
}

// parser is a recursive-descent parser over the whole token list.
type parser struct {
	tokens   []token // Invariant: ends with exactly one tokenEnd.
	position int     // Invariant: position < len(tokens).
	depth    int     // current nesting, at most nestingDepthMax

	// One statement uses either ? or $N parameters, not both.
	positionalSeen  bool
	positionalCount int
	numberedSeen    bool
}

func newParser(sql string) (*parser, error) {
	if len(sql) > inputLengthMax {
		return nil, &Error{Line: 1, Column: 1,
			Message: fmt.Sprintf("SQL text of %d bytes is longer than the limit of %d bytes", len(sql), inputLengthMax)}
	}
	tokens, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	return &parser{tokens: tokens}, nil
}

func (p *parser) resetParameters() {
	p.positionalSeen = false
	p.positionalCount = 0
	p.numberedSeen = false
}

func (p *parser) peek() token { return p.tokens[p.position] }

// peekAt looks ahead; past the end it returns the end token.
func (p *parser) peekAt(ahead int) token {
	if p.position+ahead < len(p.tokens) {
		return p.tokens[p.position+ahead]
	}
	return p.tokens[len(p.tokens)-1]
}

func (p *parser) advance() token {
	current := p.tokens[p.position]
	if current.kind != tokenEnd {
		p.position++
	}
	return current
}

func (p *parser) atEnd() bool { return p.peek().kind == tokenEnd }

// is reports whether the next token is of kind and reads value
// (normalized, see tokenKind).
func (p *parser) is(kind tokenKind, value string) bool {
	current := p.peek()
	return current.kind == kind && current.value == value
}

// accept consumes the next token if it is of kind and reads value.
func (p *parser) accept(kind tokenKind, value string) bool {
	if p.is(kind, value) {
		p.advance()
		return true
	}
	return false
}

// expect consumes the next token, which must be of kind and read value;
// written is how an error message shows it.
func (p *parser) expect(kind tokenKind, value, written string) error {
	if p.accept(kind, value) {
		return nil
	}
	return p.unexpected("expected " + written)
}

func (p *parser) isKeyword(keyword string) bool { return p.is(tokenKeyword, keyword) }

func (p *parser) acceptKeyword(keyword string) bool { return p.accept(tokenKeyword, keyword) }

func (p *parser) expectKeyword(keyword string) error {
	return p.expect(tokenKeyword, keyword, keyword)
}

// isWord reports whether the next token is the unreserved word, written
// unquoted (word is lower case).
func isWord(t token, word string) bool {
	return t.kind == tokenIdentifier && t.value == word
}

func (p *parser) acceptWord(word string) bool { return p.accept(tokenIdentifier, word) }

func (p *parser) expectWord(word string) error {
	return p.expect(tokenIdentifier, word, strings.ToUpper(word))
}

func (p *parser) isOperator(operator string) bool { return p.is(tokenOperator, operator) }

func (p *parser) acceptOperator(operator string) bool { return p.accept(tokenOperator, operator) }

func (p *parser) expectOperator(operator string) error {
	return p.expect(tokenOperator, operator, strconv.Quote(operator))
}

// commaSeparated runs item for item {, item}, stopping at the first
// error.
func (p *parser) commaSeparated(item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		if !p.acceptOperator(",") {
			return nil
		}
	}
}

// commaList reads item {, item}.
func commaList[T any](p *parser, item func() (T, error)) ([]T, error) {
	var items []T
	err := p.commaSeparated(func() error {
		next, err := item()
		items = append(items, next)
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

func isName(t token) bool {
	return t.kind == tokenIdentifier || t.kind == tokenQuotedIdentifier
}

// name reads an identifier; what says which name, for the error message.
func (p *parser) name(what string) (string, error) {
	if !isName(p.peek()) {
		return "", p.unexpected("expected " + what)
	}
	return p.advance().value, nil
}

// enclosed reads "(" inside ")".
func enclosed[T any](p *parser, inside func() (T, error)) (T, error) {
	if err := p.expectOperator("("); err != nil {
		var zero T
		return zero, err
	}
	return closing(p, inside)
}

// closing reads inside ")": the caller has read the "(".
func closing[T any](p *parser, inside func() (T, error)) (T, error) {
	result, err := inside()
	if err == nil {
		err = p.expectOperator(")")
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return result, nil
}

// names reads "(" name {, name} ")".
func (p *parser) names(what string) ([]string, error) {
	return enclosed(p, func() ([]string, error) {
		return commaList(p, func() (string, error) { return p.name(what) })
	})
}

// statementTable reads the statement's first word, then keyword, then a
// table name: INSERT INTO t, DELETE FROM t, ALTER TABLE t.
func (p *parser) statementTable(keyword string) (string, error) {
	p.advance()
	if err := p.expectKeyword(keyword); err != nil {
		return "", err
	}
	return p.name("a table name")
}

// unexpected reports the next token as wrong; expected says what would
// have been right.
func (p *parser) unexpected(expected string) *Error {
	return p.errorAt(p.peek(), expected)
}

func (p *parser) errorAt(t token, detail string) *Error {
	if t.kind == tokenEnd {
		return &Error{Line: t.line, Column: t.column, Message: "unexpected end of input, " + detail}
	}
	return &Error{Line: t.line, Column: t.column, Token: t.text,
		Message: fmt.Sprintf("unexpected %s, %s", strconv.Quote(t.text), detail)}
}

// enter guards recursion; every successful enter is paired with leave.
func (p *parser) enter() error {
	if p.depth >= nestingDepthMax {
		return p.errorAt(p.peek(), fmt.Sprintf("nesting deeper than %d levels", nestingDepthMax))
	}
	p.depth++
	return nil
}

func (p *parser) leave() {
	if p.depth <= 0 {
		panic("parser: leave without enter")
	}
	p.depth--
}

// parameter turns a parameter token into a *Parameter, numbering ? marks
// in order and refusing a mix of ? and $N.
func (p *parser) parameter() (Expr, error) {
	current := p.peek()
	if current.value == "" {
		if p.numberedSeen {
			return nil, p.errorAt(current, "cannot mix ? and $N parameters in one statement")
		}
		if p.positionalCount >= parameterIndexMax {
			return nil, p.errorAt(current, fmt.Sprintf("more than %d parameters", parameterIndexMax))
		}
		p.advance()
		p.positionalSeen = true
		p.positionalCount++
		return &Parameter{Index: p.positionalCount, Positional: true}, nil
	}
	if p.positionalSeen {
		return nil, p.errorAt(current, "cannot mix ? and $N parameters in one statement")
	}
	p.advance()
	p.numberedSeen = true
	index, err := strconv.Atoi(current.value)
	if err != nil {
		panic("parser: the lexer let through a parameter that is not a number")
	}
	return &Parameter{Index: index}, nil
}
