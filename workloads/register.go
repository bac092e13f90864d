package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
)

// setupTimeout is the setup transaction's timeout (no faults run then).
const setupTimeout = 5 * time.Second

// registerKeysPer is the number of register keys per stream.
const registerKeysPer = 3

// keyRef is a key on a stream; its label is the history key.
type keyRef struct{ stream, key string }

func (k keyRef) label() string { return k.stream + "/" + k.key }

func keyRefs(streams []string, prefix string, perStream int) []keyRef {
	var refs []keyRef
	for _, stream := range streams {
		for i := range perStream {
			refs = append(refs, keyRef{stream: stream, key: fmt.Sprintf("%s%d", prefix, i)})
		}
	}
	return refs
}

func kvStreams(streams []string) []cluster.StreamSpec {
	return bankStreams(nil, streams)
}

func noSetup(context.Context, Transactions) error { return nil }

// registerWorkload: per-key reads (ad-hoc), writes of unique values and
// compare-and-sets (a transaction that reads, then writes when the value
// matches) on KV keys over two streams, checked for linearizability per
// key; and, on keys of their own on the same streams, Fekete's read-only
// shapes: transactions that read one key and write another on the other
// stream, transactions that write one key, and read-only transactions
// that read two or three keys at one snapshot, checked with every write
// and cas by replaying the commits in timestamp order.
func registerWorkload() workload {
	streams := []string{"reg-1", "reg-2"}
	keys := keyRefs(streams, "x", registerKeysPer)
	snapshotKeys := keyRefs(streams, "y", registerKeysPer)
	nextValue := int64(1)
	take := func() value.Value {
		v := nextValue // taken before the transaction yields to other clients
		nextValue++
		return value.Int(v)
	}
	// lastSeen holds each key's last value a client saw or wrote, as the
	// expected value of the next cas on it.
	lastSeen := map[string]value.Value{}
	return workload{
		name:    "register",
		streams: kvStreams(streams),
		setup:   noSetup,
		operation: func(c *client) {
			switch choice := c.rand(20); {
			case choice < 6:
				registerRead(c, pick(c, keys), lastSeen)
			case choice < 10:
				registerWrite(c, pick(c, keys), take(), lastSeen)
			case choice < 14:
				ref := pick(c, keys)
				registerCAS(c, ref, lastSeen[ref.label()], take(), lastSeen)
			case choice < 16:
				read, written := keyPairAcrossStreams(c, snapshotKeys)
				registerTransaction(c, []registerMicro{{ref: read}, {ref: written, write: take()}})
			case choice < 18:
				registerTransaction(c, []registerMicro{{ref: pick(c, snapshotKeys), write: take()}})
			default:
				registerReadOnly(c, distinctKeys(c, snapshotKeys, 2+c.rand(2)))
			}
		},
		checks: []check{
			{name: "linearizable", run: func(history checkers.History) (checkers.Result, error) {
				return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelRegister,
					Initial: value.Null(), Skip: []string{checkers.FunctionTxn, checkers.FunctionReadOnlyTxn}})
			}},
			{name: "commit-order", run: func(history checkers.History) (checkers.Result, error) {
				return checkers.CheckCommitOrder(history, checkers.CommitOrderConfig{Absent: value.Null()})
			}},
		},
	}
}

// registerMicro is a read of a register, or a write of a value to it
// (write not Null).
type registerMicro struct {
	ref   keyRef
	write value.Value
}

func (m registerMicro) encode(readResult value.Value) value.Value {
	if m.write.IsNull() {
		return value.List(value.String(checkers.MicroRead), value.String(m.ref.label()), readResult)
	}
	return value.List(value.String(checkers.MicroWrite), value.String(m.ref.label()), m.write)
}

// registerTransaction runs reads and writes of registers in one
// read-write transaction, recorded as "txn" with [r key value] and
// [w key value] micro-ops.
func registerTransaction(c *client, micro []registerMicro) {
	transactMicros(c, micro, runRegisterMicro)
}

// runRegisterMicro writes the register, or reads it (Null when absent).
func runRegisterMicro(ctx context.Context, executor engines.Executor, m registerMicro) (value.Value, error) {
	store := kv.New(executor, m.ref.stream)
	if !m.write.IsNull() {
		return value.Null(), store.Put(ctx, m.ref.key, m.write)
	}
	current, _, err := store.Get(ctx, m.ref.key)
	return current, err
}

// registerReadOnly reads registers in one read-only transaction.
func registerReadOnly(c *client, refs []keyRef) {
	micro := make([]registerMicro, len(refs))
	for i, ref := range refs {
		micro[i] = registerMicro{ref: ref, write: value.Null()}
	}
	readOnlyMicros(c, micro, runRegisterMicro)
}

func registerRead(c *client, ref keyRef, lastSeen map[string]value.Value) {
	value, ok := c.read(checkers.FunctionRead, ref.label(), func(ctx context.Context) (value.Value, error) {
		value, _, err := kv.New(c.coord.AdHoc(), ref.stream).Get(ctx, ref.key)
		return value, err
	})
	if ok {
		lastSeen[ref.label()] = value
	}
}

func registerWrite(c *client, ref keyRef, v value.Value, lastSeen map[string]value.Value) {
	c.transact(checkers.FunctionWrite, ref.label(), v, func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		return v, kv.New(tx, ref.stream).Put(ctx, ref.key, v)
	})
	lastSeen[ref.label()] = v
}

// registerCAS records a cas whose output is Bool(false) when the value did
// not match (the transaction then only read) and Bool(true) when it wrote.
func registerCAS(c *client, ref keyRef, from, to value.Value, lastSeen map[string]value.Value) {
	input := value.List(from, to)
	c.transact(checkers.FunctionCAS, ref.label(), input, func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		store := kv.New(tx, ref.stream)
		current, _, err := store.Get(ctx, ref.key)
		if err != nil {
			return value.Null(), err
		}
		lastSeen[ref.label()] = current
		if !current.Equal(from) {
			return value.Bool(false), nil
		}
		lastSeen[ref.label()] = to
		return value.Bool(true), store.Put(ctx, ref.key, to)
	})
}
