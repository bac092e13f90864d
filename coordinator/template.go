package coordinator

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// An operation template is one operation of a transaction with the
// fields equal to the transaction's arguments replaced by placeholders,
// so that transactions of one category with other arguments share it.
// Operations are engine-encoded bytes, and every engine encodes its
// operations as a value list (engines/value): a template is the decoded
// value as a tree whose leaves are literals or arguments. An operation
// that does not decode is a literal of its bytes. The stream is a field
// too: a stream whose name is an argument is a placeholder.
//
// A leaf is an argument when it equals it, where text compares with text
// (a String leaf matches a Bytes argument and the other way round: keys
// travel as Bytes) and an Int argument also matches a String leaf of its
// decimal text (amounts travel as text). Only Int, Float, String and
// Bytes arguments become placeholders (nulls and booleans would match too
// much). The first equal argument wins. A coincidence (a literal 1 equal
// to an argument 1) makes a wrong template; it mispredicts when the
// argument changes, and learning outvotes it.

// operationTemplate is a template of one operation on one stream.
type operationTemplate struct {
	stream    templateNode
	operation templateNode
	// raw is the operation when it does not decode as a value.
	raw     []byte
	decoded bool
}

// templateNode is a literal value, an argument, or a list or map holding
// an argument somewhere below.
type templateNode struct {
	// argument is the argument's index plus one; zero for other nodes.
	argument int
	// kind is the leaf's kind: the argument is converted to it.
	kind    value.Kind
	literal value.Value
	// items are a list's elements or a map's values (keys in keys).
	items []templateNode
	keys  []string
}

// hasArgument reports whether the node is or holds an argument.
func (n *templateNode) hasArgument() bool { return n.argument != 0 || n.items != nil }

// newTemplate builds the template of an operation on stream.
func newTemplate(stream string, operation []byte, arguments []value.Value) operationTemplate {
	t := operationTemplate{stream: templateOf(value.String(stream), arguments)}
	decoded, err := value.Decode(operation)
	if err != nil {
		t.raw = bytes.Clone(operation)
		return t
	}
	t.decoded = true
	t.operation = templateOf(decoded, arguments)
	return t
}

func templateOf(v value.Value, arguments []value.Value) templateNode {
	switch v.Kind() {
	case value.KindList:
		items := make([]templateNode, v.Len())
		holds := false
		for i := range items {
			items[i] = templateOf(v.Index(i), arguments)
			holds = holds || items[i].hasArgument()
		}
		if holds {
			return templateNode{kind: value.KindList, items: items}
		}
	case value.KindMap:
		entries := v.MapEntries()
		node := templateNode{kind: value.KindMap, items: make([]templateNode, len(entries)), keys: make([]string, len(entries))}
		holds := false
		for i, entry := range entries {
			node.keys[i], node.items[i] = entry.Key, templateOf(entry.Value, arguments)
			holds = holds || node.items[i].hasArgument()
		}
		if holds {
			return node
		}
	default:
		for i, argument := range arguments {
			if sameField(v, argument) {
				return templateNode{argument: i + 1, kind: v.Kind()}
			}
		}
	}
	return templateNode{literal: v}
}

// sameField reports whether leaf is argument, as templates see it.
func sameField(leaf, argument value.Value) bool {
	switch argument.Kind() {
	case value.KindInt:
		number, _ := argument.AsInt()
		if text, isText := textOf(leaf); isText {
			return leaf.Kind() == value.KindString && text == strconv.FormatInt(number, 10)
		}
		return leaf.Equal(argument)
	case value.KindFloat:
		return leaf.Equal(argument)
	case value.KindString, value.KindBytes:
		leafText, leafIsText := textOf(leaf)
		argumentText, _ := textOf(argument)
		return leafIsText && leafText == argumentText && argumentText != ""
	}
	return false
}

// textOf returns the text of a String or Bytes value.
func textOf(v value.Value) (string, bool) {
	switch v.Kind() {
	case value.KindString:
		text, _ := v.AsString()
		return text, true
	case value.KindBytes:
		text, _ := v.AsBytes()
		return string(text), true
	}
	return "", false
}

// instantiate returns the operation the template predicts for a
// transaction with arguments; ok is false when an argument is missing or
// of a kind its placeholder cannot take.
func (t *operationTemplate) instantiate(arguments []value.Value) (stream string, operation []byte, ok bool) {
	streamValue, ok := t.stream.instantiate(arguments)
	if !ok {
		return "", nil, false
	}
	stream, _ = textOf(streamValue)
	if !t.decoded {
		return stream, t.raw, true
	}
	v, ok := t.operation.instantiate(arguments)
	if !ok {
		return "", nil, false
	}
	return stream, value.Append(nil, v), true
}

func (n *templateNode) instantiate(arguments []value.Value) (value.Value, bool) {
	switch {
	case n.argument != 0:
		if n.argument > len(arguments) {
			return value.Value{}, false
		}
		return convert(arguments[n.argument-1], n.kind)
	case n.items == nil:
		return n.literal, true
	}
	items := make([]value.Value, len(n.items))
	for i := range n.items {
		item, ok := n.items[i].instantiate(arguments)
		if !ok {
			return value.Value{}, false
		}
		items[i] = item
	}
	if n.kind == value.KindList {
		return value.List(items...), true
	}
	entries := make([]value.MapEntry, len(items))
	for i := range items {
		entries[i] = value.MapEntry{Key: n.keys[i], Value: items[i]}
	}
	v, err := value.MapFromEntries(entries)
	return v, err == nil
}

// convert gives an argument the kind of the leaf it stands for.
func convert(argument value.Value, kind value.Kind) (value.Value, bool) {
	text, isText := textOf(argument)
	switch {
	case argument.Kind() == kind:
		return argument, true
	case kind == value.KindString && isText:
		return value.String(text), true
	case kind == value.KindBytes && isText:
		return value.Bytes([]byte(text)), true
	case kind == value.KindString && argument.Kind() == value.KindInt:
		number, _ := argument.AsInt()
		return value.String(strconv.FormatInt(number, 10)), true
	}
	return value.Value{}, false
}

// key returns a text naming the template: equal templates, equal keys.
func (t *operationTemplate) key() string {
	var b strings.Builder
	t.stream.appendKey(&b)
	if !t.decoded {
		b.WriteString("raw:")
		b.Write(t.raw)
		return b.String()
	}
	t.operation.appendKey(&b)
	return b.String()
}

func (n *templateNode) appendKey(b *strings.Builder) {
	switch {
	case n.argument != 0:
		b.WriteString("$" + strconv.Itoa(n.argument) + ":" + n.kind.String() + ";")
	case n.items == nil:
		encoded := value.Append(nil, n.literal)
		b.WriteString("=" + strconv.Itoa(len(encoded)) + ":")
		b.Write(encoded)
	default:
		b.WriteString(n.kind.String() + strconv.Itoa(len(n.items)) + "(")
		for i := range n.items {
			if n.keys != nil {
				b.WriteString(strconv.Quote(n.keys[i]))
			}
			n.items[i].appendKey(b)
		}
		b.WriteString(")")
	}
}
