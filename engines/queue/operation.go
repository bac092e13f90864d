package queue

import (
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/mvcc"
)

// Operations travel as the value encoding of an engines.Value List whose
// first element is the operation name and whose second is the queue name:
//
//	["enqueue", queue, value]   answer: null
//	["dequeue", queue]          answer: [value] or [] when empty
//	["peek", queue]             answer: [value] or [] when empty
//	["size", queue]             answer: an int
//	["is-empty", queue]         answer: a bool
//	["clear", queue]            answer: null

// QueueNameLenMax is the longest queue name accepted, in bytes.
const QueueNameLenMax = 1024

type operationKind uint8

const (
	operationEnqueue operationKind = iota + 1
	operationDequeue
	operationPeek
	operationSize
	operationIsEmpty
	operationClear
	operationKindEnd
)

var operationNames = [...]string{operationEnqueue: "enqueue", operationDequeue: "dequeue",
	operationPeek: "peek", operationSize: "size", operationIsEmpty: "is-empty", operationClear: "clear"}

func (k operationKind) String() string {
	if k > 0 && k < operationKindEnd {
		return operationNames[k]
	}
	return fmt.Sprintf("operation(%d)", uint8(k))
}

// writes reports whether the operation changes or reserves queue contents,
// which a snapshot read may not do.
func (k operationKind) writes() bool {
	return k == operationEnqueue || k == operationDequeue || k == operationClear
}

// operation is one decoded queue operation.
type operation struct {
	kind  operationKind
	queue string
	// item is the value encoding of the enqueued value (enqueue only).
	item []byte
}

func encodeEnqueue(queue string, value engines.Value) []byte {
	return engines.AppendValue(nil, engines.List(engines.String("enqueue"), engines.String(queue), value))
}

func encodeOperation(kind operationKind, queue string) []byte {
	return engines.AppendValue(nil, engines.List(engines.String(kind.String()), engines.String(queue)))
}

// decodeOperation reads operation bytes from outside. Bad input returns a
// Refusal with CodeInvalid, never a panic.
func decodeOperation(data []byte) (operation, error) {
	decoded, err := engines.DecodeValue(data)
	if err != nil {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: operation: %v", err)
	}
	if decoded.Kind() != engines.KindList || decoded.Len() < 2 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: operation %v: want [name, queue, ...]", decoded)
	}
	kind, err := operationKindNamed(decoded.Index(0))
	if err != nil {
		return operation{}, err
	}
	queue, ok := decoded.Index(1).AsString()
	if !ok {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: %v: queue name %v is not a string", kind, decoded.Index(1))
	}
	if len(queue) > QueueNameLenMax {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: %v: queue name of %d bytes, at most %d", kind, len(queue), QueueNameLenMax)
	}
	argumentCount := 2
	if kind == operationEnqueue {
		argumentCount = 3
	}
	if decoded.Len() != argumentCount {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: %v: %d elements, want %d", kind, decoded.Len(), argumentCount)
	}
	decodedOperation := operation{kind: kind, queue: queue}
	if kind == operationEnqueue {
		decodedOperation.item = engines.AppendValue(nil, decoded.Index(2))
		if len(decodedOperation.item) > mvcc.ValueLenMax {
			return operation{}, engines.Refuse(engines.CodeInvalid, "queue: enqueue: value of %d bytes, at most %d", len(decodedOperation.item), mvcc.ValueLenMax)
		}
	}
	return decodedOperation, nil
}

func operationKindNamed(name engines.Value) (operationKind, error) {
	text, ok := name.AsString()
	if ok {
		for kind := operationEnqueue; kind < operationKindEnd; kind++ {
			if operationNames[kind] == text {
				return kind, nil
			}
		}
	}
	return 0, engines.Refuse(engines.CodeInvalid, "queue: unknown operation %v", name)
}

// Answers.

func encodeNull() []byte { return engines.AppendValue(nil, engines.Null()) }

// encodeItem answers Dequeue and Peek: [value], or [] for an empty queue.
func encodeItem(item []byte, found bool) []byte {
	if !found {
		return engines.AppendValue(nil, engines.List())
	}
	value, err := engines.DecodeValue(item)
	if err != nil {
		panic(fmt.Sprintf("queue: invariant broken: stored item is not a value encoding: %v", err))
	}
	return engines.AppendValue(nil, engines.List(value))
}

func encodeSize(size uint64) []byte { return engines.AppendValue(nil, engines.Int(int64(size))) }

func encodeIsEmpty(empty bool) []byte { return engines.AppendValue(nil, engines.Bool(empty)) }
