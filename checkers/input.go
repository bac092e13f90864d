package checkers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/proven2pc/proven/engines/value"
)

// ErrHistorySyntax reports history text (EDN or JSON lines) that cannot be
// read as a history.
var ErrHistorySyntax = errors.New("checkers: history syntax")

// InputError places an error in the text a history was read from.
type InputError struct {
	// Line and Column are 1-based; Column counts characters.
	Line, Column int
	Err          error
}

func (e *InputError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// textPosition is where something starts in a text.
type textPosition struct{ line, column int }

func syntaxError(at textPosition, format string, args ...any) error {
	return &InputError{Line: at.line, Column: at.column, Err: fmt.Errorf("%w: %s", ErrHistorySyntax, fmt.Sprintf(format, args...))}
}

// Locate places err in the text the history was read from when err is
// about one of its events (a malformed history, from Validate or a
// checker): it returns an *InputError at the start of that event. Other
// errors, and errors about a history not read from text, come back as
// they are.
func (h History) Locate(err error) error {
	var about *malformedError
	if !errors.As(err, &about) || about.index < 0 || about.index >= len(h.positions) {
		return err
	}
	at := h.positions[about.index]
	return &InputError{Line: at.line, Column: at.column, Err: err}
}

// Position returns the line and column (1-based) where the event at index
// starts in the text the history was read from; ok is false for a history
// not read from text.
func (h History) Position(index int) (line, column int, ok bool) {
	if index < 0 || index >= len(h.positions) {
		return 0, 0, false
	}
	return h.positions[index].line, h.positions[index].column, true
}

// ReadHistory reads a history as EDN or as JSON lines, telling them apart
// by the first characters: JSON lines start with {" and EDN with {: or
// anything else.
func ReadHistory(r io.Reader) (History, error) {
	buffered := bufio.NewReader(r)
	start, _ := buffered.Peek(256)
	if opening, rest, ok := bytes.Cut(bytes.TrimLeft(start, whitespace), []byte("{")); ok && len(opening) == 0 &&
		bytes.HasPrefix(bytes.TrimLeft(rest, whitespace), []byte(`"`)) {
		return ReadJSONLines(buffered)
	}
	return ReadEDN(buffered)
}

const whitespace = " \t\r\n"

// readOperation is one operation read from text, before it is numbered.
type readOperation struct {
	event               Event
	hasTime, hasProcess bool
	position            textPosition
}

// buildHistory numbers the operations read, gives an operation without a
// time the previous one's and one without a process a process of its own
// (see anonymousProcesses), turns number keys inside txn micro-ops into
// strings, splits Jepsen's independent [key value] tuples into keys (see
// splitIndependentKeys), and validates the result, placing an error at its
// operation.
func buildHistory(operations []readOperation) (History, error) {
	if err := anonymousProcesses(operations); err != nil {
		return History{}, err
	}
	var history History
	var timeLast int64
	for _, operation := range operations {
		event := operation.event
		if !operation.hasTime {
			event.TimeNanos = timeLast
		}
		timeLast = event.TimeNanos
		if event.Function == FunctionTxn {
			event.Value = stringKeys(event.Value)
		}
		history.Append(event)
		history.positions = append(history.positions, operation.position)
	}
	splitIndependentKeys(&history)
	if err := history.Validate(); err != nil {
		return History{}, history.Locate(err)
	}
	return history, nil
}

// anonymousProcesses numbers the processes of operations that name none
// (Elle's example histories leave :process out): each such invoke gets a
// new process, after every named one, and each such completion completes
// the one invoke without a process that is open; more than one open is
// ambiguous, an error.
func anonymousProcesses(operations []readOperation) error {
	next := 0
	for _, operation := range operations {
		if operation.hasProcess {
			next = max(next, operation.event.Process+1)
		}
	}
	var open []int
	for i := range operations {
		operation := &operations[i]
		switch {
		case operation.hasProcess:
		case operation.event.Type == TypeInvoke:
			operation.event.Process = next
			open = append(open, next)
			next++
		case len(open) == 1:
			operation.event.Process = open[0]
			open = open[:0]
		default:
			return syntaxError(operation.position, "operation has no process, and %d invokes without one are open", len(open))
		}
	}
	return nil
}

// stringKeys rewrites [f key value] micro-ops whose key is an Int to a
// String key, as list-append histories often number their keys.
func stringKeys(txn value.Value) value.Value {
	if txn.Kind() != value.KindList {
		return txn
	}
	microOps := make([]value.Value, txn.Len())
	for i := range microOps {
		micro := txn.Index(i)
		microOps[i] = micro
		if micro.Kind() != value.KindList || micro.Len() != 3 {
			continue
		}
		if key, isInt := micro.Index(1).AsInt(); isInt {
			microOps[i] = value.List(micro.Index(0), value.String(strconv.FormatInt(key, 10)), micro.Index(2))
		}
	}
	return value.List(microOps...)
}

// splitIndependentKeys: Jepsen's independent checker records register
// operations on many keys as [key value] tuples ([key [old new]] for a
// cas, [key nil] for a read invoke). When no read, write or cas event
// names a key and every one's value has that shape (a cas's second
// element itself a pair), each becomes an event on that key with the
// inner value.
func splitIndependentKeys(history *History) {
	registerFunctions := 0
	for _, event := range history.Events {
		if !isRegisterFunction(event.Function) {
			continue
		}
		if event.Key != "" || !isPair(event.Value) || (event.Function == FunctionCAS && !isPair(event.Value.Index(1))) {
			return
		}
		registerFunctions++
	}
	if registerFunctions == 0 {
		return
	}
	for i := range history.Events {
		event := &history.Events[i]
		if event.Function != FunctionRead && event.Function != FunctionWrite && event.Function != FunctionCAS {
			continue
		}
		event.Key = scalarText(event.Value.Index(0))
		event.Value = event.Value.Index(1)
	}
}

func isPair(v value.Value) bool { return v.Kind() == value.KindList && v.Len() == 2 }

// scalarText names a key: a String as it is, anything else as printed.
func scalarText(v value.Value) string {
	if text, ok := v.AsString(); ok {
		return text
	}
	return v.String()
}
