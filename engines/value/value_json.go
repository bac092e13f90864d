package value

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// ErrBadJSON reports JSON that UnmarshalJSON cannot read as a Value.
var ErrBadJSON = errors.New("value: bad JSON")

// JSON form, for exported histories. Plain JSON where it is exact, a
// one-member tagged object where it is not:
//
//	Null                      null
//	Bool                      true, false
//	Int                       {"int":"-42"}            (a string: exact beyond 2^53)
//	Float                     {"float":1.5}, {"float":-0}, {"float":"NaN"},
//	                          {"float":"+Inf"}, {"float":"-Inf"}
//	String (valid UTF-8)      "text"
//	String (other bytes)      {"string_base64":"..."}  (standard base64, padded)
//	Bytes                     {"bytes":"3q2+7w=="}     (standard base64, padded)
//	List                      [v, ...]
//	Map (UTF-8 keys)          {"map":{"a":v, ...}}     (keys in sorted order)
//	Map (other keys)          {"map_base64_keys":{"YQ==":v, ...}}
//	Decimal                   {"decimal":"1.50"}       (the scale as written)
//	Timestamp                 {"timestamp":"2026-12-02T10:00:00Z"}
//	UUID                      {"uuid":"123e4567-e89b-12d3-a456-426614174000"}
//
// A Decimal, Timestamp or UUID holds the text that Value.String shows
// inside its quotes (and reads what Parse reads there).
//
// Finite floats are written in the shortest form that parses back to the
// same bits. Bare JSON numbers are rejected on input: they would be
// ambiguous between Int and Float.
const (
	jsonTagInt           = "int"
	jsonTagFloat         = "float"
	jsonTagStringBase64  = "string_base64"
	jsonTagBytes         = "bytes"
	jsonTagMap           = "map"
	jsonTagMapBase64Keys = "map_base64_keys"
)

var jsonBase64 = base64.StdEncoding.Strict()

// MarshalJSON returns v's tagged JSON form.
func (v Value) MarshalJSON() ([]byte, error) { return v.appendJSON(nil), nil }

func (v Value) appendJSON(dst []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBool:
		return strconv.AppendBool(dst, v.bits == 1)
	case KindInt:
		dst = append(dst, `{"int":"`...)
		return append(strconv.AppendInt(dst, int64(v.bits), 10), `"}`...)
	case KindFloat:
		return appendFloatJSON(dst, math.Float64frombits(v.bits))
	case KindString:
		if utf8.ValidString(v.text) {
			return appendJSONString(dst, v.text)
		}
		return appendTaggedBase64(dst, jsonTagStringBase64, v.text)
	case KindBytes:
		return appendTaggedBase64(dst, jsonTagBytes, v.text)
	case KindList:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = item.appendJSON(dst)
		}
		return append(dst, ']')
	case KindMap:
		return v.appendMapJSON(dst)
	case KindDecimal, KindTimestamp, KindUUID:
		dst = append(dst, `{"`...)
		dst = append(dst, v.kind.String()...)
		dst = append(dst, `":"`...)
		return append(v.appendKindText(dst), `"}`...)
	}
	panic("value: MarshalJSON of invalid kind " + v.kind.String())
}

func appendFloatJSON(dst []byte, f float64) []byte {
	dst = append(dst, `{"float":`...)
	switch {
	case math.IsNaN(f), math.IsInf(f, 0):
		dst = append(dst, '"')
		dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
		dst = append(dst, '"')
	default:
		dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	return append(dst, '}')
}

func appendTaggedBase64(dst []byte, tag, text string) []byte {
	dst = append(dst, `{"`...)
	dst = append(dst, tag...)
	dst = append(dst, `":"`...)
	dst = jsonBase64.AppendEncode(dst, []byte(text))
	return append(dst, `"}`...)
}

func (v Value) appendMapJSON(dst []byte) []byte {
	keysValid := true
	for i := 0; i < len(v.items); i += 2 {
		keysValid = keysValid && utf8.ValidString(v.items[i].text)
	}
	tag := jsonTagMap
	if !keysValid {
		tag = jsonTagMapBase64Keys
	}
	dst = append(dst, `{"`...)
	dst = append(dst, tag...)
	dst = append(dst, `":{`...)
	for i := 0; i < len(v.items); i += 2 {
		if i > 0 {
			dst = append(dst, ',')
		}
		key := v.items[i].text
		if !keysValid {
			key = jsonBase64.EncodeToString([]byte(key))
		}
		dst = appendJSONString(dst, key)
		dst = append(dst, ':')
		dst = v.items[i+1].appendJSON(dst)
	}
	return append(dst, "}}"...)
}

// appendJSONString quotes text, which must be valid UTF-8, as a JSON string.
func appendJSONString(dst []byte, text string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// UnmarshalJSON reads the tagged JSON form written by MarshalJSON. Errors
// wrap ErrBadJSON (or ErrNestingTooDeep) and name the byte offset.
func (v *Value) UnmarshalJSON(data []byte) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	reader := jsonReader{decoder: decoder}
	parsed, err := reader.value(0)
	if err != nil {
		return err
	}
	if _, err := decoder.Token(); err != io.EOF {
		return reader.fail("trailing data after the value")
	}
	*v = parsed
	return nil
}

// jsonReader reads values from a token stream.
type jsonReader struct {
	decoder *json.Decoder
}

func (r jsonReader) fail(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrBadJSON, r.decoder.InputOffset(), fmt.Sprintf(format, args...))
}

func (r jsonReader) token() (json.Token, error) {
	token, err := r.decoder.Token()
	if err != nil {
		return nil, r.fail("%v", err)
	}
	return token, nil
}

// value reads one value; depth counts the lists and maps around it.
func (r jsonReader) value(depth int) (Value, error) {
	token, err := r.token()
	if err != nil {
		return Value{}, err
	}
	switch token := token.(type) {
	case nil:
		return Null(), nil
	case bool:
		return Bool(token), nil
	case string:
		return String(token), nil
	case json.Number:
		return Value{}, r.fail(`bare number %s: want {"int":"..."} or {"float":...}`, token)
	case json.Delim:
		if token == '[' {
			return r.list(depth + 1)
		}
		if token == '{' {
			return r.tagged(depth)
		}
	}
	return Value{}, r.fail("unexpected %v", token)
}

func (r jsonReader) list(depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, r.decoder.InputOffset(), NestingDepthMax)
	}
	var items []Value
	for r.decoder.More() {
		item, err := r.value(depth)
		if err != nil {
			return Value{}, err
		}
		items = append(items, item)
	}
	if _, err := r.token(); err != nil { // ']'
		return Value{}, err
	}
	return makeList(items), nil
}

// tagged reads a one-member object after its '{'; depth counts the lists and
// maps around it.
func (r jsonReader) tagged(depth int) (Value, error) {
	token, err := r.token()
	if err != nil {
		return Value{}, err
	}
	tag, ok := token.(string)
	if !ok {
		return Value{}, r.fail("empty object: want a one-member tagged object")
	}
	var v Value
	switch tag {
	case jsonTagInt:
		v, err = r.integer()
	case jsonTagFloat:
		v, err = r.float()
	case jsonTagStringBase64:
		var text string
		text, err = r.base64Text()
		v = String(text)
	case jsonTagBytes:
		var text string
		text, err = r.base64Text()
		v = Value{kind: KindBytes, text: text}
	case jsonTagMap, jsonTagMapBase64Keys:
		v, err = r.mapEntries(depth+1, tag == jsonTagMapBase64Keys)
	default:
		v, err = r.kindText(tag)
	}
	if err != nil {
		return Value{}, err
	}
	if token, err := r.token(); err != nil || token != json.Delim('}') {
		return Value{}, r.fail("tagged object %q has more than one member", tag)
	}
	return v, nil
}

func (r jsonReader) stringToken(what string) (string, error) {
	token, err := r.token()
	if err != nil {
		return "", err
	}
	text, ok := token.(string)
	if !ok {
		return "", r.fail("%s: want a string, found %v", what, token)
	}
	return text, nil
}

func (r jsonReader) integer() (Value, error) {
	text, err := r.stringToken("int")
	if err != nil {
		return Value{}, err
	}
	integer, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return Value{}, r.fail("bad int %q", text)
	}
	return Int(integer), nil
}

// kindText reads the text of a Decimal, Timestamp or UUID after its tag.
func (r jsonReader) kindText(tag string) (Value, error) {
	if _, known, _ := parseKindText(tag, ""); !known {
		return Value{}, r.fail("unknown tag %q", tag)
	}
	text, err := r.stringToken(tag)
	if err != nil {
		return Value{}, err
	}
	v, _, err := parseKindText(tag, text)
	if err != nil {
		return Value{}, r.fail("%v", err)
	}
	return v, nil
}

func (r jsonReader) float() (Value, error) {
	token, err := r.token()
	if err != nil {
		return Value{}, err
	}
	switch token := token.(type) {
	case json.Number:
		float, err := strconv.ParseFloat(string(token), 64)
		if err != nil {
			return Value{}, r.fail("bad float %s", token)
		}
		return Float(float), nil
	case string:
		switch token {
		case "NaN":
			return Float(math.NaN()), nil
		case "+Inf":
			return Float(math.Inf(1)), nil
		case "-Inf":
			return Float(math.Inf(-1)), nil
		}
	}
	return Value{}, r.fail(`float: want a number, "NaN", "+Inf" or "-Inf", found %v`, token)
}

func (r jsonReader) base64Text() (string, error) {
	encoded, err := r.stringToken("base64")
	if err != nil {
		return "", err
	}
	decoded, err := jsonBase64.DecodeString(encoded)
	if err != nil {
		return "", r.fail("bad base64 %q", encoded)
	}
	return string(decoded), nil
}

// mapEntries reads a map's inner object; depth counts this map.
func (r jsonReader) mapEntries(depth int, keysBase64 bool) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, r.decoder.InputOffset(), NestingDepthMax)
	}
	if token, err := r.token(); err != nil || token != json.Delim('{') {
		return Value{}, r.fail("map: want an object")
	}
	var entries []MapEntry
	for r.decoder.More() {
		key, err := r.stringToken("map key")
		if err != nil {
			return Value{}, err
		}
		if keysBase64 {
			decoded, err := jsonBase64.DecodeString(key)
			if err != nil {
				return Value{}, r.fail("bad base64 map key %q", key)
			}
			key = string(decoded)
		}
		item, err := r.value(depth)
		if err != nil {
			return Value{}, err
		}
		entries = append(entries, MapEntry{Key: key, Value: item})
	}
	if _, err := r.token(); err != nil { // '}'
		return Value{}, err
	}
	v, err := MapFromEntries(entries)
	if err != nil {
		return Value{}, r.fail("%v", err)
	}
	return v, nil
}
