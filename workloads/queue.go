package workloads

import (
	"context"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/value"
)

// queueWorkload: enqueues of unique values and dequeues, each in its own
// transaction, across two named queues on each of two Queue streams;
// checked for linearizability per queue (FIFO).
func queueWorkload() workload {
	streams := []string{"queue-1", "queue-2"}
	var queues []keyRef
	for _, stream := range streams {
		for _, name := range []string{"a", "b"} {
			queues = append(queues, keyRef{stream: stream, key: name})
		}
	}
	var specs []cluster.StreamSpec
	for _, stream := range streams {
		specs = append(specs, cluster.Queue(stream))
	}
	nextValue := int64(1)
	return workload{
		name:    "queue",
		streams: specs,
		setup:   noSetup,
		operation: func(c *client) {
			ref := pick(c, queues)
			if c.rand(20) < 11 {
				// Take the value before the transaction yields: other
				// client processes run while this one waits.
				v := nextValue
				nextValue++
				enqueueOperation(c, ref, value.Int(v))
				return
			}
			dequeueOperation(c, ref)
		},
		checks: []check{{name: "delivery", run: checkers.CheckQueueDelivery}, {name: "linearizable", run: func(history checkers.History) (checkers.Result, error) {
			return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelQueue})
		}}},
	}
}

func enqueueOperation(c *client, ref keyRef, v value.Value) {
	c.transact(checkers.FunctionEnqueue, ref.label(), v, func(ctx context.Context, tx Txn) (value.Value, error) {
		return v, queue.New(tx, ref.stream).Enqueue(ctx, ref.key, v)
	})
}

// dequeueOperation records the dequeued element, or Null when the queue
// was empty.
func dequeueOperation(c *client, ref keyRef) {
	c.transact(checkers.FunctionDequeue, ref.label(), value.Null(), func(ctx context.Context, tx Txn) (value.Value, error) {
		v, found, err := queue.New(tx, ref.stream).Dequeue(ctx, ref.key)
		if err != nil {
			return value.Null(), err
		}
		if !found {
			return value.Null(), nil
		}
		return v, nil
	})
}
