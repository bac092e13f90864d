package jepsen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/jetstream/remote"
	"github.com/proven2pc/proven/workloads"
)

// The workloads share the deployment's KV streams, each on keys of its
// own, so that every transaction spans streams as the workload draws:
//
//   - bank: accounts acct-0.. spread over the streams, transfers between
//     two of them (read, check, write both) and read-only reads of every
//     balance; checked for conservation.
//   - list-append: Elle's list-append over list-0..; transactions of one
//     to four appends and reads, and read-only transactions; checked for
//     strict serializability (and the read-only ones for snapshots that
//     are prefixes of a serial order).
const (
	bankAccounts       = 9
	bankInitialBalance = 100
	listKeys           = 6
)

// keyRef is a key on a stream.
type keyRef struct{ stream, key string }

func (k keyRef) label() string { return k.stream + "/" + k.key }

func keysOf(streams []string, prefix string, count int) []keyRef {
	refs := make([]keyRef, count)
	for i := range refs {
		refs[i] = keyRef{stream: streams[i%len(streams)], key: fmt.Sprintf("%s-%d", prefix, i)}
	}
	return refs
}

// client is one client goroutine of a workload: a process of its
// history, sending each operation to a node picked among those running.
type client struct {
	run      *runState
	recorder *recorder
	random   *rand.Rand
	process  int
	timeout  time.Duration
}

// reason classifies an error as the history records it (Event.Error):
// no reply from the node is an unknown outcome.
func reason(err error) string {
	if errors.Is(err, remote.ErrNoReply) {
		return checkers.ErrorIndeterminate
	}
	return workloads.AbortReason(err)
}

// transact runs body in a read-write transaction on the client's node,
// recorded as one operation: ok when Commit succeeded, fail when it
// certainly did not commit (an error before Commit: the node's
// coordinator commits only when asked; an abort), info when Commit's
// outcome is unknown (indeterminate, or no reply: the node was killed or
// paused). After an info completion the client continues as a new
// process.
func (c *client) transact(function, key string, input value.Value,
	body func(ctx context.Context, tx *remote.Txn) (value.Value, error)) checkers.EventType {
	ctx := context.Background()
	tx := c.run.pick(c.random).Begin(ctx, c.timeout)
	record := func(eventType checkers.EventType, output value.Value, commitTimestamp, why string) {
		c.recorder.record(checkers.Event{Process: c.process, Type: eventType, Function: function, Key: key,
			Value: output, Txn: tx.ID(), CommitTimestamp: commitTimestamp, Error: why})
	}
	record(checkers.TypeInvoke, input, "", "")
	output, err := body(ctx, tx)
	if err != nil {
		_ = tx.Rollback(ctx)
		record(checkers.TypeFail, value.Null(), "", reason(err))
		return checkers.TypeFail
	}
	switch err := tx.Commit(ctx); {
	case err == nil:
		record(checkers.TypeOK, output, tx.CommitTimestamp(), "")
		c.run.committed.Add(1)
		return checkers.TypeOK
	case errors.Is(err, engines.ErrAborted):
		record(checkers.TypeFail, value.Null(), "", reason(err))
		return checkers.TypeFail
	default:
		record(checkers.TypeInfo, output, "", checkers.ErrorIndeterminate)
		c.process = c.recorder.process()
		return checkers.TypeInfo
	}
}

// readOnly runs body in a read-only transaction: ok with what it read and
// its snapshot, or fail (reads change nothing). It reports whether it
// was ok.
func (c *client) readOnly(function, key string, input value.Value,
	body func(ctx context.Context, read *remote.ReadTxn) (value.Value, error)) bool {
	ctx := context.Background()
	read := c.run.pick(c.random).BeginReadOnly(ctx)
	c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeInvoke, Function: function, Key: key,
		Value: input})
	output, err := body(ctx, read)
	if err != nil {
		c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeFail, Function: function, Key: key,
			Value: value.Null(), Error: reason(err)})
		return false
	}
	c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeOK, Function: function, Key: key,
		Value: output, Snapshot: read.Snapshot()})
	return true
}

// bank: transfers and reads of every balance.
func (c *client) bankOperation(accounts []keyRef) {
	if c.random.IntN(4) == 0 {
		c.readBalances(accounts)
		return
	}
	from := accounts[c.random.IntN(len(accounts))]
	to := accounts[c.random.IntN(len(accounts))]
	for to == from {
		to = accounts[c.random.IntN(len(accounts))]
	}
	amount := int64(1 + c.random.IntN(20))
	input := value.List(value.String(from.label()), value.String(to.label()), value.Int(amount))
	c.transact("transfer", "", input, func(ctx context.Context, tx *remote.Txn) (value.Value, error) {
		source := kv.New(tx, from.stream)
		balance, _, err := source.GetInt(ctx, from.key)
		if err != nil {
			return value.Null(), err
		}
		if balance < amount {
			return value.Null(), &engines.Refusal{Code: engines.CodeInsufficient, Message: "insufficient balance"}
		}
		if err := source.PutInt(ctx, from.key, balance-amount); err != nil {
			return value.Null(), err
		}
		target := kv.New(tx, to.stream)
		credit, _, err := target.GetInt(ctx, to.key)
		if err != nil {
			return value.Null(), err
		}
		return input, target.PutInt(ctx, to.key, credit+amount)
	})
}

func (c *client) readBalances(accounts []keyRef) bool {
	return c.readOnly(checkers.FunctionRead, "", value.Null(), func(ctx context.Context, read *remote.ReadTxn) (value.Value, error) {
		balances := map[string]value.Value{}
		for _, account := range accounts {
			balance, _, err := kv.New(read, account.stream).GetInt(ctx, account.key)
			if err != nil {
				return value.Null(), err
			}
			balances[account.label()] = value.Int(balance)
		}
		return value.Map(balances), nil
	})
}

// setupAccounts gives every account its opening balance, in one
// transaction.
func setupAccounts(ctx context.Context, node *remote.Client, accounts []keyRef) error {
	tx := node.Begin(ctx, 10*time.Second)
	for _, account := range accounts {
		if err := kv.New(tx, account.stream).PutInt(ctx, account.key, bankInitialBalance); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
	}
	return tx.Commit(ctx)
}

// listAppendOperation: a transaction of one to four micro-operations
// (two in three), or a read-only transaction of two or three keys.
func (c *client) listAppendOperation(keys []keyRef, nextValue *atomic.Int64) {
	if c.random.IntN(3) == 2 {
		c.readLists(keys, c.random.Perm(len(keys))[:2+c.random.IntN(2)]...)
		return
	}
	count := 1 + c.random.IntN(4)
	picked := make([]int, count)
	micro := make([]value.Value, count)
	for i := range count {
		picked[i] = c.random.IntN(len(keys))
		label := value.String(keys[picked[i]].label())
		if c.random.IntN(2) == 0 {
			micro[i] = value.List(value.String(checkers.MicroRead), label, value.Null())
		} else {
			micro[i] = value.List(value.String(checkers.MicroAppend), label, value.Int(nextValue.Add(1)))
		}
	}
	c.transact(checkers.FunctionTxn, "", value.List(micro...), func(ctx context.Context, tx *remote.Txn) (value.Value, error) {
		return runMicros(ctx, tx, keys, picked, micro)
	})
}

// readLists reads the picked lists (every list when none is picked) in
// a read-only transaction, and reports whether it was ok.
func (c *client) readLists(keys []keyRef, picked ...int) bool {
	if len(picked) == 0 {
		for i := range keys {
			picked = append(picked, i)
		}
	}
	micro := make([]value.Value, len(picked))
	for i, index := range picked {
		micro[i] = value.List(value.String(checkers.MicroRead), value.String(keys[index].label()), value.Null())
	}
	return c.readOnly(checkers.FunctionReadOnlyTxn, "", value.List(micro...),
		func(ctx context.Context, read *remote.ReadTxn) (value.Value, error) {
			return runMicros(ctx, read, keys, picked, micro)
		})
}

// runMicros runs list-append micro-operations and returns them with
// what each read saw.
func runMicros(ctx context.Context, executor engines.Executor, keys []keyRef, picked []int,
	micro []value.Value) (value.Value, error) {
	output := make([]value.Value, len(micro))
	for i, m := range micro {
		ref := keys[picked[i]]
		store := kv.New(executor, ref.stream)
		current, found, err := store.Get(ctx, ref.key)
		if err != nil {
			return value.Null(), err
		}
		if !found {
			current = value.List()
		}
		name, _ := m.Index(0).AsString()
		if name == checkers.MicroRead {
			output[i] = value.List(m.Index(0), m.Index(1), current)
			continue
		}
		elements := make([]value.Value, 0, current.Len()+1)
		for j := range current.Len() {
			elements = append(elements, current.Index(j))
		}
		if err := store.Put(ctx, ref.key, value.List(append(elements, m.Index(2))...)); err != nil {
			return value.Null(), err
		}
		output[i] = m
	}
	return value.List(output...), nil
}
