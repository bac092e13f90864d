package checkers

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// WriteEDN writes the history as EDN for Elle and Knossos: one map per line,
// keys in a fixed order (:index :time :type :process :f, then :key, :value,
// :txn, :commit-timestamp, :snapshot, :error). Functions and types are keywords. Inside a "txn"
// value, each micro-op's function is a keyword, as Elle's list-append model
// expects: [[:append "x" 1] [:r "x" [1]]].
func (h History) WriteEDN(w io.Writer) error {
	buffered := bufio.NewWriter(w)
	for _, event := range h.Events {
		var line strings.Builder
		fmt.Fprintf(&line, "{:index %d, :time %d, :type :%s, :process %d, :f :%s",
			event.Index, event.TimeNanos, event.Type, event.Process, event.Function)
		if event.Key != "" {
			line.WriteString(", :key ")
			line.WriteString(strconv.Quote(event.Key))
		}
		line.WriteString(", :value ")
		if event.Function == FunctionTxn && event.Value.Kind() == value.KindList {
			writeTxnEDN(&line, event.Value)
		} else {
			writeValueEDN(&line, event.Value)
		}
		if event.Txn != "" {
			line.WriteString(", :txn " + strconv.Quote(event.Txn))
		}
		if event.CommitTimestamp != "" {
			line.WriteString(", :commit-timestamp " + strconv.Quote(event.CommitTimestamp))
		}
		if event.Snapshot != "" {
			line.WriteString(", :snapshot " + strconv.Quote(event.Snapshot))
		}
		if event.Error != "" {
			line.WriteString(", :error " + ednKeywordOrString(event.Error))
		}
		line.WriteString("}\n")
		buffered.WriteString(line.String())
	}
	return buffered.Flush()
}

func writeTxnEDN(out *strings.Builder, txn value.Value) {
	out.WriteByte('[')
	for i := range txn.Len() {
		if i > 0 {
			out.WriteByte(' ')
		}
		microOp := txn.Index(i)
		name, isString := microOp.Index(0).AsString()
		if microOp.Kind() != value.KindList || microOp.Len() == 0 || !isString {
			writeValueEDN(out, microOp)
			continue
		}
		out.WriteString("[:" + name)
		for j := 1; j < microOp.Len(); j++ {
			out.WriteByte(' ')
			writeValueEDN(out, microOp.Index(j))
		}
		out.WriteByte(']')
	}
	out.WriteByte(']')
}

func writeValueEDN(out *strings.Builder, v value.Value) {
	switch v.Kind() {
	case value.KindNull:
		out.WriteString("nil")
	case value.KindBool:
		b, _ := v.AsBool()
		out.WriteString(strconv.FormatBool(b))
	case value.KindInt:
		i, _ := v.AsInt()
		out.WriteString(strconv.FormatInt(i, 10))
	case value.KindFloat:
		f, _ := v.AsFloat()
		out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case value.KindString:
		s, _ := v.AsString()
		out.WriteString(strconv.Quote(s))
	case value.KindBytes:
		b, _ := v.AsBytes()
		out.WriteString(strconv.Quote(string(b)))
	case value.KindList:
		out.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				out.WriteByte(' ')
			}
			writeValueEDN(out, v.Index(i))
		}
		out.WriteByte(']')
	case value.KindMap:
		out.WriteByte('{')
		for i, entry := range v.MapEntries() {
			if i > 0 {
				out.WriteString(", ")
			}
			out.WriteString(strconv.Quote(entry.Key) + " ")
			writeValueEDN(out, entry.Value)
		}
		out.WriteByte('}')
	}
}

// ednKeywordOrString writes text as a keyword when it is one word of
// lower-case letters and dashes (the Error* reasons), else as a string.
func ednKeywordOrString(text string) string {
	for _, r := range text {
		if (r < 'a' || r > 'z') && r != '-' {
			return strconv.Quote(text)
		}
	}
	return ":" + text
}
