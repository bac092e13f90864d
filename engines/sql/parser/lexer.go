package parser

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind classifies a token.
type tokenKind int

const (
	tokenEnd              tokenKind = iota // end of input
	tokenKeyword                           // a reserved word; value is upper case
	tokenIdentifier                        // an unquoted name; value is lower case
	tokenQuotedIdentifier                  // a "double-quoted" name; value is exact
	tokenString                            // a '...' literal; value is unescaped
	tokenNumber                            // value is the text as written
	tokenBlob                              // X'ABCD'; value is the decoded bytes
	tokenParameter                         // ? (value "") or $N (value "N")
	tokenOperator                          // punctuation; value is canonical ("<>" for "!=")
)

// token is one lexical unit with the position of its first byte.
type token struct {
	kind   tokenKind
	text   string // exactly as written in the input
	value  string // normalized, see tokenKind
	line   int    // 1-based
	column int    // 1-based, counted in bytes
}

// reservedKeywords are words that cannot be used as unquoted names. Other
// words with a meaning in some context (KEY, INDEX, COLUMN, ...) stay
// identifiers, and the parser recognizes them by position.
var reservedKeywords = map[string]bool{
	"ALL": true, "ALTER": true, "AND": true, "AS": true, "ASC": true,
	"BETWEEN": true, "BY": true, "CASE": true, "CAST": true, "CREATE": true,
	"CROSS": true, "DEFAULT": true, "DELETE": true, "DESC": true,
	"DISTINCT": true, "DROP": true, "ELSE": true, "END": true, "EXCEPT": true,
	"EXISTS": true, "EXPLAIN": true, "FALSE": true, "FROM": true, "FULL": true,
	"GROUP": true, "HAVING": true, "IN": true, "INNER": true, "INSERT": true,
	"INTERSECT": true, "INTO": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "NATURAL": true, "NOT": true, "NULL": true, "OFFSET": true,
	"ON": true, "OR": true, "ORDER": true, "OUTER": true, "PRIMARY": true,
	"RETURNING": true, "RIGHT": true, "SELECT": true, "SET": true,
	"TABLE": true, "THEN": true, "TO": true, "TRUE": true, "UNION": true,
	"UNIQUE": true, "UPDATE": true, "USING": true, "VALUES": true,
	"WHEN": true, "WHERE": true,
}

// lexer turns SQL text into tokens. It works on bytes: names are ASCII,
// string literals may hold any bytes.
type lexer struct {
	input     string
	offset    int // next byte to read
	line      int
	lineStart int // offset of the first byte of the current line
}

func newLexer(input string) *lexer {
	return &lexer{input: input, line: 1}
}

// tokenize returns all tokens of input, ending with a tokenEnd token.
func tokenize(input string) ([]token, error) {
	l := newLexer(input)
	var tokens []token
	for {
		next, err := l.next()
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, next)
		if next.kind == tokenEnd {
			return tokens, nil
		}
	}
}

func (l *lexer) peekByte(ahead int) byte {
	if l.offset+ahead < len(l.input) {
		return l.input[l.offset+ahead]
	}
	return 0
}

func (l *lexer) errorAt(line, column int, text, message string) *Error {
	return &Error{Line: line, Column: column, Token: text, Message: message}
}

// skipSpaceAndComments advances past blanks and comments.
func (l *lexer) skipSpaceAndComments() error {
	for l.offset < len(l.input) {
		c := l.input[l.offset]
		switch {
		case c == '\n':
			l.offset++
			l.line++
			l.lineStart = l.offset
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.offset++
		case c == '-' && l.peekByte(1) == '-':
			for l.offset < len(l.input) && l.input[l.offset] != '\n' {
				l.offset++
			}
		case c == '/' && l.peekByte(1) == '*':
			if err := l.skipBlockComment(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

func (l *lexer) skipBlockComment() error {
	line, column := l.line, l.offset-l.lineStart+1
	l.offset += 2
	for l.offset < len(l.input) {
		if l.input[l.offset] == '*' && l.peekByte(1) == '/' {
			l.offset += 2
			return nil
		}
		if l.input[l.offset] == '\n' {
			l.line++
			l.lineStart = l.offset + 1
		}
		l.offset++
	}
	return l.errorAt(line, column, "/*", "unterminated comment")
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skipSpaceAndComments(); err != nil {
		return token{}, err
	}
	start := l.offset
	line, column := l.line, l.offset-l.lineStart+1
	emit := func(kind tokenKind, value string) token {
		return token{kind: kind, text: l.input[start:l.offset], value: value, line: line, column: column}
	}
	if l.offset >= len(l.input) {
		return token{kind: tokenEnd, line: line, column: column}, nil
	}
	c := l.input[l.offset]
	switch {
	case (c == 'x' || c == 'X') && l.peekByte(1) == '\'':
		return l.blob(emit)
	case isIdentifierStart(c):
		for l.offset < len(l.input) && isIdentifierPart(l.input[l.offset]) {
			l.offset++
		}
		upper := strings.ToUpper(l.input[start:l.offset])
		if reservedKeywords[upper] {
			return emit(tokenKeyword, upper), nil
		}
		return emit(tokenIdentifier, strings.ToLower(upper)), nil
	case isDigit(c) || (c == '.' && isDigit(l.peekByte(1))):
		return l.number(emit)
	case c == '\'':
		value, err := l.quoted('\'', "string literal")
		if err != nil {
			return token{}, err
		}
		return emit(tokenString, value), nil
	case c == '"':
		value, err := l.quoted('"', "quoted identifier")
		if err != nil {
			return token{}, err
		}
		if value == "" {
			return token{}, l.errorAt(line, column, `""`, "a quoted identifier must not be empty")
		}
		return emit(tokenQuotedIdentifier, value), nil
	case c == '?':
		l.offset++
		return emit(tokenParameter, ""), nil
	case c == '$':
		return l.parameter(emit)
	}
	return l.operator(emit)
}

func (l *lexer) blob(emit func(tokenKind, string) token) (token, error) {
	start := l.offset
	line, column := l.line, l.offset-l.lineStart+1
	l.offset++ // the X
	digits, err := l.quoted('\'', "blob literal")
	if err != nil {
		return token{}, err
	}
	decoded, decodeErr := hex.DecodeString(digits)
	if decodeErr != nil {
		text := l.input[start:l.offset]
		return token{}, l.errorAt(line, column, text,
			fmt.Sprintf("invalid blob literal %q, expected an even number of hexadecimal digits", text))
	}
	return emit(tokenBlob, string(decoded)), nil
}

// number reads digits [. digits] [e [+-] digits], or . digits [exponent].
func (l *lexer) number(emit func(tokenKind, string) token) (token, error) {
	start := l.offset
	line, column := l.line, l.offset-l.lineStart+1
	l.skipDigits()
	if l.peekByte(0) == '.' {
		l.offset++
		l.skipDigits()
	}
	if c := l.peekByte(0); c == 'e' || c == 'E' {
		l.offset++
		if sign := l.peekByte(0); sign == '+' || sign == '-' {
			l.offset++
		}
		if !isDigit(l.peekByte(0)) {
			return token{}, l.invalidNumber(start, line, column)
		}
		l.skipDigits()
	}
	if c := l.peekByte(0); isIdentifierPart(c) || c == '.' {
		return token{}, l.invalidNumber(start, line, column)
	}
	text := l.input[start:l.offset]
	return emit(tokenNumber, text), nil
}

func (l *lexer) invalidNumber(start, line, column int) *Error {
	end := l.offset
	for end < len(l.input) && (isIdentifierPart(l.input[end]) || l.input[end] == '.') {
		end++
	}
	text := l.input[start:end]
	return l.errorAt(line, column, text, fmt.Sprintf("invalid number %q", text))
}

func (l *lexer) skipDigits() {
	for l.offset < len(l.input) && isDigit(l.input[l.offset]) {
		l.offset++
	}
}

// quoted reads a literal delimited by quote, where a doubled quote stands
// for one. It returns the content with doubled quotes undone.
func (l *lexer) quoted(quote byte, what string) (string, error) {
	line, column := l.line, l.offset-l.lineStart+1
	l.offset++ // opening quote
	var content strings.Builder
	for l.offset < len(l.input) {
		c := l.input[l.offset]
		l.offset++
		if c == quote {
			if l.peekByte(0) != quote {
				return content.String(), nil
			}
			l.offset++
		}
		if c == '\n' {
			l.line++
			l.lineStart = l.offset
		}
		content.WriteByte(c)
	}
	return "", l.errorAt(line, column, string(quote), "unterminated "+what)
}

// parameterIndexMax bounds $N so that parameter numbers fit any later use.
const parameterIndexMax = 65535

func (l *lexer) parameter(emit func(tokenKind, string) token) (token, error) {
	line, column := l.line, l.offset-l.lineStart+1
	l.offset++ // $
	digitsStart := l.offset
	l.skipDigits()
	digits := l.input[digitsStart:l.offset]
	index, err := strconv.Atoi(digits)
	if digits == "" || err != nil || index < 1 || index > parameterIndexMax || isIdentifierPart(l.peekByte(0)) {
		for isIdentifierPart(l.peekByte(0)) {
			l.offset++
		}
		text := l.input[digitsStart-1 : l.offset]
		return token{}, l.errorAt(line, column, text,
			fmt.Sprintf("invalid parameter %q, expected $1 to $%d", text, parameterIndexMax))
	}
	return emit(tokenParameter, strconv.Itoa(index)), nil
}

// operator reads punctuation, longest match first.
func (l *lexer) operator(emit func(tokenKind, string) token) (token, error) {
	two := ""
	if l.offset+2 <= len(l.input) {
		two = l.input[l.offset : l.offset+2]
	}
	switch two {
	case "<>", "<=", ">=", "||":
		l.offset += 2
		return emit(tokenOperator, two), nil
	case "!=":
		l.offset += 2
		return emit(tokenOperator, "<>"), nil
	}
	c := l.input[l.offset]
	if strings.IndexByte("=<>+-*/%.,();", c) >= 0 {
		l.offset++
		return emit(tokenOperator, string(c)), nil
	}
	line, column := l.line, l.offset-l.lineStart+1
	_, width := utf8.DecodeRuneInString(l.input[l.offset:])
	text := l.input[l.offset : l.offset+width]
	return token{}, l.errorAt(line, column, text, fmt.Sprintf("unexpected character %q", text))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentifierStart(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
}

func isIdentifierPart(c byte) bool { return isIdentifierStart(c) || isDigit(c) }
