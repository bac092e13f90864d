package checkers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/value"
)

// FunctionReadOnlyTxn names a read-only transaction whose value is a list
// of read micro-ops, recorded with its snapshot (Event.Snapshot). It is
// not a "txn": read-only transactions observe a prefix of the serial
// order, but no real-time bound holds for them (a snapshot from a client
// whose clock lags misses what others committed just before).
const FunctionReadOnlyTxn = "ro-txn"

// The micro-ops CheckCommitOrder replays, beside MicroAppend and
// MicroRead ([r key result]: a list, register or KV value).
const (
	// MicroWrite [w key value] sets a register or KV key.
	MicroWrite = "w"
	// MicroEnqueue [enqueue queue element] appends to a queue.
	MicroEnqueue = "enqueue"
	// MicroDequeue [dequeue queue result] removes the head: the result is
	// the head, or Null when the queue was empty.
	MicroDequeue = "dequeue"
	// MicroPeek [peek queue result] reads the head (Null when empty).
	MicroPeek = "peek"
	// MicroSize [size queue result] reads the number of elements (an Int).
	MicroSize = "size"
	// MicroAdd [add key delta] adds an Int delta to a counter (a balance,
	// a supply); a counter never written reads as Absent, which must then
	// be an Int.
	MicroAdd = "add"
)

// CommitOrderConfig configures CheckCommitOrder.
type CommitOrderConfig struct {
	// Absent is what a read of a key never written returns: an empty List
	// for list-append, Null for registers.
	Absent value.Value
	// FindingsMax bounds the findings reported (zero means 10): one
	// wrong read often makes the later reads of its key differ too.
	FindingsMax int
}

// CheckCommitOrder checks that the commit timestamps order the history
// serially, as the design promises (versions are stamped with commit
// timestamps and snapshots read by them, so the serial order is the
// commit-timestamp order): it replays, in that order, every transaction
// that committed (ok, or info that the logs settled as committed with its
// CommitTimestamp) against a model of keys (lists, registers) and FIFO
// queues, and compares every result the transaction recorded with the
// model's. A read-only transaction (FunctionReadOnlyTxn) is replayed at
// its snapshot, after every commit at or before it: its reads must show
// exactly that prefix.
//
// Transactions are "txn" and "ro-txn" operations whose value is a list of
// micro-ops [function key argument]: append, r, w, add, enqueue, dequeue,
// peek, size. Single-key writes ("write", input the value) and
// compare-and-sets ("cas", input [from to], output Bool: true when it
// swapped) with a commit timestamp are replayed too. Operations without a
// commit timestamp or snapshot (ad-hoc reads) are not placed. A malformed
// operation or timestamp is an error.
func CheckCommitOrder(history History, config CommitOrderConfig) (Result, error) {
	if err := history.Validate(); err != nil {
		return Result{}, err
	}
	if config.FindingsMax <= 0 {
		config.FindingsMax = 10
	}
	steps, err := replaySteps(history)
	if err != nil {
		return Result{}, err
	}
	model := &serialModel{absent: config.Absent, keys: map[string]value.Value{}, writers: map[string]Operation{},
		queues: map[string][]value.Value{}}
	var found findings
	for _, step := range steps {
		for _, micro := range step.micro {
			if line, ok := model.apply(step, micro); !ok && len(found.lines) < config.FindingsMax {
				found.add("commit-order", line, step.Operation.InvokeIndex)
			}
		}
	}
	return found.result("commit-order"), nil
}

// Placed is an operation placed in the serial order the commit
// timestamps give: a committed read-write transaction at its commit
// timestamp, or a read-only one at its snapshot.
type Placed struct {
	Operation Operation
	At        clock.Timestamp
	// ReadOnly says At is a snapshot: the operation comes after every
	// commit at or before it.
	ReadOnly bool
}

// SerialOrder places, in commit-timestamp order, every operation that
// committed (ok, or info that the logs settled as committed, with its
// CommitTimestamp) and every ok read-only transaction (with its
// Snapshot), read-only ones after the commits at their timestamp. A
// workload with a model of its own replays them in this order, as
// CheckCommitOrder does. A malformed timestamp is an error.
func SerialOrder(history History) ([]Placed, error) {
	var placed []Placed
	for _, operation := range history.Operations() {
		stamp, readOnly := operation.CommitTimestamp, false
		switch {
		case operation.Snapshot != "" && operation.Type == TypeOK:
			stamp, readOnly = operation.Snapshot, true
		case stamp == "" || (operation.Type != TypeOK && operation.Type != TypeInfo):
			continue
		}
		at, err := clock.ParseTimestamp(stamp)
		if err != nil {
			return nil, malformed(operation.InvokeIndex, "timestamp: %v", err)
		}
		placed = append(placed, Placed{Operation: operation, At: at, ReadOnly: readOnly})
	}
	slices.SortStableFunc(placed, func(a, b Placed) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(boolRank(a.ReadOnly), boolRank(b.ReadOnly))
	})
	return placed, nil
}

// replayStep is one placed transaction and its micro-ops.
type replayStep struct {
	Placed
	micro []replayMicro
}

type replayMicro struct {
	function, key    string
	argument, result value.Value
}

// replaySteps parses the placed operations' micro-ops.
func replaySteps(history History) ([]replayStep, error) {
	placed, err := SerialOrder(history)
	if err != nil {
		return nil, err
	}
	steps := make([]replayStep, 0, len(placed))
	for _, p := range placed {
		micro, err := replayMicros(p.Operation)
		if err != nil {
			return nil, err
		}
		if micro != nil {
			steps = append(steps, replayStep{Placed: p, micro: micro})
		}
	}
	return steps, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// replayMicros returns the micro-ops of a placed operation, nil for one
// CheckCommitOrder does not replay.
func replayMicros(operation Operation) ([]replayMicro, error) {
	result := operation.Output
	switch operation.Function {
	case FunctionTxn, FunctionReadOnlyTxn:
		return parseReplayMicros(operation, result)
	case FunctionWrite:
		return []replayMicro{{function: MicroWrite, key: operation.Key, argument: operation.Input}}, nil
	case FunctionCAS:
		if operation.Input.Kind() != value.KindList || operation.Input.Len() != 2 {
			return nil, malformed(operation.InvokeIndex, "cas input %v is not [from to]", operation.Input)
		}
		return []replayMicro{{function: FunctionCAS, key: operation.Key, argument: operation.Input, result: result}}, nil
	}
	return nil, nil
}

func parseReplayMicros(operation Operation, list value.Value) ([]replayMicro, error) {
	if list.Kind() != value.KindList {
		return nil, malformed(operation.InvokeIndex, "txn value %v is not a list of micro-ops", list)
	}
	micros := make([]replayMicro, 0, list.Len())
	for i := range list.Len() {
		item := list.Index(i)
		function, okFunction := item.Index(0).AsString()
		key, okKey := item.Index(1).AsString()
		if item.Kind() != value.KindList || item.Len() != 3 || !okFunction || !okKey {
			return nil, malformed(operation.InvokeIndex, "micro-op %v is not [function key value]", item)
		}
		micro := replayMicro{function: function, key: key}
		switch function {
		case MicroAppend, MicroWrite, MicroEnqueue:
			micro.argument = item.Index(2)
		case MicroAdd:
			if _, isInt := item.Index(2).AsInt(); !isInt {
				return nil, malformed(operation.InvokeIndex, "add delta %v is not an int", item.Index(2))
			}
			micro.argument = item.Index(2)
		case MicroRead, MicroDequeue, MicroPeek, MicroSize:
			micro.result = item.Index(2)
		default:
			return nil, malformed(operation.InvokeIndex, "micro-op function %q is not one CheckCommitOrder replays", function)
		}
		micros = append(micros, micro)
	}
	return micros, nil
}

// serialModel is the state of every key and queue after the replayed
// prefix, with the last writer of each (for explanations).
type serialModel struct {
	absent  value.Value
	keys    map[string]value.Value
	writers map[string]Operation
	queues  map[string][]value.Value
}

// apply replays one micro-op; on a mismatch it returns the finding's line
// and false.
func (m *serialModel) apply(step replayStep, micro replayMicro) (string, bool) {
	switch micro.function {
	case MicroAppend:
		m.set(step, micro.key, value.List(append(listElements(m.get(micro.key)), micro.argument)...))
	case MicroWrite:
		m.set(step, micro.key, micro.argument)
	case MicroAdd:
		current, _ := m.get(micro.key).AsInt()
		delta, _ := micro.argument.AsInt()
		m.set(step, micro.key, value.Int(current+delta))
	case MicroRead:
		if want := m.get(micro.key); !want.Equal(micro.result) {
			return m.mismatch(step, micro, want), false
		}
	case FunctionCAS:
		current, from := m.get(micro.key), micro.argument.Index(0)
		swapped, _ := micro.result.AsBool()
		if current.Equal(from) != swapped {
			return m.mismatch(step, micro, current), false
		}
		if swapped {
			m.set(step, micro.key, micro.argument.Index(1))
		}
	default:
		return m.applyQueue(step, micro)
	}
	return "", true
}

func (m *serialModel) applyQueue(step replayStep, micro replayMicro) (string, bool) {
	queue := m.queues[micro.key]
	if micro.function == MicroEnqueue {
		m.queues[micro.key] = append(queue, micro.argument)
		m.writers[micro.key] = step.Operation
		return "", true
	}
	want := value.Null()
	if micro.function == MicroSize {
		want = value.Int(int64(len(queue)))
	} else if len(queue) > 0 {
		want = queue[0]
	}
	line, ok := "", want.Equal(micro.result)
	if !ok {
		line = m.mismatch(step, micro, want)
	}
	if micro.function == MicroDequeue && len(queue) > 0 {
		m.queues[micro.key] = queue[1:]
		m.writers[micro.key] = step.Operation
	}
	return line, ok
}

func (m *serialModel) get(key string) value.Value {
	if current, ok := m.keys[key]; ok {
		return current
	}
	return m.absent
}

func (m *serialModel) set(step replayStep, key string, v value.Value) {
	m.keys[key] = v
	m.writers[key] = step.Operation
}

func (m *serialModel) mismatch(step replayStep, micro replayMicro, want value.Value) string {
	var line strings.Builder
	placed := "committed at"
	if step.ReadOnly {
		placed = "reading at snapshot"
	}
	fmt.Fprintf(&line, "%s %s %s: %s %s gave %v, but replaying the commits in timestamp order gives %v",
		step.Operation.Describe(), placed, step.At, micro.function, micro.key, micro.result, want)
	if writer, ok := m.writers[micro.key]; ok {
		fmt.Fprintf(&line, " (last changed by %s)", writer.Describe())
	}
	return line.String()
}

func listElements(list value.Value) []value.Value {
	elements := make([]value.Value, 0, list.Len()+1)
	for i := range list.Len() {
		elements = append(elements, list.Index(i))
	}
	return elements
}
