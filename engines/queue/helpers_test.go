package queue

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
)

// txnID and timestamp return test transaction n (smaller n is older) and
// test timestamp n (prepare, commit, snapshot).
var txnID, timestamp = enginetest.TxnID, enginetest.Timestamp

// formatOutcome prints an outcome compactly: `done ["x"]`,
// `blocked on [2 3] until finished`, `failed invalid: ...`.
func formatOutcome(outcome engines.Outcome) string {
	return enginetest.Outcome(outcome, func(result []byte) string {
		answer, err := value.Decode(result)
		if err != nil {
			return fmt.Sprintf("done with undecodable answer %x", result)
		}
		return "done " + answer.String()
	})
}

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

// oneShotExecutor runs each operation as its own transaction on one
// engine: Apply then a one-phase Commit, or a snapshot Read when readOnly.
// A blocked operation returns an error (tests using it never block).
type oneShotExecutor struct {
	engine   engines.Engine
	stream   string
	next     int64
	readOnly bool
}

var errBlocked = errors.New("queue test: blocked")

func (x *oneShotExecutor) Execute(_ context.Context, stream string, operationBytes []byte) ([]byte, error) {
	if stream != x.stream {
		return nil, engines.Refuse(engines.CodeNotFound, "no stream %q", stream)
	}
	x.next++
	if x.readOnly {
		return x.answer(x.engine.Read(operationBytes, timestamp(x.next)))
	}
	txn := txnID(x.next)
	outcome := x.engine.Apply(txn, operationBytes, timestamp(x.next))
	if outcome.Status != engines.StatusDone {
		x.engine.Abort(txn)
		return x.answer(outcome)
	}
	if err := x.engine.Commit(txn, timestamp(x.next)); err != nil {
		return nil, err
	}
	return outcome.Result, nil
}

func (x *oneShotExecutor) answer(outcome engines.Outcome) ([]byte, error) {
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, nil
	case engines.StatusFailed:
		return nil, outcome.Err
	}
	return nil, fmt.Errorf("%w: %s", errBlocked, formatOutcome(outcome))
}
