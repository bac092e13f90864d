package stream

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/mvcc"
)

// Operations travel as the value encoding of a value.Value List whose
// first element is the operation name:
//
//	["append", value, ...]             answer: null
//	["read-from", position, limit]     answer: [value, ...], the items at
//	                                   position, position+1, ... (at most
//	                                   limit, fewer at the end)
//	["latest-position"]                answer: an int, 0 when empty

// Limits on operations, refused with engines.CodeInvalid above them.
const (
	// AppendValuesMax is the most values one Append carries.
	AppendValuesMax = 1024
	// ReadLimitMax is the largest limit of a ReadFrom.
	ReadLimitMax = 1024
	// TransactionAppendsMax is the most values one transaction appends
	// before it commits.
	TransactionAppendsMax = 1 << 16
)

type operationKind uint8

const (
	operationAppend operationKind = iota + 1
	operationReadFrom
	operationLatestPosition
	operationKindEnd
)

var operationNames = [...]string{operationAppend: "append", operationReadFrom: "read-from",
	operationLatestPosition: "latest-position"}

func (k operationKind) String() string {
	if k > 0 && k < operationKindEnd {
		return operationNames[k]
	}
	return fmt.Sprintf("operation(%d)", uint8(k))
}

// operation is one decoded operation.
type operation struct {
	kind operationKind
	// values are the value encodings of an append's values, copied out of
	// the operation bytes (they live until the transaction ends).
	values [][]byte
	// position and limit of a read-from. Invariant: position >= 1 and
	// limit <= ReadLimitMax.
	position, limit uint64
}

func encodeAppend(values []value.Value) []byte {
	list := make([]value.Value, 0, len(values)+1)
	list = append(list, value.String(operationAppend.String()))
	return value.Append(nil, value.List(append(list, values...)...))
}

func encodeReadFrom(position int64, limit int) []byte {
	return value.Append(nil, value.List(value.String(operationReadFrom.String()), value.Int(position), value.Int(int64(limit))))
}

func encodeLatestPosition() []byte {
	return value.Append(nil, value.List(value.String(operationLatestPosition.String())))
}

// decodeOperation reads operation bytes from outside without building
// values for the appended ones. Bad input returns a Refusal with
// CodeInvalid, never a panic.
func decodeOperation(data []byte) (operation, error) {
	var elementArray [4][]byte
	elements, err := value.AppendListElements(elementArray[:0], data)
	if err != nil {
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: operation: %v", err)
	}
	if len(elements) == 0 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: empty operation, want [name, ...]")
	}
	kind, err := operationKindNamed(elements[0])
	if err != nil {
		return operation{}, err
	}
	switch kind {
	case operationAppend:
		return decodeAppend(elements[1:])
	case operationReadFrom:
		return decodeReadFrom(elements[1:])
	}
	if len(elements) != 1 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: %v: %d arguments, want none", kind, len(elements)-1)
	}
	return operation{kind: kind}, nil
}

func operationKindNamed(encoded []byte) (operationKind, error) {
	textKind, name, ok := value.EncodedText(encoded)
	if ok && textKind == value.KindString {
		for kind := operationAppend; kind < operationKindEnd; kind++ {
			if operationNames[kind] == string(name) {
				return kind, nil
			}
		}
	}
	shown, _ := value.Decode(encoded) // checked by AppendListElements
	return 0, engines.Refuse(engines.CodeInvalid, "stream: unknown operation %v", shown)
}

func decodeAppend(arguments [][]byte) (operation, error) {
	if len(arguments) > AppendValuesMax {
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: append of %d values, at most %d", len(arguments), AppendValuesMax)
	}
	values := make([][]byte, len(arguments))
	for index, encoded := range arguments {
		if len(encoded) > mvcc.ValueLenMax {
			return operation{}, engines.Refuse(engines.CodeInvalid, "stream: append: value %d of %d bytes, at most %d", index, len(encoded), mvcc.ValueLenMax)
		}
		values[index] = bytes.Clone(encoded)
	}
	return operation{kind: operationAppend, values: values}, nil
}

func decodeReadFrom(arguments [][]byte) (operation, error) {
	if len(arguments) != 2 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: read-from: %d arguments, want position and limit", len(arguments))
	}
	position, err := decodeInt(arguments[0], "position")
	if err != nil {
		return operation{}, err
	}
	limit, err := decodeInt(arguments[1], "limit")
	if err != nil {
		return operation{}, err
	}
	switch {
	case position < 1:
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: read-from: position %d, positions start at 1", position)
	case limit < 0 || limit > ReadLimitMax:
		return operation{}, engines.Refuse(engines.CodeInvalid, "stream: read-from: limit %d, want 0 to %d", limit, ReadLimitMax)
	}
	return operation{kind: operationReadFrom, position: uint64(position), limit: uint64(limit)}, nil
}

func decodeInt(encoded []byte, what string) (int64, error) {
	decoded, err := value.Decode(encoded)
	number, ok := decoded.AsInt()
	if err != nil || !ok {
		return 0, engines.Refuse(engines.CodeInvalid, "stream: read-from: %s %v is not an int", what, decoded)
	}
	return number, nil
}

// Answers.

// encodedNull is shared by every reply that carries null: results are
// never modified.
var encodedNull = value.Append(nil, value.Null())

// encodeItems answers ReadFrom: a List of the items, written from their
// value encodings without decoding them. The value encoding of a List is
// its tag, a uvarint count and the elements' encodings (engines/value).
func encodeItems(committed, pending [][]byte) []byte {
	size := len(listTag) + binary.MaxVarintLen64
	for _, item := range committed {
		size += len(item)
	}
	for _, item := range pending {
		size += len(item)
	}
	out := append(make([]byte, 0, size), listTag...)
	out = binary.AppendUvarint(out, uint64(len(committed)+len(pending)))
	for _, item := range committed {
		out = append(out, item...)
	}
	for _, item := range pending {
		out = append(out, item...)
	}
	return out
}

// listTag is the first byte of every List encoding.
var listTag = value.Append(nil, value.List())[:1]

func encodePosition(position uint64) []byte { return value.Append(nil, value.Int(int64(position))) }
