package workloads

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// Pending is an operation a client invoked and has not completed yet.
type Pending struct {
	client        Client
	function, key string
}

// Invoke records the start of an operation (its function, the key it is
// on, and its input) and returns it; complete it with OK, Fail or Info.
func Invoke(c Client, function, key string, input value.Value) Pending {
	c.Record(checkers.Event{Type: checkers.TypeInvoke, Function: function, Key: key, Value: input})
	return Pending{client: c, function: function, key: key}
}

// OK records that the operation took effect, with its result.
func (p Pending) OK(output value.Value) { p.complete(checkers.TypeOK, output) }

// Fail records that the operation certainly took no effect.
func (p Pending) Fail() { p.complete(checkers.TypeFail, value.Null()) }

// Info records that the operation's outcome is unknown (a timeout); output
// is what the client knows of its result (Null when nothing). The client
// continues as a fresh process.
func (p Pending) Info(output value.Value) { p.complete(checkers.TypeInfo, output) }

func (p Pending) complete(eventType checkers.EventType, output value.Value) {
	p.client.Record(checkers.Event{Type: eventType, Function: p.function, Key: p.key, Value: output})
}

// TransactionBody runs a transaction's operations and returns the value
// the completion records (what the reads saw); an error rolls it back.
type TransactionBody func(ctx context.Context, tx *coordinator.Txn) (value.Value, error)

// Transact runs body in a read-write transaction begun with the timeout,
// recorded as one operation with the transaction's id: ok when Commit
// succeeded (with the commit timestamp), fail when it certainly did not
// commit (an error before Commit, or an abort), info when Commit's
// outcome is unknown. The info completion carries what the reads saw, so
// settling it later from the logs needs no guess. Requires: the client
// has Transactions.
func Transact(c Client, function, key string, input value.Value, timeout time.Duration,
	body TransactionBody) (value.Value, checkers.EventType) {
	ctx := context.Background()
	transactions := c.Transactions()
	if transactions == nil {
		panic("workloads: Transact by a client without Transactions (the workload declared Builder.World, not Builder.Cluster)")
	}
	tx := transactions.BeginCategory(ctx, calmTimeout(c, timeout), function, speculationArguments(key, input)...)
	txn := tx.ID().String()
	record := func(eventType checkers.EventType, output value.Value, commitTimestamp, reason string) {
		c.Record(checkers.Event{Type: eventType, Function: function, Key: key, Value: output, Txn: txn,
			CommitTimestamp: commitTimestamp, Error: reason})
	}
	record(checkers.TypeInvoke, input, "", "")
	output, err := body(ctx, tx)
	if err != nil {
		_ = tx.Rollback(ctx)
		record(checkers.TypeFail, value.Null(), "", AbortReason(err))
		return value.Null(), checkers.TypeFail
	}
	switch err := tx.Commit(ctx); {
	case err == nil:
		record(checkers.TypeOK, output, tx.CommitTimestamp().String(), "")
		return output, checkers.TypeOK
	case errors.Is(err, engines.ErrAborted):
		record(checkers.TypeFail, value.Null(), "", AbortReason(err))
		return value.Null(), checkers.TypeFail
	default:
		record(checkers.TypeInfo, output, "", checkers.ErrorIndeterminate)
		return output, checkers.TypeInfo
	}
}

// AbortReason classifies why a transaction or a read did not take effect,
// as the history records it (checkers.Event.Error): the coordinator's
// abort reason (wounded, deadline, conflict, refused; a rollback is the
// client's), an engine's refusal (refused), an unknown outcome
// (indeterminate), or anything else the client decided (client).
func AbortReason(err error) string {
	var aborted *coordinator.AbortedError
	var refusal *engines.Refusal
	switch {
	case errors.As(err, &aborted):
		switch aborted.Reason {
		case coordinator.ReasonWounded:
			return checkers.ErrorWounded
		case coordinator.ReasonDeadline:
			return checkers.ErrorDeadline
		case coordinator.ReasonConflict:
			return checkers.ErrorConflict
		case coordinator.ReasonRefused:
			return checkers.ErrorRefused
		}
		return checkers.ErrorClient
	case errors.Is(err, coordinator.ErrIndeterminate):
		return checkers.ErrorIndeterminate
	case errors.As(err, &refusal):
		return checkers.ErrorRefused
	}
	return checkers.ErrorClient
}

// ReadBody runs reads through an executor (a read-only transaction or
// the ad-hoc path) and returns what they saw.
type ReadBody func(ctx context.Context) (value.Value, error)

// Read records reads as one operation: ok with what they saw, or fail
// (reads change nothing, so an error is a certain non-effect), with the
// error's reason (see AbortReason).
func Read(c Client, function, key string, body ReadBody) (value.Value, bool) {
	pending := Invoke(c, function, key, value.Null())
	output, err := body(context.Background())
	if err != nil {
		pending.client.Record(checkers.Event{Type: checkers.TypeFail, Function: function, Key: key,
			Value: value.Null(), Error: AbortReason(err)})
		return value.Null(), false
	}
	pending.OK(output)
	return output, true
}

// ReadOnlyBody runs reads in a read-only transaction and returns what
// they saw.
type ReadOnlyBody func(ctx context.Context, read *coordinator.ReadTxn) (value.Value, error)

// ReadOnly runs body in a read-only transaction, recorded as one
// operation invoked with input: ok with what the reads saw and the
// snapshot timestamp (checkers.Event.Snapshot), so checkers can place it
// in commit-timestamp order; or fail with the error's reason. Requires:
// the client has Transactions.
func ReadOnly(c Client, function, key string, input value.Value, body ReadOnlyBody) (value.Value, bool) {
	ctx := context.Background()
	transactions := c.Transactions()
	if transactions == nil {
		panic("workloads: ReadOnly by a client without Transactions (the workload declared Builder.World, not Builder.Cluster)")
	}
	read := transactions.BeginReadOnly(ctx)
	c.Record(checkers.Event{Type: checkers.TypeInvoke, Function: function, Key: key, Value: input})
	output, err := body(ctx, read)
	if err != nil {
		c.Record(checkers.Event{Type: checkers.TypeFail, Function: function, Key: key, Value: value.Null(),
			Error: AbortReason(err)})
		return value.Null(), false
	}
	c.Record(checkers.Event{Type: checkers.TypeOK, Function: function, Key: key, Value: output,
		Snapshot: read.Snapshot().String()})
	return output, true
}

// transactionCounts counts the completions of read-write transactions
// (events with a transaction id), as their clients saw them.
func transactionCounts(history checkers.History) (committed, aborted, indeterminate int) {
	for _, event := range history.Events {
		if event.Txn == "" {
			continue
		}
		switch event.Type {
		case checkers.TypeOK:
			committed++
		case checkers.TypeFail:
			aborted++
		case checkers.TypeInfo:
			indeterminate++
		}
	}
	return committed, aborted, indeterminate
}

// speculationArguments are what varies between transactions of one
// function, for speculative execution: the key and the input's leaves (a
// map's values in key order, a list's items, depth first), with a
// "stream/name" label also split into its parts (operations name them
// apart).
func speculationArguments(key string, input value.Value) []value.Value {
	var arguments []value.Value
	var add func(v value.Value)
	add = func(v value.Value) {
		switch v.Kind() {
		case value.KindList:
			for i := range v.Len() {
				add(v.Index(i))
			}
		case value.KindMap:
			for _, entry := range v.MapEntries() {
				add(entry.Value)
			}
		default:
			arguments = append(arguments, v)
			if text, ok := v.AsString(); ok {
				if stream, name, found := strings.Cut(text, "/"); found {
					arguments = append(arguments, value.String(stream), value.String(name))
				}
			}
		}
	}
	add(value.String(key))
	add(input)
	return arguments
}
