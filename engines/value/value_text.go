package value

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrBadText reports text that Parse cannot read.
var ErrBadText = errors.New("value: bad text")

// String returns v as a readable literal that Parse reads back:
//
//	null  true  false  42  -7
//	1.5  1.0  -0.0  1e+21  NaN  +Inf  -Inf     (a float always shows '.', 'e' or is named)
//	"text"                                     (Go quoting; any bytes round-trip)
//	0xdeadbeef  0x                             (bytes, lower-case hex)
//	[1, "a"]  []
//	{"a": 1, "b": [true]}  {}                  (keys in sorted order)
//	decimal"1.50"  decimal"-3"                 (the scale as written)
//	timestamp"2026-12-02T10:00:00.25Z"         (RFC 3339, UTC)
//	uuid"123e4567-e89b-12d3-a456-426614174000"
//
// A decimal, timestamp or uuid is its kind's name right before a quoted
// string that ParseDecimal, ParseTimestamp or ParseUUID reads (so Parse
// also reads decimal".5" and timestamp"2026-12-02T11:00:00+01:00").
func (v Value) String() string { return string(v.appendText(nil)) }

func (v Value) appendText(dst []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBool:
		return strconv.AppendBool(dst, v.bits == 1)
	case KindInt:
		return strconv.AppendInt(dst, int64(v.bits), 10)
	case KindFloat:
		return appendFloatText(dst, math.Float64frombits(v.bits))
	case KindString:
		return strconv.AppendQuote(dst, v.text)
	case KindBytes:
		return hex.AppendEncode(append(dst, "0x"...), []byte(v.text))
	case KindList:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = item.appendText(dst)
		}
		return append(dst, ']')
	case KindDecimal, KindTimestamp, KindUUID:
		dst = append(append(dst, v.kind.String()...), '"')
		return append(v.appendKindText(dst), '"')
	case KindMap:
		dst = append(dst, '{')
		for i := 0; i < len(v.items); i += 2 {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = strconv.AppendQuote(dst, v.items[i].text)
			dst = append(dst, ": "...)
			dst = v.items[i+1].appendText(dst)
		}
		return append(dst, '}')
	}
	return append(dst, v.kind.String()...)
}

// appendKindText appends the text of a Decimal, Timestamp or UUID, which
// String quotes after the kind's name.
func (v Value) appendKindText(dst []byte) []byte {
	switch v.kind {
	case KindDecimal:
		return v.decimal().appendText(dst)
	case KindTimestamp:
		return Timestamp{micros: int64(v.bits)}.appendText(dst)
	}
	return UUID([]byte(v.text)).appendText(dst)
}

// appendFloatText writes the shortest text that reads back as exactly f, with
// ".0" added where it would otherwise read as an Int.
func appendFloatText(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst
	}
	if bytes.ContainsAny(dst[start:], ".e") {
		return dst
	}
	return append(dst, ".0"...)
}

// Parse reads the literal form written by Value.String. Whitespace
// (space, tab, newline, carriage return) may surround any token. Errors
// wrap ErrBadText (or ErrNestingTooDeep) and name the byte offset.
func Parse(text string) (Value, error) {
	parser := textParser{text: text}
	v, err := parser.value(0)
	if err != nil {
		return Value{}, err
	}
	parser.skipSpace()
	if parser.position < len(text) {
		return Value{}, parser.fail("unexpected %q after the value", parser.text[parser.position:parser.position+1])
	}
	return v, nil
}

// textParser reads value literals from text.
// Invariant: position <= len(text).
type textParser struct {
	text     string
	position int
}

func (p *textParser) fail(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrBadText, p.position, fmt.Sprintf(format, args...))
}

func (p *textParser) skipSpace() {
	for p.position < len(p.text) && strings.IndexByte(" \t\n\r", p.text[p.position]) >= 0 {
		p.position++
	}
}

// peek returns the next byte after whitespace, or 0 at the end.
func (p *textParser) peek() byte {
	p.skipSpace()
	if p.position >= len(p.text) {
		return 0
	}
	return p.text[p.position]
}

// value reads one value; depth counts the lists and maps around it.
func (p *textParser) value(depth int) (Value, error) {
	switch p.peek() {
	case 0:
		return Value{}, p.fail("want a value, found the end")
	case '"':
		text, err := p.quoted()
		return String(text), err
	case '[':
		return p.list(depth + 1)
	case '{':
		return p.mapEntries(depth + 1)
	}
	return p.word()
}

// quoted reads a Go double-quoted string.
func (p *textParser) quoted() (string, error) {
	start := p.position
	for end := start + 1; end < len(p.text); end++ {
		switch p.text[end] {
		case '\\':
			end++
		case '\n':
			return "", p.fail("newline inside a quoted string")
		case '"':
			unquoted, err := strconv.Unquote(p.text[start : end+1])
			if err != nil {
				return "", p.fail("bad quoted string %s", p.text[start:end+1])
			}
			p.position = end + 1
			return unquoted, nil
		}
	}
	return "", p.fail("unterminated quoted string")
}

// word reads a bare token: null, true, false, a number, or 0x bytes; or
// a kind's name and a quoted string.
func (p *textParser) word() (Value, error) {
	start := p.position
	for p.position < len(p.text) && isWordByte(p.text[p.position]) {
		p.position++
	}
	word := p.text[start:p.position]
	if word == "" {
		return Value{}, p.fail("unexpected %q, want a value", p.text[start:start+1])
	}
	if p.position < len(p.text) && p.text[p.position] == '"' {
		return p.kindLiteral(start, word)
	}
	v, err := parseWord(word)
	if err != nil {
		p.position = start
		return Value{}, p.fail("%s", err)
	}
	return v, nil
}

// kindLiteral reads the quoted string after a kind's name that starts at
// start.
func (p *textParser) kindLiteral(start int, kindName string) (Value, error) {
	quotedAt := p.position
	text, err := p.quoted()
	if err != nil {
		return Value{}, err
	}
	v, known, err := parseKindText(kindName, text)
	if !known {
		p.position = start
		return Value{}, p.fail("unknown kind %q before a quoted string: want decimal, timestamp or uuid", kindName)
	}
	if err != nil {
		p.position = quotedAt
		return Value{}, p.fail("%s", err)
	}
	return v, nil
}

// parseKindText reads the text of a Decimal, Timestamp or UUID, named by
// its kind; known is false for any other name.
func parseKindText(kindName, text string) (v Value, known bool, err error) {
	switch kindName {
	case "decimal":
		decimal, err := ParseDecimal(text)
		return DecimalValue(decimal), true, err
	case "timestamp":
		timestamp, err := ParseTimestamp(text)
		return TimestampValue(timestamp), true, err
	case "uuid":
		uuid, err := ParseUUID(text)
		return UUIDValue(uuid), true, err
	}
	return Value{}, false, nil
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '-' || c == '.'
}

func parseWord(word string) (Value, error) {
	switch word {
	case "null":
		return Null(), nil
	case "true":
		return Bool(true), nil
	case "false":
		return Bool(false), nil
	case "NaN":
		return Float(math.NaN()), nil
	case "+Inf":
		return Float(math.Inf(1)), nil
	case "-Inf":
		return Float(math.Inf(-1)), nil
	}
	if hexDigits, ok := strings.CutPrefix(word, "0x"); ok {
		decoded, err := hex.DecodeString(hexDigits)
		if err != nil {
			return Value{}, fmt.Errorf("bad bytes %q: want 0x and pairs of hex digits", word)
		}
		return Bytes(decoded), nil
	}
	if strings.Trim(word, "0123456789+-.eE") != "" {
		return Value{}, fmt.Errorf("unknown word %q", word)
	}
	if !strings.ContainsAny(word, ".eE") {
		integer, err := strconv.ParseInt(word, 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("bad int %q", word)
		}
		return Int(integer), nil
	}
	float, err := strconv.ParseFloat(word, 64)
	if err != nil {
		return Value{}, fmt.Errorf("bad float %q", word)
	}
	return Float(float), nil
}

// list reads "[v, ...]"; depth counts this list.
func (p *textParser) list(depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, p.position, NestingDepthMax)
	}
	p.position++ // '['
	var items []Value
	if p.peek() == ']' {
		p.position++
		return makeList(items), nil
	}
	for {
		item, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		items = append(items, item)
		done, err := p.separator(']')
		if err != nil {
			return Value{}, err
		}
		if done {
			return makeList(items), nil
		}
	}
}

// separator consumes ',' (returns false) or closing (returns true).
func (p *textParser) separator(closing byte) (bool, error) {
	switch p.peek() {
	case ',':
		p.position++
		return false, nil
	case closing:
		p.position++
		return true, nil
	case 0:
		return false, p.fail("want ',' or '%c', found the end", closing)
	}
	return false, p.fail("want ',' or '%c', found %q", closing, p.text[p.position:p.position+1])
}

// mapEntries reads `{"key": v, ...}`; depth counts this map.
func (p *textParser) mapEntries(depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, p.position, NestingDepthMax)
	}
	p.position++ // '{'
	var entries []MapEntry
	seen := make(map[string]bool)
	if p.peek() == '}' {
		p.position++
		return MapFromEntries(entries)
	}
	for {
		if p.peek() != '"' {
			return Value{}, p.fail("want a quoted map key")
		}
		keyStart := p.position
		key, err := p.quoted()
		if err != nil {
			return Value{}, err
		}
		if seen[key] {
			p.position = keyStart
			return Value{}, p.fail("duplicate map key %q", key)
		}
		seen[key] = true
		if p.peek() != ':' {
			return Value{}, p.fail("want ':' after a map key")
		}
		p.position++
		item, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		entries = append(entries, MapEntry{Key: key, Value: item})
		done, err := p.separator('}')
		if err != nil {
			return Value{}, err
		}
		if done {
			return MapFromEntries(entries)
		}
	}
}
