package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
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
// matches) on KV keys over two streams; checked for linearizability per
// key.
func registerWorkload() workload {
	keys := keyRefs([]string{"reg-1", "reg-2"}, "x", registerKeysPer)
	nextValue := int64(1)
	// lastSeen holds each key's last value a client saw or wrote, as the
	// expected value of the next cas on it.
	lastSeen := map[string]value.Value{}
	return workload{
		name:    "register",
		streams: kvStreams([]string{"reg-1", "reg-2"}),
		setup:   noSetup,
		operation: func(c *client) {
			ref := pick(c, keys)
			switch c.rand(10) {
			case 0, 1, 2, 3:
				registerRead(c, ref, lastSeen)
			case 4, 5, 6:
				v := nextValue // taken before the transaction yields to other clients
				nextValue++
				registerWrite(c, ref, value.Int(v), lastSeen)
			default:
				v := nextValue
				nextValue++
				registerCAS(c, ref, lastSeen[ref.label()], value.Int(v), lastSeen)
			}
		},
		checks: []check{{name: "linearizable", run: func(history checkers.History) (checkers.Result, error) {
			return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelRegister,
				Initial: value.Null()})
		}}},
	}
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
