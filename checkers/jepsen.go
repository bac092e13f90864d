package checkers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// ErrJepsenSyntax reports a line of a Jepsen log that the reader does not
// understand.
var ErrJepsenSyntax = errors.New("checkers: jepsen log syntax")

// etcdLinePattern matches Jepsen's etcd test log lines, e.g.
// "INFO  jepsen.util - 3	:ok	:cas	[1 4]".
var etcdLinePattern = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.+?)\s*$`)

// kvLinePattern matches the key-value histories shipped with porcupine, e.g.
// `{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}`.
var kvLinePattern = regexp.MustCompile(`^\{:process (\d+), :type :(invoke|ok|fail|info), :f :(get|put|append), :key "([^"]*)", :value (nil|"[^"]*")\}$`)

// ReadJepsenEtcdLog reads the log of Jepsen's etcd register test (a single
// register; read, write and cas of integers; "nil" for absent; ":timed-out"
// for an unknown result). Every event's key is "etcd" and its time is its
// line number. Check the result with ModelRegister and
// FailedCASMeansMismatch, as Jepsen's etcd client records a cas whose
// comparison failed as fail.
func ReadJepsenEtcdLog(r io.Reader) (History, error) {
	return readJepsenLines(r, func(line string) (Event, error) {
		match := etcdLinePattern.FindStringSubmatch(line)
		if match == nil {
			return Event{}, errors.New("not an etcd log line")
		}
		value, err := parseEtcdValue(match[4])
		if err != nil {
			return Event{}, err
		}
		process, err := strconv.Atoi(match[1])
		if err != nil {
			return Event{}, fmt.Errorf("process %q: %w", match[1], err)
		}
		return Event{Process: process, Type: EventType(match[2]), Function: match[3], Key: "etcd", Value: value}, nil
	})
}

func parseEtcdValue(text string) (value.Value, error) {
	switch {
	case text == "nil" || text == ":timed-out":
		return value.Null(), nil
	case strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]"):
		fields := strings.Fields(text[1 : len(text)-1])
		if len(fields) != 2 {
			return value.Value{}, fmt.Errorf("cas value %q is not [from to]", text)
		}
		from, errFrom := strconv.ParseInt(fields[0], 10, 64)
		to, errTo := strconv.ParseInt(fields[1], 10, 64)
		if err := errors.Join(errFrom, errTo); err != nil {
			return value.Value{}, fmt.Errorf("cas value %q: %w", text, err)
		}
		return value.List(value.Int(from), value.Int(to)), nil
	default:
		number, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return value.Value{}, fmt.Errorf("value %q: %w", text, err)
		}
		return value.Int(number), nil
	}
}

// ReadJepsenKVLog reads the key-value histories shipped with porcupine
// (get, put and append of strings per key). get becomes read, put write;
// values are strings, nil is Null. Check the result with ModelRegister and
// Initial String(""), since a get of an absent key returns "".
func ReadJepsenKVLog(r io.Reader) (History, error) {
	functions := map[string]string{"get": FunctionRead, "put": FunctionWrite, "append": FunctionAppend}
	return readJepsenLines(r, func(line string) (Event, error) {
		match := kvLinePattern.FindStringSubmatch(line)
		if match == nil {
			return Event{}, errors.New("not a key-value log line")
		}
		process, err := strconv.Atoi(match[1])
		if err != nil {
			return Event{}, fmt.Errorf("process %q: %w", match[1], err)
		}
		v := value.Null()
		if match[5] != "nil" {
			v = value.String(strings.Trim(match[5], `"`))
		}
		return Event{Process: process, Type: EventType(match[2]), Function: functions[match[3]], Key: match[4], Value: v}, nil
	})
}

// readJepsenLines parses each non-blank line, numbers the events and
// validates the history; errors name the line.
func readJepsenLines(r io.Reader, parse func(line string) (Event, error)) (History, error) {
	var history History
	scanner := bufio.NewScanner(r)
	scanner.Buffer(nil, 1<<20)
	for lineNumber := 1; scanner.Scan(); lineNumber++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		event, err := parse(line)
		if err != nil {
			return History{}, fmt.Errorf("%w: line %d: %v: %q", ErrJepsenSyntax, lineNumber, err, line)
		}
		event.TimeNanos = int64(lineNumber)
		history.Append(event)
	}
	if err := scanner.Err(); err != nil {
		return History{}, fmt.Errorf("checkers: reading jepsen log: %w", err)
	}
	return history, history.Validate()
}
