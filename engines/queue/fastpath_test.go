package queue

import (
	"bytes"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
	"pgregory.net/rapid"
)

// TestFastDecodeAgreesWithDecodeOperation: the engine decodes operations
// by a fast path that falls back to decodeOperation (the reference). On
// valid operations, lists shaped like them with other element kinds, and
// nudged, cut or extended bytes, whenever the fast path accepts, the
// reference accepts with the same kind, queue and item; on valid ones it
// always accepts.
func TestFastDecodeAgreesWithDecodeOperation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		engine := NewEngine()
		engine.queue("q") // a known queue: looked up, not created
		data := testOperationBytes(t)
		reference, referenceErr := decodeOperation(data)
		fast, ok := engine.decodeOperationFast(data)
		if !ok {
			if referenceErr == nil {
				t.Fatalf("fast path refused the valid %x (%v %q)", data, reference.kind, reference.queue)
			}
			return
		}
		if referenceErr != nil {
			t.Fatalf("fast path accepted %x, which decodeOperation refuses: %v", data, referenceErr)
		}
		if fast.kind != reference.kind || fast.queue != reference.queue || !bytes.Equal(fast.item, reference.item) {
			t.Fatalf("fast path read %v %q %x, decodeOperation %v %q %x", fast.kind, fast.queue, fast.item,
				reference.kind, reference.queue, reference.item)
		}
		if fast.state != nil && fast.state != engine.queues[fast.queue] {
			t.Fatalf("fast path found queue %q's state wrongly", fast.queue)
		}
		if len(engine.queues) != 1 {
			t.Fatalf("decoding created queues: %d known", len(engine.queues))
		}
	})
}

func testOperationBytes(t *rapid.T) []byte {
	queueName := rapid.SampledFrom([]string{"q", "r", ""}).Draw(t, "queue")
	item := rapid.SampledFrom([]value.Value{value.Int(42), value.String("x"), value.Null(),
		value.List(value.Int(1)), value.Map(map[string]value.Value{"a": value.Null(), "b": value.Bool(true)})}).Draw(t, "item")
	var data []byte
	if rapid.Bool().Draw(t, "valid") {
		kind := operationKind(rapid.IntRange(int(operationEnqueue), int(operationKindEnd)-1).Draw(t, "kind"))
		data = encodeOperation(kind, queueName)
		if kind == operationEnqueue {
			data = encodeEnqueue(queueName, item)
		}
	} else {
		name := rapid.SampledFrom([]value.Value{value.String("enqueue"), value.String("dequeue"),
			value.String("size"), value.String("nope"), value.Bytes([]byte("peek"))}).Draw(t, "name")
		queueValue := rapid.SampledFrom([]value.Value{value.String(queueName), value.Bytes([]byte(queueName)), value.Int(3)}).Draw(t, "queue value")
		elements := []value.Value{name, queueValue, item, item}
		data = value.Append(nil, value.List(elements[:rapid.IntRange(0, 4).Draw(t, "elements")]...))
	}
	return enginetest.Damage(t, data)
}
