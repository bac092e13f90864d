package queue

import (
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
)

// txnID and timestamp return test transaction n (smaller n is older) and
// test timestamp n (prepare, commit, snapshot).
var txnID, timestamp = enginetest.TxnID, enginetest.Timestamp

// formatOutcome prints an outcome compactly: `done ["x"]`,
// `blocked on [2 3] until finished`, `failed invalid: ...`.
var formatOutcome = enginetest.ValueOutcome

// model is the serial reference: each queue as a plain slice.
type model map[string][]value.Value

func (m model) clone() model {
	out := model{}
	for _, name := range sortedNames(m) {
		out[name] = slices.Clone(m[name])
	}
	return out
}

func sortedNames(m model) []string { return slices.Sorted(maps.Keys(m)) }

// apply runs op serially and returns its answer.
func (m model) apply(op operation) value.Value {
	items := m[op.queue]
	switch op.kind {
	case operationEnqueue:
		v, err := value.Decode(op.item)
		if err != nil {
			panic(err)
		}
		m[op.queue] = append(items, v)
		return value.Null()
	case operationDequeue:
		if len(items) == 0 {
			return value.List()
		}
		m[op.queue] = items[1:]
		return value.List(items[0])
	case operationPeek:
		if len(items) == 0 {
			return value.List()
		}
		return value.List(items[0])
	case operationSize:
		return value.Int(int64(len(items)))
	case operationIsEmpty:
		return value.Bool(len(items) == 0)
	case operationClear:
		m[op.queue] = nil
		return value.Null()
	}
	panic(fmt.Sprintf("model: operation %v", op.kind))
}
