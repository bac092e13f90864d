package kv

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enum"
	"github.com/proven2pc/proven/mvcc"
)

// OperationKind names what an Operation does.
type OperationKind uint8

const (
	OperationGet        OperationKind = iota + 1 // read one key
	OperationPut                                 // write one key
	OperationDelete                              // delete one key, reporting whether it existed
	OperationScan                                // read the keys of [Start, End) in order
	OperationScanPrefix                          // read the keys starting with Prefix in order
	operationKindEnd
)

// operationNames are the wire names: the first element of an encoded
// operation.
var operationNames = [...]string{OperationGet: "get", OperationPut: "put", OperationDelete: "delete",
	OperationScan: "scan", OperationScanPrefix: "scan-prefix"}

func (k OperationKind) String() string { return enum.Name(k, operationNames[:], "operation") }

// Operation is one KV operation, as it travels inside a log entry. Keys
// are arbitrary byte strings held in Go strings.
type Operation struct {
	Kind OperationKind
	// Key of Get, Put and Delete.
	Key string
	// Value of Put.
	Value value.Value
	// Start (inclusive) and End (exclusive) of Scan; EndUnbounded scans to
	// the last key and ignores End.
	Start        string
	End          string
	EndUnbounded bool
	// Prefix of ScanPrefix.
	Prefix string
	// Limit of Scan and ScanPrefix: at most that many pairs; 0 = no limit.
	Limit int
	// Reverse scans from the largest key down.
	Reverse bool
}

// Encode returns the operation's deterministic encoding: an value.Value
// list whose first element is the operation name, in the value encoding.
//
//	["get", key]                 ["put", key, value]      ["delete", key]
//	["scan", start, end|null, limit, reverse]
//	["scan-prefix", prefix, limit, reverse]
//
// Keys travel as Bytes values; a null end means unbounded.
func (o Operation) Encode() []byte {
	name := value.String(o.Kind.String())
	var list value.Value
	switch o.Kind {
	case OperationGet, OperationDelete:
		list = value.List(name, value.Bytes([]byte(o.Key)))
	case OperationPut:
		list = value.List(name, value.Bytes([]byte(o.Key)), o.Value)
	case OperationScan:
		end := value.Bytes([]byte(o.End))
		if o.EndUnbounded {
			end = value.Null()
		}
		list = value.List(name, value.Bytes([]byte(o.Start)), end, value.Int(int64(o.Limit)), value.Bool(o.Reverse))
	case OperationScanPrefix:
		list = value.List(name, value.Bytes([]byte(o.Prefix)), value.Int(int64(o.Limit)), value.Bool(o.Reverse))
	default:
		list = value.List(name)
	}
	return value.Append(nil, list)
}

// ErrBadOperation reports operation bytes that are not a KV operation.
// It matches engines.ErrInvalid.
var ErrBadOperation = engines.Sentinel(engines.CodeInvalid, "kv: bad operation")

// operationArity is the number of list elements of each kind, name
// included.
var operationArity = [...]int{OperationGet: 2, OperationPut: 3, OperationDelete: 2, OperationScan: 5, OperationScanPrefix: 4}

// DecodeOperation decodes bytes written by Operation.Encode. Arbitrary
// input returns an error wrapping ErrBadOperation, never a panic.
func DecodeOperation(data []byte) (Operation, error) {
	list, err := value.Decode(data)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: %v", ErrBadOperation, err)
	}
	if list.Kind() != value.KindList || list.Len() == 0 {
		return Operation{}, fmt.Errorf("%w: want a non-empty list, found %s", ErrBadOperation, list.Kind())
	}
	kind, err := decodeOperationKind(list.Index(0))
	if err != nil {
		return Operation{}, err
	}
	if list.Len() != operationArity[kind] {
		return Operation{}, fmt.Errorf("%w: %s takes %d arguments, found %d", ErrBadOperation, kind, operationArity[kind]-1, list.Len()-1)
	}
	fields := operationFields{list: list}
	operation := Operation{Kind: kind}
	switch kind {
	case OperationGet, OperationDelete:
		operation.Key = fields.key(1, "key")
	case OperationPut:
		operation.Key = fields.key(1, "key")
		operation.Value = list.Index(2)
	case OperationScan:
		operation.Start = fields.key(1, "start")
		if list.Index(2).IsNull() {
			operation.EndUnbounded = true
		} else {
			operation.End = fields.key(2, "end")
		}
		operation.Limit = fields.limit(3)
		operation.Reverse = fields.boolean(4, "reverse")
	case OperationScanPrefix:
		operation.Prefix = fields.key(1, "prefix")
		operation.Limit = fields.limit(2)
		operation.Reverse = fields.boolean(3, "reverse")
	}
	if fields.err != nil {
		return Operation{}, fields.err
	}
	return operation, nil
}

func decodeOperationKind(name value.Value) (OperationKind, error) {
	text, ok := name.AsString()
	if !ok {
		return 0, fmt.Errorf("%w: want the operation name as a string, found %s", ErrBadOperation, name.Kind())
	}
	for kind := OperationGet; kind < operationKindEnd; kind++ {
		if operationNames[kind] == text {
			return kind, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown operation %q", ErrBadOperation, text)
}

// operationFields reads typed list elements; the first error sticks.
type operationFields struct {
	list value.Value
	err  error
}

func (f *operationFields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%w: %s", ErrBadOperation, fmt.Sprintf(format, args...))
	}
}

func (f *operationFields) key(index int, what string) string {
	raw, ok := f.list.Index(index).AsBytes()
	if !ok {
		f.fail("%s: want bytes, found %s", what, f.list.Index(index).Kind())
		return ""
	}
	if len(raw) > mvcc.KeyLenMax {
		f.fail("%s: %d bytes, longer than %d", what, len(raw), mvcc.KeyLenMax)
		return ""
	}
	return string(raw)
}

func (f *operationFields) limit(index int) int {
	limit, ok := f.list.Index(index).AsInt()
	if !ok {
		f.fail("limit: want an int, found %s", f.list.Index(index).Kind())
		return 0
	}
	if limit < 0 || limit > int64(ScanLimitMax) {
		f.fail("limit %d outside [0, %d]", limit, ScanLimitMax)
		return 0
	}
	return int(limit)
}

func (f *operationFields) boolean(index int, what string) bool {
	b, ok := f.list.Index(index).AsBool()
	if !ok {
		f.fail("%s: want a bool, found %s", what, f.list.Index(index).Kind())
	}
	return b
}

// ScanLimitMax is the largest explicit scan limit an operation may carry.
const ScanLimitMax = 1 << 30

// String formats the operation for scenario output and histories, e.g.
// `put "a" 1` or `scan ["a", "c") limit=2 reverse`.
func (o Operation) String() string {
	var b strings.Builder
	b.WriteString(o.Kind.String())
	switch o.Kind {
	case OperationGet, OperationDelete:
		b.WriteString(" " + strconv.Quote(o.Key))
	case OperationPut:
		b.WriteString(" " + strconv.Quote(o.Key) + " " + o.Value.String())
	case OperationScan:
		end := strconv.Quote(o.End)
		if o.EndUnbounded {
			end = "∞"
		}
		b.WriteString(" [" + strconv.Quote(o.Start) + ", " + end + ")")
	case OperationScanPrefix:
		b.WriteString(" " + strconv.Quote(o.Prefix))
	}
	if o.Kind == OperationScan || o.Kind == OperationScanPrefix {
		if o.Limit > 0 {
			b.WriteString(" limit=" + strconv.Itoa(o.Limit))
		}
		if o.Reverse {
			b.WriteString(" reverse")
		}
	}
	return b.String()
}

// span returns the key range a scan reads.
// Requires: o is a Scan or ScanPrefix.
func (o Operation) span() keySpan {
	if o.Kind == OperationScanPrefix {
		return prefixSpan(o.Prefix)
	}
	return keySpan{start: o.Start, end: o.End, unbounded: o.EndUnbounded}
}

// prefixSpan is the range of keys starting with prefix: [prefix, the
// smallest string above every such key), unbounded when the prefix is all
// 0xff bytes (or empty).
func prefixSpan(prefix string) keySpan {
	for index := len(prefix) - 1; index >= 0; index-- {
		if prefix[index] != 0xff {
			end := prefix[:index] + string([]byte{prefix[index] + 1})
			return keySpan{start: prefix, end: end}
		}
	}
	return keySpan{start: prefix, unbounded: true}
}

// pointOperation is a Get, Put or Delete read straight from its encoding,
// for the hot path: DecodeOperation builds an value.Value list and
// copies every field, this builds nothing.
type pointOperation struct {
	kind OperationKind
	// key aliases the operation bytes.
	key []byte
	// value is a Put's value encoding, aliasing the operation bytes. The
	// encoding is canonical, so it equals what DecodeOperation's Value
	// encodes to.
	value []byte
}

// decodePointOperation reads a Get, Put or Delete in its canonical
// encoding. It reports false for anything else, valid or not: the caller
// then uses DecodeOperation, which also words the errors. Whatever it
// accepts, DecodeOperation accepts with the same meaning.
func decodePointOperation(data []byte) (pointOperation, bool) {
	var elementArray [3][]byte
	elements, err := value.AppendListElements(elementArray[:0], data)
	if err != nil || len(elements) < 2 {
		return pointOperation{}, false
	}
	nameKind, name, ok := value.EncodedText(elements[0])
	if !ok || nameKind != value.KindString {
		return pointOperation{}, false
	}
	var operation pointOperation
	switch string(name) {
	case "get":
		operation.kind = OperationGet
	case "put":
		operation.kind = OperationPut
	case "delete":
		operation.kind = OperationDelete
	default:
		return pointOperation{}, false
	}
	if len(elements) != operationArity[operation.kind] {
		return pointOperation{}, false
	}
	keyKind, key, ok := value.EncodedText(elements[1])
	if !ok || keyKind != value.KindBytes || len(key) > mvcc.KeyLenMax {
		return pointOperation{}, false
	}
	operation.key = key
	if operation.kind == OperationPut {
		operation.value = elements[2]
	}
	return operation, true
}
