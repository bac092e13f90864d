package checkers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/value"
)

// jsonParser reads one line of JSON straight into Values, without
// encoding/json's generic maps (a history's reads hold millions of
// numbers). It accepts the value package's tagged forms ({"int":"5"},
// {"float":1.5}, {"string_base64":...}, {"bytes":...}, {"map":{...}},
// {"map_base64_keys":{...}}, {"decimal":"1.50"}, {"timestamp":"..."},
// {"uuid":"..."}) and plain JSON (see ReadJSONLines).
type jsonParser struct {
	text   []byte
	offset int
	// errorAt is the offset an error is about.
	errorAt int
	// pending is a stack of the items of the arrays being read, innermost
	// last, so that reading them allocates only the finished lists; it is
	// kept from line to line.
	pending []value.Value
}

// jsonMember is one member of an object: its value and where it starts.
type jsonMember struct {
	value  value.Value
	offset int
}

func (p *jsonParser) fail(at int, format string, args ...any) error {
	p.errorAt = at
	return fmt.Errorf(format, args...)
}

func (p *jsonParser) skipSpace() {
	for p.offset < len(p.text) && (p.text[p.offset] == ' ' || p.text[p.offset] == '\t' || p.text[p.offset] == '\r' || p.text[p.offset] == '\n') {
		p.offset++
	}
}

// lineObject reads the line's one object, by member name (the last of
// repeated names wins, as encoding/json has it).
func (p *jsonParser) lineObject() (map[string]jsonMember, error) {
	p.skipSpace()
	if p.offset >= len(p.text) || p.text[p.offset] != '{' {
		return nil, p.fail(p.offset, "want an object")
	}
	names, members, err := p.members(0, true)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.offset < len(p.text) {
		return nil, p.fail(p.offset, "more than one object on the line")
	}
	fields := make(map[string]jsonMember, len(names))
	for i, name := range names {
		fields[name] = members[i]
	}
	return fields, nil
}

// members reads an object's members after its '{'; nesting counts the
// collections around them. With tagged, a member named "map" or
// "map_base64_keys" whose value is an object is read without looking for
// tags inside (a tagged Map's entries are plain).
func (p *jsonParser) members(nesting int, tagged bool) ([]string, []jsonMember, error) {
	start := p.offset
	p.offset++ // '{'
	var names []string
	var members []jsonMember
	for {
		p.skipSpace()
		if p.offset < len(p.text) && p.text[p.offset] == '}' && len(names) == 0 {
			p.offset++
			return names, members, nil
		}
		if p.offset >= len(p.text) || p.text[p.offset] != '"' {
			return nil, nil, p.fail(p.offset, "want a member name")
		}
		name, err := p.stringValue()
		if err != nil {
			return nil, nil, err
		}
		p.skipSpace()
		if p.offset >= len(p.text) || p.text[p.offset] != ':' {
			return nil, nil, p.fail(p.offset, "want : after a member name")
		}
		p.offset++
		p.skipSpace()
		member := jsonMember{offset: p.offset}
		if tagged && (name == "map" || name == "map_base64_keys") && p.offset < len(p.text) && p.text[p.offset] == '{' {
			member.value, err = p.plainMap(nesting+1, name == "map_base64_keys")
		} else {
			member.value, err = p.value(nesting + 1)
		}
		if err != nil {
			return nil, nil, err
		}
		names, members = append(names, name), append(members, member)
		p.skipSpace()
		if p.offset < len(p.text) && p.text[p.offset] == ',' {
			p.offset++
			continue
		}
		if p.offset < len(p.text) && p.text[p.offset] == '}' {
			p.offset++
			return names, members, nil
		}
		if p.offset >= len(p.text) {
			return nil, nil, p.fail(start, "object is not closed")
		}
		return nil, nil, p.fail(p.offset, "want , or } after a member")
	}
}

// value reads one value; nesting counts the collections around it.
func (p *jsonParser) value(nesting int) (value.Value, error) {
	p.skipSpace()
	if p.offset >= len(p.text) {
		return value.Value{}, p.fail(p.offset, "unexpected end of line")
	}
	if nesting > value.NestingDepthMax {
		return value.Value{}, p.fail(p.offset, "nested deeper than %d", value.NestingDepthMax)
	}
	start := p.offset
	switch c := p.text[p.offset]; {
	case c == '{':
		if integer, ok := p.compactInt(); ok {
			return value.Int(integer), nil
		}
		names, members, err := p.members(nesting, true)
		if err != nil {
			return value.Value{}, err
		}
		return p.object(start, names, members)
	case c == '[':
		return p.array(nesting)
	case c == '"':
		text, err := p.stringValue()
		return value.String(text), err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, literal := range []struct {
		text  string
		value value.Value
	}{{"true", value.Bool(true)}, {"false", value.Bool(false)}, {"null", value.Null()}} {
		if end := p.offset + len(literal.text); end <= len(p.text) && string(p.text[p.offset:end]) == literal.text {
			p.offset = end
			return literal.value, nil
		}
	}
	return value.Value{}, p.fail(p.offset, "unexpected %q", p.text[p.offset])
}

// compactInt reads {"int":"N"} written without spaces, as WriteJSONLines
// writes every Int, without the general object path; ok is false for
// anything else, which the general path then reads.
func (p *jsonParser) compactInt() (int64, bool) {
	const opening = `{"int":"`
	rest := p.text[p.offset:]
	if len(rest) < len(opening) || string(rest[:len(opening)]) != opening {
		return 0, false
	}
	end := len(opening)
	for end < len(rest) && rest[end] != '"' {
		end++
	}
	integer, ok := plainInteger(string(rest[len(opening):end]))
	if !ok || end+1 >= len(rest) || rest[end+1] != '}' {
		return 0, false
	}
	p.offset += end + 2
	return integer, true
}

func (p *jsonParser) array(nesting int) (value.Value, error) {
	start := p.offset
	p.offset++ // '['
	bottom := len(p.pending)
	defer func() { p.pending = p.pending[:bottom] }()
	for {
		p.skipSpace()
		if p.offset < len(p.text) && p.text[p.offset] == ']' && len(p.pending) == bottom {
			p.offset++
			return value.List(), nil
		}
		item, err := p.value(nesting)
		if err != nil {
			return value.Value{}, err
		}
		p.pending = append(p.pending, item)
		p.skipSpace()
		switch {
		case p.offset >= len(p.text):
			return value.Value{}, p.fail(start, "array is not closed")
		case p.text[p.offset] == ',':
			p.offset++
		case p.text[p.offset] == ']':
			p.offset++
			return value.List(p.pending[bottom:]...), nil
		default:
			return value.Value{}, p.fail(p.offset, "want , or ] after an item")
		}
	}
}

// object turns members into a Value: a tagged value when it has one
// member named by a tag, with a fitting value; else a Map.
func (p *jsonParser) object(start int, names []string, members []jsonMember) (value.Value, error) {
	if len(names) == 1 {
		if v, isTagged, err := jsonTagged(names[0], members[0].value); isTagged {
			if err != nil {
				return value.Value{}, p.fail(start, "%v", err)
			}
			return v, nil
		}
	}
	entries := make(map[string]value.Value, len(names))
	for i, name := range names {
		entries[name] = members[i].value
	}
	return value.Map(entries), nil
}

// plainMap reads the object of a {"map":...} tagged value: its members
// are the entries, keys base64 when base64Keys.
func (p *jsonParser) plainMap(nesting int, base64Keys bool) (value.Value, error) {
	start := p.offset
	if nesting > value.NestingDepthMax {
		return value.Value{}, p.fail(start, "nested deeper than %d", value.NestingDepthMax)
	}
	names, members, err := p.members(nesting, false)
	if err != nil {
		return value.Value{}, err
	}
	entries := make(map[string]value.Value, len(names))
	for i, name := range names {
		if base64Keys {
			decoded, err := base64.StdEncoding.Strict().DecodeString(name)
			if err != nil {
				return value.Value{}, p.fail(start, "bad base64 key %q", name)
			}
			name = string(decoded)
		}
		entries[name] = members[i].value
	}
	return value.Map(entries), nil
}

// jsonTagged reads a tagged value ({"int":"5"}, ...); isTagged is false
// when the member is no tag or its value does not fit one.
func jsonTagged(tag string, inner value.Value) (v value.Value, isTagged bool, err error) {
	text, isText := inner.AsString()
	switch {
	case tag == "int" && isText:
		integer, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return value.Value{}, true, fmt.Errorf("bad int %q", text)
		}
		return value.Int(integer), true, nil
	case tag == "float" && (inner.Kind() == value.KindInt || inner.Kind() == value.KindFloat):
		if integer, isInt := inner.AsInt(); isInt {
			return value.Float(float64(integer)), true, nil
		}
		return inner, true, nil
	case tag == "float" && (text == "NaN" || text == "+Inf" || text == "-Inf"):
		float, _ := strconv.ParseFloat(text, 64)
		return value.Float(float), true, nil
	case (tag == "string_base64" || tag == "bytes") && isText:
		decoded, err := base64.StdEncoding.Strict().DecodeString(text)
		if err != nil {
			return value.Value{}, true, fmt.Errorf("bad base64 in %q", tag)
		}
		if tag == "bytes" {
			return value.Bytes(decoded), true, nil
		}
		return value.String(string(decoded)), true, nil
	case (tag == "map" || tag == "map_base64_keys") && inner.Kind() == value.KindMap:
		return inner, true, nil
	case jsonScalarKinds[tag] != value.KindNull && isText:
		v, err := parseScalarText(jsonScalarKinds[tag], text)
		return v, true, err
	}
	return value.Value{}, false, nil
}

// jsonScalarKinds are the tags of the kinds whose JSON form is their
// text: {"decimal":"1.50"}, {"timestamp":"..."}, {"uuid":"..."}.
var jsonScalarKinds = map[string]value.Kind{"decimal": value.KindDecimal, "timestamp": value.KindTimestamp, "uuid": value.KindUUID}

// parseScalarText reads the text of a Decimal, Timestamp or UUID, as
// value.Parse reads it inside kind"...".
func parseScalarText(kind value.Kind, text string) (value.Value, error) {
	switch kind {
	case value.KindDecimal:
		decimal, err := value.ParseDecimal(text)
		return value.DecimalValue(decimal), err
	case value.KindTimestamp:
		timestamp, err := value.ParseTimestamp(text)
		return value.TimestampValue(timestamp), err
	}
	uuid, err := value.ParseUUID(text)
	return value.UUIDValue(uuid), err
}

// number reads a number: an Int without a fraction or exponent, else a
// Float.
func (p *jsonParser) number() (value.Value, error) {
	start := p.offset
	isFloat := false
	for p.offset < len(p.text) {
		c := p.text[p.offset]
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
		} else if c != '-' && c != '+' && (c < '0' || c > '9') {
			break
		}
		p.offset++
	}
	text := string(p.text[start:p.offset])
	if isFloat {
		float, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(float, 0) {
			return value.Value{}, p.fail(start, "bad number %s", text)
		}
		return value.Float(float), nil
	}
	if integer, ok := plainInteger(text); ok {
		return value.Int(integer), nil
	}
	integer, err := strconv.ParseInt(text, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return value.Value{}, p.fail(start, "integer %s is out of range", text)
	}
	if err != nil {
		return value.Value{}, p.fail(start, "bad number %s", text)
	}
	return value.Int(integer), nil
}

// stringValue reads a string; one with escapes or bytes that are not
// UTF-8 goes through encoding/json, so it reads exactly as JSON says.
func (p *jsonParser) stringValue() (string, error) {
	start := p.offset
	p.offset++ // '"'
	escaped := false
	for p.offset < len(p.text) {
		switch p.text[p.offset] {
		case '\\':
			escaped = true
			p.offset += 2
			continue
		case '"':
			p.offset++
			raw := p.text[start+1 : p.offset-1]
			if !escaped && utf8.Valid(raw) {
				return string(raw), nil
			}
			var text string
			if err := json.Unmarshal(p.text[start:p.offset], &text); err != nil {
				return "", p.fail(start, "bad string: %v", err)
			}
			return text, nil
		}
		p.offset++
	}
	return "", p.fail(start, "string is not closed")
}
