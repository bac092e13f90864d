package queue

import (
	"bytes"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/enum"
	"github.com/proven2pc/proven/mvcc"
)

// Operations travel as the value encoding of an value.Value List whose
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

func (k operationKind) String() string { return enum.Name(k, operationNames[:], "operation") }

// writes reports whether the operation changes or reserves queue contents,
// which a snapshot read may not do.
func (k operationKind) writes() bool {
	return k == operationEnqueue || k == operationDequeue || k == operationClear
}

// operation is one decoded queue operation.
type operation struct {
	kind  operationKind
	queue string
	// state is the queue, when the fast path already found it.
	state *queueState
	// item is the value encoding of the enqueued value (enqueue only).
	item []byte
}

func encodeEnqueue(queue string, v value.Value) []byte {
	return value.Append(nil, value.List(value.String("enqueue"), value.String(queue), v))
}

func encodeOperation(kind operationKind, queue string) []byte {
	return value.Append(nil, value.List(value.String(kind.String()), value.String(queue)))
}

// decodeOperation reads operation bytes from outside. Bad input returns a
// Refusal with CodeInvalid, never a panic.
func decodeOperation(data []byte) (operation, error) {
	decoded, err := value.Decode(data)
	if err != nil {
		return operation{}, engines.Refuse(engines.CodeInvalid, "queue: operation: %v", err)
	}
	if decoded.Kind() != value.KindList || decoded.Len() < 2 {
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
		decodedOperation.item = value.Append(nil, decoded.Index(2))
		if len(decodedOperation.item) > mvcc.ValueLenMax {
			return operation{}, engines.Refuse(engines.CodeInvalid, "queue: enqueue: value of %d bytes, at most %d", len(decodedOperation.item), mvcc.ValueLenMax)
		}
	}
	return decodedOperation, nil
}

func operationKindNamed(name value.Value) (operationKind, error) {
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

func encodeNull() []byte { return encodedNull }

// encodedNull is shared by every reply that carries null: results are
// never modified.
var encodedNull = value.Append(nil, value.Null())

// encodeItem answers Dequeue and Peek: [value], or [] for an empty queue.
func encodeItem(item []byte, found bool) []byte {
	if !found {
		return value.Append(nil, value.List())
	}
	v, err := value.Decode(item)
	if err != nil {
		assert.Broken("queue: stored item is not a value encoding: %v", err)
	}
	return value.Append(nil, value.List(v))
}

func encodeSize(size uint64) []byte { return value.Append(nil, value.Int(int64(size))) }

func encodeIsEmpty(empty bool) []byte { return value.Append(nil, value.Bool(empty)) }

// decodeOperation decodes an operation, first by a fast path that picks
// the canonical encoding apart without building values and looks the
// queue up without copying its name (one lookup per applied entry). On
// anything unusual it falls back to the package's decodeOperation, which
// accepts the same operations with the same meaning and words the errors.
func (e *Engine) decodeOperation(data []byte) (operation, error) {
	if op, ok := e.decodeOperationFast(data); ok {
		return op, nil
	}
	return decodeOperation(data)
}

func (e *Engine) decodeOperationFast(data []byte) (operation, bool) {
	var elementArray [3][]byte
	elements, err := value.AppendListElements(elementArray[:0], data)
	if err != nil || len(elements) < 2 {
		return operation{}, false
	}
	nameKind, name, ok := value.EncodedText(elements[0])
	if !ok || nameKind != value.KindString {
		return operation{}, false
	}
	kind := operationKindEnd
	for candidate := operationEnqueue; candidate < operationKindEnd; candidate++ {
		if operationNames[candidate] == string(name) {
			kind = candidate
		}
	}
	argumentCount := 2
	if kind == operationEnqueue {
		argumentCount = 3
	}
	if kind == operationKindEnd || len(elements) != argumentCount {
		return operation{}, false
	}
	queueKind, queueName, ok := value.EncodedText(elements[1])
	if !ok || queueKind != value.KindString || len(queueName) > QueueNameLenMax {
		return operation{}, false
	}
	op := operation{kind: kind}
	if kind == operationEnqueue {
		if len(elements[2]) > mvcc.ValueLenMax {
			return operation{}, false
		}
		// Copied: the item outlives the entry until the transaction ends.
		op.item = bytes.Clone(elements[2])
	}
	// Only looked up: Apply creates a new queue, after its own checks.
	if op.state = e.queues[string(queueName)]; op.state != nil {
		op.queue = op.state.name
	} else {
		op.queue = string(queueName)
	}
	return op, true
}
