package checkers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/value"
)

// exportHistory has each kind of completion WriteEDN rewrites: register
// operations on two keys (a read, a write, a cas that swapped, one whose
// comparison failed, one that aborted, one left indeterminate), a queue
// operation, and a failed (with its abort reason) and an indeterminate
// transaction.
func exportHistory() History {
	var h History
	add := func(process int, eventType EventType, function, key string, v value.Value) {
		h.Append(Event{Process: process, Type: eventType, Function: function, Key: key, Value: v, TimeNanos: int64(len(h.Events))})
	}
	pair := value.List(value.Int(1), value.Int(2))
	add(0, TypeInvoke, FunctionRead, "x", value.Null())
	add(0, TypeOK, FunctionRead, "x", value.Int(1))
	add(0, TypeInvoke, FunctionWrite, "y", value.Int(3))
	add(0, TypeOK, FunctionWrite, "y", value.Int(3))
	add(0, TypeInvoke, FunctionCAS, "x", pair)
	add(0, TypeOK, FunctionCAS, "x", value.Bool(true))
	add(0, TypeInvoke, FunctionCAS, "y", pair)
	add(0, TypeOK, FunctionCAS, "y", value.Bool(false))
	add(0, TypeInvoke, FunctionCAS, "x", pair)
	add(0, TypeFail, FunctionCAS, "x", value.Null())
	add(0, TypeInvoke, FunctionCAS, "y", pair)
	add(0, TypeInfo, FunctionCAS, "y", value.Null())
	add(1, TypeInvoke, FunctionEnqueue, "q", value.Int(5))
	add(1, TypeOK, FunctionEnqueue, "q", value.Int(5))
	txn := value.List(value.List(value.String(MicroAppend), value.String("k"), value.Int(7)),
		value.List(value.String(MicroRead), value.String("k"), value.Null()))
	add(1, TypeInvoke, FunctionTxn, "", txn)
	add(1, TypeFail, FunctionTxn, "", value.Null())
	h.Events[len(h.Events)-1].Error = "wounded"
	add(1, TypeInvoke, FunctionTxn, "", txn)
	add(1, TypeInfo, FunctionTxn, "", value.Null())
	return h
}

// ednMaps writes the history as EDN and parses each line back as a raw
// EDN map: field name to form.
func ednMaps(t *testing.T, h History) []map[string]ednNode {
	t.Helper()
	var out bytes.Buffer
	if err := h.WriteEDN(&out); err != nil {
		t.Fatal(err)
	}
	var maps []map[string]ednNode
	for line := range strings.Lines(out.String()) {
		parser := &ednParser{text: line, at: textPosition{line: 1, column: 1}}
		node, err := parser.form(0, false)
		if err != nil || node.kind != ednMap {
			t.Fatalf("line %q: %v (a %s)", line, err, ednKindNames[node.kind])
		}
		fields := map[string]ednNode{}
		for i := 0; i < len(node.items); i += 2 {
			if node.items[i].kind != ednKeyword {
				t.Fatalf("line %q: key %d is a %s, not a keyword", line, i/2, ednKindNames[node.items[i].kind])
			}
			fields[node.items[i].text] = node.items[i+1]
		}
		for _, keyword := range []string{"type", "f"} {
			if fields[keyword].kind != ednKeyword {
				t.Fatalf("line %q: :%s is not a keyword", line, keyword)
			}
		}
		maps = append(maps, fields)
	}
	if len(maps) != len(h.Events) {
		t.Fatalf("%d EDN maps for %d events", len(maps), len(h.Events))
	}
	return maps
}

func TestWriteEDNWritesWhatElleAndKnossosRead(t *testing.T) {
	maps := ednMaps(t, exportHistory())
	pair := "[1, 2]"
	want := []struct {
		index            int
		eventType, value string
		key, errorName   string
	}{
		{0, "invoke", `["x", null]`, "", ""},     // independent tuples: two register keys
		{1, "ok", `["x", 1]`, "", ""},            //
		{5, "ok", `["x", ` + pair + `]`, "", ""}, // a cas completes with [old new]
		{7, "fail", `["y", ` + pair + `]`, "", "mismatch"},
		{9, "fail", `["x", ` + pair + `]`, "", ""}, // an aborted cas carries its value
		{11, "info", `["y", ` + pair + `]`, "", ""},
		{13, "ok", "5", `"q"`, ""},                                            // a queue keeps its :key
		{15, "fail", `[["append", "k", 7], ["r", "k", null]]`, "", "wounded"}, // Elle reads a failed txn's appends
		{17, "info", `[["append", "k", 7], ["r", "k", null]]`, "", ""},
	}
	for _, w := range want {
		fields := maps[w.index]
		if got := fields["type"].text; got != w.eventType {
			t.Errorf("event %d: :type :%s, want :%s", w.index, got, w.eventType)
		}
		if got := ednValue(fields["value"]).String(); got != w.value {
			t.Errorf("event %d: :value %s, want %s", w.index, got, w.value)
		}
		key, hasKey := fields["key"]
		if got := ednValue(key).String(); hasKey != (w.key != "") || hasKey && got != w.key {
			t.Errorf("event %d: :key %s (present %t), want %q", w.index, got, hasKey, w.key)
		}
		if got := fields["error"]; got.text != w.errorName || w.errorName != "" && got.kind != ednKeyword {
			t.Errorf("event %d: :error %q (a %s), want :%s", w.index, got.text, ednKindNames[got.kind], w.errorName)
		}
	}
	micro := maps[15]["value"].converted.Index(0).Index(0)
	if text, _ := micro.AsString(); text != MicroAppend {
		t.Errorf("micro-op function %v", micro)
	}
}

// TestEDNTuplesReadBackIntoKeys: ReadEDN splits the independent tuples
// back into the keys they came from.
func TestEDNTuplesReadBackIntoKeys(t *testing.T) {
	history := exportHistory()
	var out bytes.Buffer
	if err := history.WriteEDN(&out); err != nil {
		t.Fatal(err)
	}
	read, err := ReadEDN(&out)
	if err != nil {
		t.Fatal(err)
	}
	for i, event := range read.Events {
		if event.Key != history.Events[i].Key {
			t.Fatalf("event %d: key %q, want %q", i, event.Key, history.Events[i].Key)
		}
	}
	if !read.Events[7].Value.Equal(history.Events[6].Value) {
		t.Fatalf("cas completion read back as %v", read.Events[7].Value)
	}
	if read.Events[15].Error != "wounded" || read.Events[7].Error != "mismatch" || read.Events[17].Error != "" {
		t.Fatalf("errors read back: %q %q %q", read.Events[15].Error, read.Events[7].Error, read.Events[17].Error)
	}
}

// TestOneKeyIsPlainValues: a history of one key (OfKey), as Knossos checks
// a register, has plain values, its :key, and events numbered from 0.
func TestOneKeyIsPlainValues(t *testing.T) {
	history := exportHistory().OfKey("x")
	if len(history.Events) != 6 || history.Events[0].Index != 0 || history.Events[5].Index != 5 {
		t.Fatalf("OfKey(x): %+v", history.Events)
	}
	maps := ednMaps(t, history)
	if got := ednValue(maps[1]["value"]).String(); got != "1" || ednValue(maps[1]["key"]).String() != `"x"` {
		t.Fatalf("read completion: value %s key %s", got, ednValue(maps[1]["key"]))
	}
	if got := ednValue(maps[3]["value"]).String(); got != "[1, 2]" {
		t.Fatalf("cas completion: value %s", got)
	}
	if keys := exportHistory().Keys(); strings.Join(keys, ",") != "q,x,y" {
		t.Fatalf("Keys: %v", keys)
	}
}
