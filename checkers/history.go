package checkers

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/proven2pc/proven/engines/value"
)

// EventType says what an event records: the start of an operation, or how it
// ended.
type EventType string

// The event types, as Jepsen names them.
const (
	// TypeInvoke starts an operation.
	TypeInvoke EventType = "invoke"
	// TypeOK ends an operation that took effect.
	TypeOK EventType = "ok"
	// TypeFail ends an operation that certainly took no effect.
	TypeFail EventType = "fail"
	// TypeInfo ends an operation whose outcome is unknown; its process never
	// invokes again.
	TypeInfo EventType = "info"
)

// Event is one line of a history.
type Event struct {
	// Index is the event's position in History.Events.
	Index int `json:"index"`
	// Process names the client thread; it runs one operation at a time.
	Process int `json:"process"`
	// Type is invoke, ok, fail or info.
	Type EventType `json:"type"`
	// Function names the operation: "read", "write", "cas", "enqueue",
	// "dequeue", "deposit", "withdraw", "txn", ...
	Function string `json:"f"`
	// Key names the object the operation is on (a key, a queue, an account);
	// linearizability is checked per key. Empty for transactions.
	Key string `json:"key,omitempty"`
	// Value is the operation's argument on invoke and its result on
	// completion.
	Value value.Value `json:"value"`
	// TimeNanos is the virtual time of the event.
	TimeNanos int64 `json:"time"`
	// Txn is the transaction id text, where known.
	Txn string `json:"txn,omitempty"`
	// CommitTimestamp is the commit timestamp text, where known.
	CommitTimestamp string `json:"commit_timestamp,omitempty"`
	// Snapshot is a read-only transaction's snapshot timestamp text: it
	// saw exactly the transactions committed at or before it.
	Snapshot string `json:"snapshot,omitempty"`
	// Error says, on a fail or info completion, why the operation did not
	// take effect or why its outcome is unknown: in Proven's histories one
	// of the Error* reasons; in histories read from elsewhere, whatever
	// Jepsen's :error said. Optional: "" says nothing.
	Error string `json:"error,omitempty"`
}

// Why an operation failed or its outcome is unknown (Event.Error). The
// progress check judges each one.
const (
	// ErrorWounded: an older transaction needed its locks.
	ErrorWounded = "wounded"
	// ErrorDeadline: its deadline passed before it committed.
	ErrorDeadline = "deadline"
	// ErrorConflict: a participant refused to prepare it.
	ErrorConflict = "conflict"
	// ErrorRefused: an engine refused an operation (a domain outcome:
	// insufficient balance, not found, a constraint).
	ErrorRefused = "refused"
	// ErrorClient: the client gave up on its own (it rolled back).
	ErrorClient = "client"
	// ErrorIndeterminate: the client cannot know the outcome (an info
	// completion, or a read that found no answer in time).
	ErrorIndeterminate = "indeterminate"
)

// History is an ordered list of events.
type History struct {
	Events []Event
	// positions holds, for a history read from text, where each event
	// starts (see Locate); nil otherwise.
	positions []textPosition
}

// Operation is an invocation paired with its completion.
type Operation struct {
	// InvokeIndex is the history index of the invoke event.
	InvokeIndex int
	// CompletionIndex is the history index of the completion, or -1 when the
	// operation never completed (it counts as info).
	CompletionIndex int
	Process         int
	Function        string
	Key             string
	// Type is how the operation ended: ok, fail or info (also for an
	// operation left open at the end of the history).
	Type EventType
	// Input is the invoke event's value; Output the completion's (Null when
	// open).
	Input, Output value.Value
	// InvokeTimeNanos and CompleteTimeNanos bound the operation in virtual
	// time; CompleteTimeNanos is math.MaxInt64 when the outcome is unknown.
	InvokeTimeNanos, CompleteTimeNanos int64
	Txn, CommitTimestamp               string
	// Snapshot is a read-only transaction's snapshot; Error the
	// completion's reason (see Event).
	Snapshot, Error string
}

// Describe names the operation for explanations: its history index, process
// and transaction.
func (o Operation) Describe() string {
	text := fmt.Sprintf("op %d (process %d, %s %s", o.InvokeIndex, o.Process, o.Type, o.Function)
	if o.Key != "" {
		text += " " + o.Key
	}
	if o.Txn != "" {
		text += ", txn " + o.Txn
	}
	return text + ")"
}

// ErrMalformedHistory reports a history that breaks the rules of Validate.
var ErrMalformedHistory = errors.New("checkers: malformed history")

// malformedError is an ErrMalformedHistory about one event.
type malformedError struct {
	index  int
	detail string
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("%v: event %d: %s", ErrMalformedHistory, e.index, e.detail)
}

func (e *malformedError) Unwrap() error { return ErrMalformedHistory }

func malformed(index int, format string, args ...any) error {
	return &malformedError{index: index, detail: fmt.Sprintf(format, args...)}
}

// Append adds an event, setting its Index, and returns the index.
func (h *History) Append(event Event) int {
	event.Index = len(h.Events)
	h.Events = append(h.Events, event)
	return event.Index
}

// Validate checks the shape of the history: indexes equal positions, types
// are known, time never goes back, each process alternates invoke and
// completion of the same function and key, and a process whose operation
// ended in info never invokes again.
func (h History) Validate() error {
	open := map[int]int{}     // process -> index of its open invoke
	retired := map[int]bool{} // processes that completed with info
	var timeNanosLast int64 = math.MinInt64
	for position, event := range h.Events {
		if event.Index != position {
			return malformed(position, "index is %d", event.Index)
		}
		if event.TimeNanos < timeNanosLast {
			return malformed(position, "time %d before previous %d", event.TimeNanos, timeNanosLast)
		}
		timeNanosLast = event.TimeNanos
		if err := validateEvent(h.Events, event, open, retired); err != nil {
			return err
		}
	}
	return nil
}

func validateEvent(events []Event, event Event, open map[int]int, retired map[int]bool) error {
	invokeIndex, isOpen := open[event.Process]
	switch event.Type {
	case TypeInvoke:
		if retired[event.Process] {
			return malformed(event.Index, "process %d invokes after an info completion", event.Process)
		}
		if isOpen {
			return malformed(event.Index, "process %d invokes while op %d is open", event.Process, invokeIndex)
		}
		open[event.Process] = event.Index
	case TypeOK, TypeFail, TypeInfo:
		if !isOpen {
			return malformed(event.Index, "process %d completes with no open invoke", event.Process)
		}
		invoke := events[invokeIndex]
		if invoke.Function != event.Function || invoke.Key != event.Key {
			return malformed(event.Index, "completion %s %q does not match invoke %d (%s %q)",
				event.Function, event.Key, invokeIndex, invoke.Function, invoke.Key)
		}
		delete(open, event.Process)
		if event.Type == TypeInfo {
			retired[event.Process] = true
		}
	default:
		return malformed(event.Index, "unknown type %q", event.Type)
	}
	return nil
}

// Operations pairs each invoke with its completion, in invoke order. An
// invoke never completed becomes an info operation open to the end.
// Requires: the history is valid (see Validate).
func (h History) Operations() []Operation {
	operations := make([]Operation, 0, len(h.Events)/2+1)
	openOperation := map[int]int{} // process -> position in operations
	for _, event := range h.Events {
		if event.Type == TypeInvoke {
			openOperation[event.Process] = len(operations)
			operations = append(operations, Operation{
				InvokeIndex: event.Index, CompletionIndex: -1, Process: event.Process,
				Function: event.Function, Key: event.Key, Type: TypeInfo, Input: event.Value,
				InvokeTimeNanos: event.TimeNanos, CompleteTimeNanos: math.MaxInt64,
				Txn: event.Txn, CommitTimestamp: event.CommitTimestamp, Snapshot: event.Snapshot,
			})
			continue
		}
		position, ok := openOperation[event.Process]
		if !ok {
			panic("checkers: Operations requires a valid history: completion without invoke")
		}
		delete(openOperation, event.Process)
		operation := &operations[position]
		operation.CompletionIndex = event.Index
		operation.Type = event.Type
		operation.Output = event.Value
		if event.Type != TypeInfo {
			operation.CompleteTimeNanos = event.TimeNanos
		}
		if event.Txn != "" {
			operation.Txn = event.Txn
		}
		if event.CommitTimestamp != "" {
			operation.CommitTimestamp = event.CommitTimestamp
		}
		if event.Snapshot != "" {
			operation.Snapshot = event.Snapshot
		}
		operation.Error = event.Error
	}
	return operations
}

// WriteJSONLines writes one JSON object per event.
func (h History) WriteJSONLines(w io.Writer) error {
	buffered := bufio.NewWriter(w)
	for _, event := range h.Events {
		line, err := json.Marshal(event)
		if err != nil {
			return fmt.Errorf("checkers: event %d: %w", event.Index, err)
		}
		buffered.Write(line)
		buffered.WriteByte('\n')
	}
	return buffered.Flush()
}

// sortedKeys returns a map's keys in order, so map order never reaches
// output.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
