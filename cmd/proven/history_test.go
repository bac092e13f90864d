package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// historyOf runs `proven history` with the arguments and returns the file
// it wrote.
func historyOf(t *testing.T, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history")
	var stdout, stderr bytes.Buffer
	if status := run(append([]string{"history"}, append(args, "-o", path)...), &stdout, &stderr, false); status != 0 {
		t.Fatalf("proven history %v: status %d: %s", args, status, stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameEvent compares every field, values by Equal.
func sameEvent(a, b checkers.Event) bool {
	return a.Index == b.Index && a.Process == b.Process && a.Type == b.Type && a.Function == b.Function &&
		a.Key == b.Key && a.TimeNanos == b.TimeNanos && a.Txn == b.Txn && a.CommitTimestamp == b.CommitTimestamp &&
		a.Value.Equal(b.Value)
}

// sameEvents compares two histories event by event.
func sameEvents(t *testing.T, got, want checkers.History) {
	t.Helper()
	if len(want.Events) == 0 || len(got.Events) != len(want.Events) {
		t.Fatalf("read %d events, want %d", len(got.Events), len(want.Events))
	}
	for i := range want.Events {
		g, w := got.Events[i], want.Events[i]
		if !sameEvent(g, w) {
			t.Fatalf("event %d: read %+v, want %+v", i, g, w)
		}
	}
}

func TestHistoryEDNParsesBackToTheSameHistory(t *testing.T) {
	for _, workload := range []string{"list-append", "register", "queue"} {
		t.Run(workload, func(t *testing.T) {
			args := []string{"--seed", "2", "--workload", workload}
			want, err := checkers.ReadJSONLines(bytes.NewReader(historyOf(t, append(args, "--format", "jsonl")...)))
			if err != nil {
				t.Fatalf("jsonl: %v", err)
			}
			got, err := readEDN(historyOf(t, append(args, "--format", "edn")...))
			if err != nil {
				t.Fatalf("edn: %v", err)
			}
			sameEvents(t, got, want)
		})
	}
}

func TestHistoryJSONLinesRoundTripAndValidate(t *testing.T) {
	data := historyOf(t, "--seed", "4", "--workload", "bank", "--format", "jsonl")
	history, err := checkers.ReadJSONLines(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := history.WriteJSONLines(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) || len(history.Events) == 0 {
		t.Fatalf("rewritten jsonl differs (%d events)", len(history.Events))
	}
}

func TestHistoryHTMLShowsTheFaultEvents(t *testing.T) {
	html := string(historyOf(t, "--seed", "1", "--workload", "register", "--faults", "all", "--format", "html"))
	for _, want := range []string{`"Tag":"faults"`, `"Tag":"checks"`, "linearizable: ok", "<html"} {
		if !strings.Contains(html, want) {
			t.Fatalf("html lacks %q", want)
		}
	}
}

func TestHistoryRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--format", "xml", "-o", "x"},
		{"--workload", "nope", "-o", "x"},
		{"--seed", "banana", "-o", "x"},
		{"--format", "edn"},
	} {
		var stdout, stderr bytes.Buffer
		if status := run(append([]string{"history"}, args...), &stdout, &stderr, false); status != 2 {
			t.Fatalf("%v: status %d, want 2 (%s)", args, status, stderr.String())
		}
	}
}

// readEDN is a small reader for what checkers.WriteEDN writes: one map per
// line with keyword keys; values are nil, booleans, integers, strings,
// keywords (read as strings, as micro-op names are) and vectors.
func readEDN(data []byte) (checkers.History, error) {
	var history checkers.History
	for number, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		reader := &ednReader{text: line}
		fields, err := reader.readMap()
		if err != nil {
			return history, fmt.Errorf("line %d: %w", number+1, err)
		}
		history.Events = append(history.Events, eventOf(fields))
	}
	return history, history.Validate()
}

func eventOf(fields map[string]value.Value) checkers.Event {
	integer := func(key string) int64 { i, _ := fields[key].AsInt(); return i }
	text := func(key string) string { s, _ := fields[key].AsString(); return s }
	return checkers.Event{Index: int(integer("index")), TimeNanos: integer("time"), Type: checkers.EventType(text("type")),
		Process: int(integer("process")), Function: text("f"), Key: text("key"), Value: fields["value"],
		Txn: text("txn"), CommitTimestamp: text("commit-timestamp")}
}

type ednReader struct {
	text     string
	position int
}

func (r *ednReader) skip() {
	for r.position < len(r.text) && strings.ContainsRune(" ,\t", rune(r.text[r.position])) {
		r.position++
	}
}

func (r *ednReader) readMap() (map[string]value.Value, error) {
	r.skip()
	if !strings.HasPrefix(r.text[r.position:], "{") {
		return nil, fmt.Errorf("want { at %d", r.position)
	}
	r.position++
	fields := map[string]value.Value{}
	for {
		r.skip()
		if strings.HasPrefix(r.text[r.position:], "}") {
			r.position++
			return fields, nil
		}
		key, err := r.readValue()
		name, isString := key.AsString()
		if err != nil || !isString {
			return nil, fmt.Errorf("bad key at %d: %v", r.position, err)
		}
		if fields[name], err = r.readValue(); err != nil {
			return nil, err
		}
	}
}

func (r *ednReader) readValue() (value.Value, error) {
	r.skip()
	if r.position >= len(r.text) {
		return value.Null(), fmt.Errorf("unexpected end of line")
	}
	switch c := r.text[r.position]; {
	case c == '[':
		r.position++
		var elements []value.Value
		for r.skip(); !strings.HasPrefix(r.text[r.position:], "]"); r.skip() {
			element, err := r.readValue()
			if err != nil {
				return value.Null(), err
			}
			elements = append(elements, element)
		}
		r.position++
		return value.List(elements...), nil
	case c == '"':
		quoted, err := strconv.QuotedPrefix(r.text[r.position:])
		if err != nil {
			return value.Null(), err
		}
		r.position += len(quoted)
		unquoted, _ := strconv.Unquote(quoted)
		return value.String(unquoted), nil
	}
	end := r.position
	for end < len(r.text) && !strings.ContainsRune(" ,\t]}", rune(r.text[end])) {
		end++
	}
	token := r.text[r.position:end]
	r.position = end
	switch {
	case token == "nil":
		return value.Null(), nil
	case token == "true" || token == "false":
		return value.Bool(token == "true"), nil
	case strings.HasPrefix(token, ":"):
		return value.String(token[1:]), nil
	}
	i, err := strconv.ParseInt(token, 10, 64)
	if err != nil {
		return value.Null(), fmt.Errorf("bad token %q", token)
	}
	return value.Int(i), nil
}
