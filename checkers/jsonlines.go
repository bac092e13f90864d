package checkers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/proven2pc/proven/engines/value"
)

// ReadJSONLines reads a history as JSON lines: one object per line with the
// keys WriteJSONLines writes ("type", and where present "process", "f",
// "value", "key", "time", "txn", "commit_timestamp", "error"; others, "index"
// among them, are ignored, and events are numbered in order; "process"
// and "f" default as in ReadEDN). Values may be typed as WriteJSONLines
// writes them ({"int":"5"}, see the value package) or plain JSON: a number
// without a fraction or exponent is an Int, any other a Float, and an
// object that is not a tagged value a Map.
// A line whose "process" is not a number (Jepsen's "nemesis") is left out;
// an operation without a "time" gets the previous one's. Micro-op keys and
// independent register keys are read as ReadEDN reads them. Bad text is an
// *InputError naming the line and column.
func ReadJSONLines(r io.Reader) (History, error) {
	var operations []readOperation
	parser := &jsonParser{}
	scanner := bufio.NewScanner(r)
	scanner.Buffer(nil, 64<<20)
	for lineNumber := 1; scanner.Scan(); lineNumber++ {
		line := scanner.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		operation, keep, err := jsonOperation(parser, line, lineNumber)
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

// jsonOperation reads one line; keep is false for an operation that is
// not a client's.
func jsonOperation(parser *jsonParser, line []byte, lineNumber int) (readOperation, bool, error) {
	at := func(offset int) textPosition {
		return textPosition{line: lineNumber, column: utf8.RuneCount(line[:min(offset, len(line))]) + 1}
	}
	parser.text, parser.offset = line, 0
	fields, err := parser.lineObject()
	if err != nil {
		return readOperation{}, false, syntaxError(at(parser.errorAt), "%v", err)
	}
	operation := readOperation{position: at(len(line) - len(bytes.TrimLeft(line, whitespace)))}
	if _, ok := fields["type"]; !ok {
		return readOperation{}, false, syntaxError(operation.position, `operation has no "type"`)
	}
	event := &operation.event
	if field, ok := fields["process"]; ok {
		if field.value.Kind() != value.KindInt && field.value.Kind() != value.KindFloat {
			return readOperation{}, false, nil
		}
		process, isInt := field.value.AsInt()
		if !isInt || int64(int(process)) != process {
			return readOperation{}, false, syntaxError(at(field.offset), `"process" %v is not an integer`, field.value)
		}
		event.Process, operation.hasProcess = int(process), true
	}
	eventType, _ := fields["type"].value.AsString()
	if !validEventType(EventType(eventType)) {
		return readOperation{}, false, syntaxError(at(fields["type"].offset), `"type" is not "invoke", "ok", "fail" or "info"`)
	}
	event.Type, event.Function = EventType(eventType), FunctionTxn
	if field, ok := fields["f"]; ok {
		function, isString := field.value.AsString()
		if !isString {
			return readOperation{}, false, syntaxError(at(field.offset), `"f" is not a string`)
		}
		event.Function = function
	}
	if err := jsonEventFields(&operation, fields, at); err != nil {
		return readOperation{}, false, err
	}
	return operation, true, nil
}

// jsonEventFields reads the optional members: value, key, time, txn and
// commit_timestamp.
func jsonEventFields(operation *readOperation, fields map[string]jsonMember, at func(offset int) textPosition) error {
	event := &operation.event
	if field, ok := fields["value"]; ok {
		event.Value = field.value
	}
	for _, text := range []struct {
		name string
		text *string
	}{{"key", &event.Key}, {"txn", &event.Txn}, {"commit_timestamp", &event.CommitTimestamp}, {"error", &event.Error}} {
		field, ok := fields[text.name]
		if !ok || field.value.IsNull() {
			continue
		}
		if kind := field.value.Kind(); kind == value.KindList || kind == value.KindMap {
			return syntaxError(at(field.offset), `"%s" is not a string or a number`, text.name)
		}
		*text.text = scalarText(field.value)
	}
	if field, ok := fields["time"]; ok {
		time, isInt := field.value.AsInt()
		if !isInt {
			return syntaxError(at(field.offset), `"time" is not an integer`)
		}
		event.TimeNanos, operation.hasTime = time, true
	}
	return nil
}
