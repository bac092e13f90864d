package workloads

import (
	"context"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/value"
)

const queueOrderKV = "queue-kv"

// queueOrderWorkload: transactions of one to four operations over three
// FIFO queues on two Queue streams and a KV stream: enqueues of unique
// values, dequeues, peeks and sizes, and KV writes and reads, so that one
// transaction's dequeue meets another's uncommitted enqueue; beside them
// read-only transactions peek, size and read at one snapshot. Recorded as
// "txn" (and "ro-txn") with [enqueue q v] [dequeue q head] [peek q head]
// [size q n] [w k v] [r k v] micro-ops (a head is Null when the queue was
// empty); checked by replaying the committed transactions in commit
// timestamp order against FIFO queues and comparing every result.
func queueOrderWorkload() workload {
	queueStreams := []string{"queue-o1", "queue-o2"}
	queues := []keyRef{{stream: queueStreams[0], key: "a"}, {stream: queueStreams[0], key: "b"},
		{stream: queueStreams[1], key: "a"}}
	keys := keyRefs([]string{queueOrderKV}, "k", 2)
	nextValue := int64(1)
	take := func() value.Value {
		v := nextValue // taken before the transaction yields to other clients
		nextValue++
		return value.Int(v)
	}
	return workload{
		name:    "queue-order",
		streams: []cluster.StreamSpec{cluster.Queue(queueStreams[0]), cluster.Queue(queueStreams[1]), cluster.KV(queueOrderKV)},
		setup:   noSetup,
		operation: func(c *client) {
			if c.rand(8) == 0 {
				var micro []queueMicro
				for range 1 + c.rand(3) {
					micro = append(micro, queueReadMicro(c, queues, keys))
				}
				readOnlyMicros(c, micro, runQueueMicro)
				return
			}
			var micro []queueMicro
			for range 1 + c.rand(4) {
				micro = append(micro, queueWriteMicro(c, queues, keys, take))
			}
			transactMicros(c, micro, runQueueMicro)
		},
		checks: []check{{name: "commit-order", run: func(history checkers.History) (checkers.Result, error) {
			return checkers.CheckCommitOrder(history, checkers.CommitOrderConfig{Absent: value.Null()})
		}}},
	}
}

// queueMicro is one operation of a queue-order transaction: function is a
// checkers micro-op name, argument the enqueued or written value.
type queueMicro struct {
	function string
	ref      keyRef
	argument value.Value
}

func (m queueMicro) encode(result value.Value) value.Value {
	if m.function == checkers.MicroEnqueue || m.function == checkers.MicroWrite {
		result = m.argument
	}
	return value.List(value.String(m.function), value.String(m.ref.label()), result)
}

// queueWriteMicro draws an operation of a read-write transaction.
func queueWriteMicro(c *client, queues, keys []keyRef, take func() value.Value) queueMicro {
	switch choice := c.rand(20); {
	case choice < 7:
		return queueMicro{function: checkers.MicroEnqueue, ref: pick(c, queues), argument: take()}
	case choice < 13:
		return queueMicro{function: checkers.MicroDequeue, ref: pick(c, queues)}
	case choice < 18:
		return queueReadMicro(c, queues, keys)
	default:
		return queueMicro{function: checkers.MicroWrite, ref: pick(c, keys), argument: take()}
	}
}

// queueReadMicro draws an operation that changes nothing: a peek, a size
// or a KV read.
func queueReadMicro(c *client, queues, keys []keyRef) queueMicro {
	switch c.rand(5) {
	case 0, 1:
		return queueMicro{function: checkers.MicroPeek, ref: pick(c, queues)}
	case 2, 3:
		return queueMicro{function: checkers.MicroSize, ref: pick(c, queues)}
	}
	return queueMicro{function: checkers.MicroRead, ref: pick(c, keys)}
}

func runQueueMicro(ctx context.Context, executor engines.Executor, m queueMicro) (value.Value, error) {
	queues := queue.New(executor, m.ref.stream)
	switch m.function {
	case checkers.MicroEnqueue:
		return value.Null(), queues.Enqueue(ctx, m.ref.key, m.argument)
	case checkers.MicroDequeue, checkers.MicroPeek:
		take := queues.Dequeue
		if m.function == checkers.MicroPeek {
			take = queues.Peek
		}
		head, found, err := take(ctx, m.ref.key)
		if err != nil || !found {
			return value.Null(), err
		}
		return head, nil
	case checkers.MicroSize:
		size, err := queues.Size(ctx, m.ref.key)
		return value.Int(size), err
	case checkers.MicroWrite:
		return value.Null(), kv.New(executor, m.ref.stream).Put(ctx, m.ref.key, m.argument)
	}
	current, _, err := kv.New(executor, m.ref.stream).Get(ctx, m.ref.key)
	return current, err
}
