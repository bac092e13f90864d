package checkers

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// WriteEDN writes the history as EDN for Elle and Knossos: one map per
// line, keys in a fixed order (:index :time :type :process :f, then :key,
// :value, :error, :txn, :commit-timestamp, :snapshot). Functions and types are
// keywords, and so is an event's Error when it is a word (a string
// otherwise). It writes what Jepsen's checkers expect, where the history
// itself is terser:
//   - a completion that carries no value (Null) of a failed or
//     indeterminate operation carries its invoke's value, as Jepsen's
//     clients record them: Elle reads a failed transaction's appends from
//     its :fail (that is how it sees aborted reads, G1a);
//   - a cas completes with its [old new] value, not a Bool; one whose
//     comparison failed (ok with false) becomes :fail with :error
//     :mismatch, as Jepsen's clients record it, since Knossos takes every
//     :ok cas as one that swapped;
//   - read, write and cas operations on more than one key are written as
//     Jepsen's independent tuples, :value [key value], with no :key (a
//     history of one key, see OfKey, keeps plain values and its :key);
//     ReadEDN splits the tuples back into keys;
//   - inside a "txn" value, each micro-op's function is a keyword, as
//     Elle's list-append model expects: [[:append "x" 1] [:r "x" [1]]].
func (h History) WriteEDN(w io.Writer) error {
	buffered := bufio.NewWriter(w)
	independent := len(registerKeys(h)) > 1
	invokes := map[int]int{} // process -> index of its open invoke
	for _, event := range h.Events {
		errorName := event.Error
		if event.Type == TypeInvoke {
			invokes[event.Process] = event.Index
		} else if invoke, ok := invokes[event.Process]; ok {
			delete(invokes, event.Process)
			event, errorName = jepsenCompletion(event, h.Events[invoke])
		}
		buffered.WriteString(ednLine(event, errorName, independent))
	}
	return buffered.Flush()
}

// jepsenCompletion rewrites a completion as Jepsen records it (see
// WriteEDN), returning the :error to write ("" for none).
func jepsenCompletion(completion, invoke Event) (Event, string) {
	if completion.Function == FunctionCAS {
		swapped, isBool := completion.Value.AsBool()
		if isBool || completion.Value.IsNull() {
			completion.Value = invoke.Value
		}
		if isBool && !swapped && completion.Type == TypeOK {
			completion.Type = TypeFail
			return completion, "mismatch"
		}
	}
	if completion.Type != TypeOK && completion.Value.IsNull() {
		completion.Value = invoke.Value
	}
	return completion, completion.Error
}

// ednLine is one event as an EDN map and a newline.
func ednLine(event Event, errorName string, independent bool) string {
	var line strings.Builder
	fmt.Fprintf(&line, "{:index %d, :time %d, :type :%s, :process %d, :f :%s",
		event.Index, event.TimeNanos, event.Type, event.Process, event.Function)
	tuple := independent && event.Key != "" && isRegisterFunction(event.Function)
	if event.Key != "" && !tuple {
		line.WriteString(", :key ")
		line.WriteString(strconv.Quote(event.Key))
	}
	line.WriteString(", :value ")
	switch {
	case tuple:
		line.WriteString("[" + strconv.Quote(event.Key) + " ")
		writeValueEDN(&line, event.Value)
		line.WriteString("]")
	case event.Function == FunctionTxn && event.Value.Kind() == value.KindList:
		writeTxnEDN(&line, event.Value)
	default:
		writeValueEDN(&line, event.Value)
	}
	if errorName != "" {
		line.WriteString(", :error " + ednKeywordOrString(errorName))
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
	line.WriteString("}\n")
	return line.String()
}

// ednKeywordOrString writes a word (letters, digits, '-', '_', '.') as a
// keyword, anything else as a string.
func ednKeywordOrString(text string) string {
	for _, r := range text {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return strconv.Quote(text)
		}
	}
	if text[0] >= '0' && text[0] <= '9' {
		return strconv.Quote(text)
	}
	return ":" + text
}

func isRegisterFunction(function string) bool {
	return function == FunctionRead || function == FunctionWrite || function == FunctionCAS
}

// registerKeys lists the keys of the read, write and cas events, sorted.
func registerKeys(h History) []string {
	keys := map[string]bool{}
	for _, event := range h.Events {
		if event.Key != "" && isRegisterFunction(event.Function) {
			keys[event.Key] = true
		}
	}
	return sortedKeys(keys)
}

// Keys lists the keys the history's events name, sorted (transactions
// name none: their keys are inside their values).
func (h History) Keys() []string {
	keys := map[string]bool{}
	for _, event := range h.Events {
		if event.Key != "" {
			keys[event.Key] = true
		}
	}
	return sortedKeys(keys)
}

// OfKey returns the history of one key: its events in order, renumbered
// from 0, with their times, processes and values (one register per
// history, as Knossos checks it).
func (h History) OfKey(key string) History {
	var history History
	for _, event := range h.Events {
		if event.Key == key {
			history.Append(event)
		}
	}
	return history
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
