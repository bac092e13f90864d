package checkers

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/value"
)

// ReadEDN reads a history written as EDN: Jepsen's history.edn (one
// operation map per line, or a vector of them; a tagged map such as
// #jepsen.history.Op{...} counts as a map), Elle's and Knossos's test
// histories, and what WriteEDN writes. Keys read: :type, and where present
// :process, :f (:txn when absent, as in Elle's examples), :value, :key,
// :time, :txn, :commit-timestamp, :snapshot and :error (a keyword, string or number:
// a vector or map is ignored); others (:index, :node, ...) are ignored, and events are numbered in order. An operation whose
// :process is not an integer (Jepsen's :nemesis) is left out; one with no
// :process gets one (see buildHistory).
//
// Values: nil, booleans, integers, floats, strings, keywords and symbols
// (as Strings, without the colon), vectors, lists and sets (as Lists) and
// maps (as Maps, keys by name). A list-append :txn holds [:append k v] and
// [:r k [...]] micro-ops (an integer k becomes a String); a register
// history on Jepsen's independent keys ([k v] tuples) is split by key (see
// ReadHistory). Bad text is an *InputError naming the line and column.
func ReadEDN(r io.Reader) (History, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return History{}, fmt.Errorf("checkers: reading edn: %w", err)
	}
	parser := &ednParser{text: string(data), at: textPosition{line: 1, column: 1}}
	var operations []readOperation
	for {
		parser.skipSpace()
		if parser.err != nil {
			return History{}, parser.err
		}
		if parser.offset >= len(parser.text) {
			break
		}
		form, err := parser.form(0, false)
		if err != nil {
			return History{}, err
		}
		items := []ednNode{form}
		if form.kind == ednVector || form.kind == ednList {
			items = form.items
		}
		for _, item := range items {
			operation, keep, err := ednOperation(item)
			if err != nil {
				return History{}, err
			}
			if keep {
				operations = append(operations, operation)
			}
		}
	}
	return buildHistory(operations)
}

type ednKind uint8

const (
	ednNil ednKind = iota
	ednBool
	ednInt
	ednFloat
	ednString
	ednKeyword
	ednSymbol
	ednVector
	ednList
	ednSet
	ednMap
)

var ednKindNames = []string{"nil", "boolean", "integer", "float", "string", "keyword", "symbol", "vector", "list", "set", "map"}

// ednNode is one EDN form: a scalar, or a collection (a map's items are
// its keys and values alternately).
type ednNode struct {
	kind     ednKind
	text     string // a string's contents, a keyword's or symbol's name
	integer  int64
	float    float64
	boolean  bool
	items    []ednNode
	position textPosition
	// converted holds a collection read straight into a Value (an
	// operation's field), whose items are then not kept.
	converted value.Value
}

// ednParser reads forms from text, keeping the line and column of offset.
type ednParser struct {
	text   string
	offset int
	at     textPosition
	// err is the first error found while skipping a #_ form.
	err error
	// pending is a stack of the items of the collections being read as
	// values, innermost last, so that reading them allocates only the
	// finished lists.
	pending []value.Value
}

// ednDepthMax bounds nesting: an operation map, its :value, and the
// value's own nesting (value.NestingDepthMax).
const ednDepthMax = value.NestingDepthMax + 2

// ednEndsToken marks the bytes that end a token: whitespace, commas and
// delimiters.
var ednEndsToken = func() (ends [256]bool) {
	for _, c := range []byte(" \t\r\n,()[]{}\";") {
		ends[c] = true
	}
	return ends
}()

// tokenEnd returns the offset where the token starting at from ends.
func (p *ednParser) tokenEnd(from int) int {
	for from < len(p.text) && !ednEndsToken[p.text[from]] {
		from++
	}
	return from
}

func (p *ednParser) advance(count int) {
	for range count {
		if p.text[p.offset] == '\n' {
			p.at = textPosition{line: p.at.line + 1, column: 1}
		} else if p.text[p.offset]&0xC0 != 0x80 { // count each character once
			p.at.column++
		}
		p.offset++
	}
}

// skipSpace skips whitespace, commas, ; comments and #_ discarded forms.
func (p *ednParser) skipSpace() {
	for p.offset < len(p.text) {
		switch c := p.text[p.offset]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			p.advance(1)
		case c == ';':
			for p.offset < len(p.text) && p.text[p.offset] != '\n' {
				p.advance(1)
			}
		case strings.HasPrefix(p.text[p.offset:], "#_"):
			p.advance(2)
			if _, err := p.form(0, true); err != nil && p.err == nil {
				p.err = err
				p.offset = len(p.text)
			}
		default:
			return
		}
	}
}

// form reads the next form; depth counts the collections around it. With
// asValue, a collection is read straight into node.converted (a field of
// an operation); without, into nodes (the history's vector, an
// operation's map, whose fields are then read as values).
func (p *ednParser) form(depth int, asValue bool) (ednNode, error) {
	p.skipSpace()
	if p.err != nil {
		return ednNode{}, p.err
	}
	start := p.at
	if p.offset >= len(p.text) {
		return ednNode{}, syntaxError(start, "unexpected end of input")
	}
	if depth > ednDepthMax {
		return ednNode{}, syntaxError(start, "nested deeper than %d", ednDepthMax)
	}
	rest := p.text[p.offset:]
	if kind, width, closing, ok := ednOpening(rest); ok {
		if asValue {
			converted, err := p.valueCollection(kind, width, closing, 1)
			return ednNode{kind: kind, position: start, converted: converted}, err
		}
		return p.collection(kind, width, closing, depth)
	}
	switch c := rest[0]; {
	case c == '#':
		if err := p.tag(); err != nil {
			return ednNode{}, err
		}
		return p.form(depth, asValue)
	case c == '"':
		return p.stringForm()
	case c == ')' || c == ']' || c == '}':
		return ednNode{}, syntaxError(start, "unexpected %q", c)
	}
	return p.atom()
}

// ednOpening recognizes the start of a collection: its kind, the width of
// its opening and its closing character.
func ednOpening(rest string) (kind ednKind, width int, closing byte, ok bool) {
	switch {
	case rest[0] == '{':
		return ednMap, 1, '}', true
	case rest[0] == '[':
		return ednVector, 1, ']', true
	case rest[0] == '(':
		return ednList, 1, ')', true
	case strings.HasPrefix(rest, "#{"):
		return ednSet, 2, '}', true
	}
	return 0, 0, 0, false
}

// collection reads the items up to closing, after an opening of width
// characters, as nodes; a map's values are read as values.
func (p *ednParser) collection(kind ednKind, width int, closing byte, depth int) (ednNode, error) {
	node := ednNode{kind: kind, position: p.at}
	p.advance(width)
	for {
		closed, err := p.closes(node.position, kind, closing)
		if err != nil {
			return ednNode{}, err
		}
		if closed {
			break
		}
		item, err := p.form(depth+1, kind == ednMap && len(node.items)%2 == 1)
		if err != nil {
			return ednNode{}, err
		}
		node.items = append(node.items, item)
	}
	if kind == ednMap && len(node.items)%2 != 0 {
		return ednNode{}, syntaxError(node.position, "map has a key without a value")
	}
	return node, nil
}

// closes skips to the next item and reports whether it is the closing
// character (consumed); the end of the text is an error.
func (p *ednParser) closes(start textPosition, kind ednKind, closing byte) (bool, error) {
	p.skipSpace()
	if p.err != nil {
		return false, p.err
	}
	if p.offset >= len(p.text) {
		return false, syntaxError(start, "%s is not closed", ednKindNames[kind])
	}
	if p.text[p.offset] == closing {
		p.advance(1)
		return true, nil
	}
	return false, nil
}

// valueCollection reads a collection straight into a Value: a List for a
// vector, list or set, a Map (keys by name) for a map. nesting counts it
// and the collections around it inside the value.
func (p *ednParser) valueCollection(kind ednKind, width int, closing byte, nesting int) (value.Value, error) {
	start := p.at
	if nesting > value.NestingDepthMax {
		return value.Value{}, syntaxError(start, "value nests deeper than %d", value.NestingDepthMax)
	}
	p.advance(width)
	bottom := len(p.pending)
	defer func() { p.pending = p.pending[:bottom] }()
	for {
		closed, err := p.closes(start, kind, closing)
		if err != nil {
			return value.Value{}, err
		}
		if closed {
			break
		}
		item, err := p.valueItem(nesting)
		if err != nil {
			return value.Value{}, err
		}
		p.pending = append(p.pending, item)
	}
	items := p.pending[bottom:]
	if kind != ednMap {
		return value.List(items...), nil
	}
	if len(items)%2 != 0 {
		return value.Value{}, syntaxError(start, "map has a key without a value")
	}
	entries := make(map[string]value.Value, len(items)/2)
	for i := 0; i < len(items); i += 2 {
		entries[scalarText(items[i])] = items[i+1]
	}
	return value.Map(entries), nil
}

// valueItem reads one item of a collection read as a value.
func (p *ednParser) valueItem(nesting int) (value.Value, error) {
	if kind, width, closing, ok := ednOpening(p.text[p.offset:]); ok {
		return p.valueCollection(kind, width, closing, nesting+1)
	}
	if p.text[p.offset] == '#' {
		if err := p.tag(); err != nil {
			return value.Value{}, err
		}
		p.skipSpace()
		if p.err != nil {
			return value.Value{}, p.err
		}
		if p.offset >= len(p.text) {
			return value.Value{}, syntaxError(p.at, "unexpected end of input")
		}
		return p.valueItem(nesting)
	}
	end := p.tokenEnd(p.offset)
	if integer, ok := plainInteger(p.text[p.offset:end]); ok { // most items are
		p.advance(end - p.offset)
		return value.Int(integer), nil
	}
	node, err := p.form(0, true)
	return ednValue(node), err
}

// plainInteger reads a token of at most 18 digits, with an optional minus
// sign; ok is false for anything else (left to ednAtom).
func plainInteger(token string) (int64, bool) {
	digits := strings.TrimPrefix(token, "-")
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var integer int64
	for i := range len(digits) {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		integer = integer*10 + int64(c-'0')
	}
	if len(digits) < len(token) {
		return -integer, true
	}
	return integer, true
}

// tag skips a #tag (#inst, #jepsen.history.Op, ...): the form after it is
// read as it is.
func (p *ednParser) tag() error {
	start := p.at
	p.advance(1)
	end := p.tokenEnd(p.offset)
	if end == p.offset {
		return syntaxError(start, "# is not followed by a tag")
	}
	p.advance(end - p.offset)
	return nil
}

func (p *ednParser) stringForm() (ednNode, error) {
	start := p.at
	p.advance(1)
	rest := p.text[p.offset:]
	if end := strings.IndexAny(rest, `"\`); end >= 0 && rest[end] == '"' { // no escapes
		p.advance(end + 1)
		return ednNode{kind: ednString, text: strings.Clone(rest[:end]), position: start}, nil
	}
	var text strings.Builder
	for p.offset < len(p.text) {
		c := p.text[p.offset]
		switch c {
		case '"':
			p.advance(1)
			return ednNode{kind: ednString, text: text.String(), position: start}, nil
		case '\\':
			if err := p.escape(&text); err != nil {
				return ednNode{}, err
			}
		default:
			_, size := utf8.DecodeRuneInString(p.text[p.offset:])
			text.WriteString(p.text[p.offset : p.offset+size])
			p.advance(size)
		}
	}
	return ednNode{}, syntaxError(start, "string is not closed")
}

var ednEscapes = map[byte]string{'"': `"`, '\\': `\`, 'n': "\n", 't': "\t", 'r': "\r", 'b': "\b", 'f': "\f", '/': "/"}

func (p *ednParser) escape(text *strings.Builder) error {
	at := p.at
	if p.offset+1 >= len(p.text) {
		return syntaxError(at, "string is not closed")
	}
	if replacement, ok := ednEscapes[p.text[p.offset+1]]; ok {
		text.WriteString(replacement)
		p.advance(2)
		return nil
	}
	if p.text[p.offset+1] == 'u' && p.offset+6 <= len(p.text) {
		if code, err := strconv.ParseUint(p.text[p.offset+2:p.offset+6], 16, 32); err == nil {
			text.WriteRune(rune(code))
			p.advance(6)
			return nil
		}
	}
	return syntaxError(at, "unknown escape in string")
}

// atom reads a number, keyword, symbol, character, nil, true or false.
func (p *ednParser) atom() (ednNode, error) {
	start := p.at
	end := p.tokenEnd(p.offset + 1)
	token := p.text[p.offset:end]
	node, err := ednAtom(token)
	if err != nil {
		return ednNode{}, syntaxError(start, "%v", err)
	}
	node.position = start
	p.advance(end - p.offset)
	return node, nil
}

func ednAtom(token string) (ednNode, error) {
	switch {
	case token == "nil":
		return ednNode{kind: ednNil}, nil
	case token == "true" || token == "false":
		return ednNode{kind: ednBool, boolean: token == "true"}, nil
	case token[0] == ':':
		if len(token) == 1 {
			return ednNode{}, fmt.Errorf("empty keyword")
		}
		return ednNode{kind: ednKeyword, text: token[1:]}, nil
	case token[0] == '\\':
		named := map[string]string{"newline": "\n", "space": " ", "tab": "\t", "return": "\r"}
		if text, ok := named[token[1:]]; ok {
			return ednNode{kind: ednString, text: text}, nil
		}
		if utf8.RuneCountInString(token) == 2 {
			return ednNode{kind: ednString, text: token[1:]}, nil
		}
		return ednNode{}, fmt.Errorf("unknown character %q", token)
	case token[0] >= '0' && token[0] <= '9' || len(token) > 1 && (token[0] == '-' || token[0] == '+') && token[1] >= '0' && token[1] <= '9':
		return ednNumber(token)
	}
	return ednNode{kind: ednSymbol, text: token}, nil
}

func ednNumber(token string) (ednNode, error) {
	if strings.HasSuffix(token, "M") || strings.ContainsAny(token, ".eE") {
		float, err := strconv.ParseFloat(strings.TrimSuffix(token, "M"), 64)
		if err != nil {
			return ednNode{}, fmt.Errorf("bad number %q", token)
		}
		return ednNode{kind: ednFloat, float: float}, nil
	}
	integer, err := strconv.ParseInt(strings.TrimSuffix(token, "N"), 10, 64)
	if err != nil {
		return ednNode{}, fmt.Errorf("bad integer %q (want a 64-bit integer)", token)
	}
	return ednNode{kind: ednInt, integer: integer}, nil
}

// ednOperation reads one operation map; keep is false for an operation
// that is not a client's (a :process that is not an integer).
func ednOperation(node ednNode) (operation readOperation, keep bool, err error) {
	if node.kind != ednMap {
		return readOperation{}, false, syntaxError(node.position, "want an operation map, found a %s", ednKindNames[node.kind])
	}
	operation.position = node.position
	found := map[string]ednNode{}
	for i := 0; i < len(node.items); i += 2 {
		if name := node.items[i]; name.kind == ednKeyword {
			found[name.text] = node.items[i+1]
		}
	}
	eventType, hasType := found["type"]
	if !hasType {
		return readOperation{}, false, syntaxError(node.position, "operation has no :type")
	}
	process, hasProcess := found["process"]
	if hasProcess && process.kind != ednInt {
		return readOperation{}, false, nil
	}
	operation.hasProcess = hasProcess
	operation.event.Process = int(process.integer)
	if eventType.kind != ednKeyword || !validEventType(EventType(eventType.text)) {
		return readOperation{}, false, syntaxError(eventType.position, ":type is not :invoke, :ok, :fail or :info")
	}
	operation.event.Type = EventType(eventType.text)
	return ednEvent(operation, found)
}

func ednEvent(operation readOperation, found map[string]ednNode) (readOperation, bool, error) {
	event := &operation.event
	event.Function = FunctionTxn
	if function, ok := found["f"]; ok {
		if function.kind != ednKeyword && function.kind != ednString && function.kind != ednSymbol {
			return readOperation{}, false, syntaxError(function.position, ":f is a %s, not a keyword", ednKindNames[function.kind])
		}
		event.Function = function.text
	}
	if v, ok := found["value"]; ok {
		event.Value = ednValue(v)
	}
	for _, field := range []struct {
		name string
		text *string
	}{{"key", &event.Key}, {"txn", &event.Txn}, {"commit-timestamp", &event.CommitTimestamp}, {"snapshot", &event.Snapshot}, {"error", &event.Error}} {
		if node, ok := found[field.name]; ok && node.kind != ednNil && node.kind < ednVector {
			*field.text = scalarText(ednValue(node))
		}
	}
	if time, ok := found["time"]; ok {
		if time.kind != ednInt {
			return readOperation{}, false, syntaxError(time.position, ":time is a %s, not an integer", ednKindNames[time.kind])
		}
		event.TimeNanos, operation.hasTime = time.integer, true
	}
	return operation, true, nil
}

func validEventType(eventType EventType) bool {
	return eventType == TypeInvoke || eventType == TypeOK || eventType == TypeFail || eventType == TypeInfo
}

// ednValue converts a form to a Value: a scalar, or a collection read as
// a value (converted); a collection read as nodes is converted here.
// Requires: the form nests at most value.NestingDepthMax deep.
func ednValue(node ednNode) value.Value {
	if node.kind >= ednVector && node.items == nil {
		return node.converted
	}
	switch node.kind {
	case ednBool:
		return value.Bool(node.boolean)
	case ednInt:
		return value.Int(node.integer)
	case ednFloat:
		return value.Float(node.float)
	case ednString, ednKeyword, ednSymbol:
		return value.String(node.text)
	case ednVector, ednList, ednSet:
		items := make([]value.Value, len(node.items))
		for i, item := range node.items {
			items[i] = ednValue(item)
		}
		return value.List(items...)
	case ednMap:
		entries := make(map[string]value.Value, len(node.items)/2)
		for i := 0; i < len(node.items); i += 2 {
			entries[scalarText(ednValue(node.items[i]))] = ednValue(node.items[i+1])
		}
		return value.Map(entries)
	}
	return value.Null()
}
