package checkers

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/value"
)

// ReadJSONLines reads a history as JSON lines: one object per line with the
// keys WriteJSONLines writes ("type", and where present "process", "f",
// "value", "key", "time", "txn", "commit_timestamp"; others, "index"
// among them, are ignored, and events are numbered in order; "process"
// and "f" default as in ReadEDN). Values may
// be typed as WriteJSONLines writes them ({"int":"5"}, see the value
// package) or plain JSON: a number without a fraction or exponent is an
// Int, any other a Float, and an object that is not a tagged value a Map.
// A line whose "process" is not a number (Jepsen's "nemesis") is left out;
// an operation without a "time" gets the previous one's. Micro-op keys and
// independent register keys are read as ReadEDN reads them. Bad text is an
// *InputError naming the line and column.
func ReadJSONLines(r io.Reader) (History, error) {
	var operations []readOperation
	scanner := bufio.NewScanner(r)
	scanner.Buffer(nil, 64<<20)
	for lineNumber := 1; scanner.Scan(); lineNumber++ {
		line := scanner.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		operation, keep, err := jsonOperation(line, lineNumber)
		if err != nil {
			return History{}, err
		}
		if keep {
			operations = append(operations, operation)
		}
	}
	if err := scanner.Err(); err != nil {
		return History{}, fmt.Errorf("checkers: reading json lines: %w", err)
	}
	return buildHistory(operations)
}

// jsonField is one member of a line's object: its raw value and where the
// value starts.
type jsonField struct {
	raw      json.RawMessage
	position textPosition
}

// jsonOperation reads one line; keep is false for an operation that is
// not a client's.
func jsonOperation(line []byte, lineNumber int) (readOperation, bool, error) {
	at := func(offset int64) textPosition {
		return textPosition{line: lineNumber, column: utf8.RuneCount(line[:min(int(offset), len(line))]) + 1}
	}
	fields, err := jsonFields(line, at)
	if err != nil {
		return readOperation{}, false, err
	}
	operation := readOperation{position: at(int64(len(line) - len(bytes.TrimLeft(line, whitespace))))}
	if _, ok := fields["type"]; !ok {
		return readOperation{}, false, syntaxError(operation.position, `operation has no "type"`)
	}
	event := &operation.event
	if field, ok := fields["process"]; ok {
		var process json.Number
		if json.Unmarshal(field.raw, &process) != nil {
			return readOperation{}, false, nil
		}
		number, err := strconv.Atoi(string(process))
		if err != nil {
			return readOperation{}, false, syntaxError(field.position, `"process" %s is not an integer`, process)
		}
		event.Process, operation.hasProcess = number, true
	}
	var eventType string
	if json.Unmarshal(fields["type"].raw, &eventType) != nil || !validEventType(EventType(eventType)) {
		return readOperation{}, false, syntaxError(fields["type"].position, `"type" is not "invoke", "ok", "fail" or "info"`)
	}
	event.Type, event.Function = EventType(eventType), FunctionTxn
	if field, ok := fields["f"]; ok && json.Unmarshal(field.raw, &event.Function) != nil {
		return readOperation{}, false, syntaxError(field.position, `"f" is not a string`)
	}
	if err := jsonEventFields(&operation, fields); err != nil {
		return readOperation{}, false, err
	}
	return operation, true, nil
}

// jsonEventFields reads the optional members: value, key, time, txn and
// commit_timestamp.
func jsonEventFields(operation *readOperation, fields map[string]jsonField) error {
	event := &operation.event
	if field, ok := fields["value"]; ok {
		v, err := jsonValue(field.raw)
		if err != nil {
			return syntaxError(field.position, `"value": %v`, err)
		}
		event.Value = v
	}
	for _, text := range []struct {
		name string
		text *string
	}{{"key", &event.Key}, {"txn", &event.Txn}, {"commit_timestamp", &event.CommitTimestamp}} {
		field, ok := fields[text.name]
		if !ok {
			continue
		}
		v, err := jsonValue(field.raw)
		if err != nil || v.Kind() == value.KindList || v.Kind() == value.KindMap {
			return syntaxError(field.position, `"%s" is not a string or a number`, text.name)
		}
		if !v.IsNull() {
			*text.text = scalarText(v)
		}
	}
	if field, ok := fields["time"]; ok {
		if err := json.Unmarshal(field.raw, &event.TimeNanos); err != nil {
			return syntaxError(field.position, `"time" is not an integer`)
		}
		operation.hasTime = true
	}
	return nil
}

// jsonFields reads a line's object into its members, each with where its
// value starts.
func jsonFields(line []byte, at func(offset int64) textPosition) (map[string]jsonField, error) {
	decoder := json.NewDecoder(bytes.NewReader(line))
	fail := func(err error) error {
		offset := decoder.InputOffset()
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			offset = syntax.Offset
		}
		return syntaxError(at(offset), "%v", err)
	}
	token, err := decoder.Token()
	if err != nil {
		return nil, fail(err)
	}
	if token != json.Delim('{') {
		return nil, syntaxError(at(int64(len(line)-len(bytes.TrimLeft(line, whitespace)))), "want an object")
	}
	fields := map[string]jsonField{}
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return nil, fail(err)
		}
		name, _ := token.(string)
		start := decoder.InputOffset()
		for start < int64(len(line)) && strings.ContainsRune(whitespace+":", rune(line[start])) {
			start++
		}
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			return nil, fail(err)
		}
		fields[name] = jsonField{raw: raw, position: at(start)}
	}
	if _, err := decoder.Token(); err != nil {
		return nil, fail(err)
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, syntaxError(at(decoder.InputOffset()), "more than one object on the line")
	}
	return fields, nil
}

// jsonValue converts a member's JSON to a Value: typed, or plain.
func jsonValue(raw json.RawMessage) (value.Value, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var parsed any
	if err := decoder.Decode(&parsed); err != nil {
		return value.Value{}, err
	}
	return jsonConvert(parsed, 0)
}

func jsonConvert(parsed any, depth int) (value.Value, error) {
	switch parsed := parsed.(type) {
	case nil:
		return value.Null(), nil
	case bool:
		return value.Bool(parsed), nil
	case string:
		return value.String(parsed), nil
	case json.Number:
		return jsonNumber(string(parsed))
	case []any:
		if depth >= value.NestingDepthMax {
			return value.Value{}, fmt.Errorf("nested deeper than %d", value.NestingDepthMax)
		}
		items := make([]value.Value, len(parsed))
		for i, item := range parsed {
			converted, err := jsonConvert(item, depth+1)
			if err != nil {
				return value.Value{}, err
			}
			items[i] = converted
		}
		return value.List(items...), nil
	case map[string]any:
		if len(parsed) == 1 {
			tag := slices.Sorted(maps.Keys(parsed))[0]
			if v, isTagged, err := jsonTagged(tag, parsed[tag], depth); isTagged {
				return v, err
			}
		}
		return jsonMap(parsed, depth, false)
	}
	return value.Value{}, fmt.Errorf("unexpected %T", parsed)
}

// jsonNumber reads a plain number: an Int without a fraction or exponent,
// else a Float.
func jsonNumber(text string) (value.Value, error) {
	if strings.ContainsAny(text, ".eE") {
		float, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return value.Value{}, fmt.Errorf("bad number %s", text)
		}
		return value.Float(float), nil
	}
	integer, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return value.Value{}, fmt.Errorf("integer %s is out of range", text)
	}
	return value.Int(integer), nil
}

// jsonTagged reads a one-member object as the value package's tagged form
// ({"int":"5"}, {"float":1.5}, {"map":{...}}, ...); isTagged is false when
// the member is not a tag, and the object is then a plain Map.
func jsonTagged(tag string, inner any, depth int) (v value.Value, isTagged bool, err error) {
	text, isText := inner.(string)
	number, isNumber := inner.(json.Number)
	object, isObject := inner.(map[string]any)
	switch {
	case tag == "int" && isText:
		integer, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return value.Value{}, true, fmt.Errorf("bad int %q", text)
		}
		return value.Int(integer), true, nil
	case tag == "float" && isNumber:
		float, err := strconv.ParseFloat(string(number), 64)
		if err != nil {
			return value.Value{}, true, fmt.Errorf("bad float %s", number)
		}
		return value.Float(float), true, nil
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
	case (tag == "map" || tag == "map_base64_keys") && isObject:
		v, err := jsonMap(object, depth, tag == "map_base64_keys")
		return v, true, err
	}
	return value.Value{}, false, nil
}

func jsonMap(object map[string]any, depth int, base64Keys bool) (value.Value, error) {
	if depth >= value.NestingDepthMax {
		return value.Value{}, fmt.Errorf("nested deeper than %d", value.NestingDepthMax)
	}
	entries := make(map[string]value.Value, len(object))
	for _, key := range slices.Sorted(maps.Keys(object)) {
		item := object[key]
		if base64Keys {
			decoded, err := base64.StdEncoding.Strict().DecodeString(key)
			if err != nil {
				return value.Value{}, fmt.Errorf("bad base64 key %q", key)
			}
			key = string(decoded)
		}
		converted, err := jsonConvert(item, depth+1)
		if err != nil {
			return value.Value{}, err
		}
		entries[key] = converted
	}
	return value.Map(entries), nil
}
