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
	"github.com/proven2pc/proven/sim"
)

// client is one simulated client thread recording into the shared history.
type client struct {
	runner *runner
	p      *sim.Process
	coord  *coordinator.Coordinator
	// process is the history process id; replaced after an info outcome.
	process int
}

// Transaction timeouts: short enough that faults force aborts.
const (
	timeoutMin    = 100 * time.Millisecond
	timeoutSpread = 900 * time.Millisecond
)

func (c *client) rand(n int) int { return c.p.Rand().IntN(n) }

func (c *client) timeout() time.Duration {
	return timeoutMin + time.Duration(c.rand(int(timeoutSpread/time.Millisecond)))*time.Millisecond
}

func (c *client) record(eventType checkers.EventType, function, key string, value value.Value, txn, commitTimestamp string) {
	c.runner.history.Append(checkers.Event{Process: c.process, Type: eventType, Function: function, Key: key,
		Value: value, TimeNanos: c.runner.cluster.World.Now(), Txn: txn, CommitTimestamp: commitTimestamp})
	if eventType == checkers.TypeInfo {
		c.process = c.runner.newProcess()
	}
}

// transactionBody runs a transaction's operations and returns the value the
// completion records (what the reads saw); an error rolls it back.
type transactionBody func(ctx context.Context, tx *coordinator.Txn) (value.Value, error)

// transact runs body in a read-write transaction recorded as one
// operation: ok when Commit succeeded, fail when it certainly did not
// commit (an error before Commit, or an abort), info when Commit's outcome
// is unknown. The info completion carries what the reads saw, so settling
// it later needs no guess.
func (c *client) transact(function, key string, input value.Value, body transactionBody) (value.Value, checkers.EventType) {
	ctx := context.Background()
	tx := c.coord.BeginCategory(ctx, c.timeout(), function, speculationArguments(key, input)...)
	txn := tx.ID().String()
	c.record(checkers.TypeInvoke, function, key, input, txn, "")
	output, err := body(ctx, tx)
	if err != nil {
		_ = tx.Rollback(ctx)
		c.runner.aborted++
		c.record(checkers.TypeFail, function, key, value.Null(), txn, "")
		return value.Null(), checkers.TypeFail
	}
	switch err := tx.Commit(ctx); {
	case err == nil:
		c.runner.committed++
		c.record(checkers.TypeOK, function, key, output, txn, tx.CommitTimestamp().String())
		return output, checkers.TypeOK
	case errors.Is(err, engines.ErrAborted):
		c.runner.aborted++
		c.record(checkers.TypeFail, function, key, value.Null(), txn, "")
		return value.Null(), checkers.TypeFail
	default:
		c.runner.indeterminate++
		c.record(checkers.TypeInfo, function, key, output, txn, "")
		return output, checkers.TypeInfo
	}
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

// readBody runs reads through an executor (a read-only transaction or the
// ad-hoc path) and returns what they saw.
type readBody func(ctx context.Context) (value.Value, error)

// read records reads as one operation: ok with what they saw, or fail
// (reads change nothing, so an error is a certain non-effect).
func (c *client) read(function, key string, body readBody) (value.Value, bool) {
	c.record(checkers.TypeInvoke, function, key, value.Null(), "", "")
	output, err := body(context.Background())
	if err != nil {
		c.record(checkers.TypeFail, function, key, value.Null(), "", "")
		return value.Null(), false
	}
	c.record(checkers.TypeOK, function, key, output, "", "")
	return output, true
}

// pick returns a random element.
func pick[T any](c *client, items []T) T { return items[c.rand(len(items))] }
