package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// jsonTrace turns the simulator's trace lines ("<virtual time> <node>
// <event> <details>") into one JSON object per event:
//
//	{"kind":"trace","seed":3,"time_ns":813073,"node":"log","event":"deliver","text":"deliver n3->n1 MsgSubscribe 25B"}
//
// event is the first word of text (without a trailing colon). A line it
// cannot split keeps its whole text, with time_ns 0 and no node.
type jsonTrace struct {
	encoder *json.Encoder
	seed    uint64
	// partial holds a line not yet ended by a newline.
	partial []byte
}

type traceLine struct {
	Kind      string `json:"kind"`
	Seed      uint64 `json:"seed"`
	TimeNanos int64  `json:"time_ns"`
	Node      string `json:"node,omitempty"`
	Event     string `json:"event"`
	Text      string `json:"text"`
}

func newJSONTrace(w io.Writer, seed uint64) *jsonTrace {
	encoder := json.NewEncoder(w)
	encoder.SetEscapeHTML(false)
	return &jsonTrace{encoder: encoder, seed: seed}
}

func (t *jsonTrace) Write(p []byte) (int, error) {
	t.partial = append(t.partial, p...)
	for {
		end := bytes.IndexByte(t.partial, '\n')
		if end < 0 {
			return len(p), nil
		}
		if err := t.encoder.Encode(t.parse(string(t.partial[:end]))); err != nil {
			return 0, err
		}
		t.partial = t.partial[end+1:]
	}
}

func (t *jsonTrace) parse(text string) traceLine {
	line := traceLine{Kind: "trace", Seed: t.seed, Text: strings.TrimSpace(text)}
	fields := strings.SplitN(strings.TrimSpace(text), " ", 3)
	if len(fields) == 3 {
		if at, err := time.ParseDuration(fields[0]); err == nil {
			line.TimeNanos, line.Node, line.Text = int64(at), fields[1], fields[2]
		}
	}
	event, _, _ := strings.Cut(line.Text, " ")
	line.Event = strings.TrimSuffix(event, ":")
	return line
}
