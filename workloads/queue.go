package workloads

import (
	"context"
	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/internal/simhost"
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
	var specs []simhost.StreamSpec
	for _, stream := range streams {
		specs = append(specs, simhost.StreamSpec{Name: stream, Restore: queue.Restore})
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
				value := nextValue
				nextValue++
				enqueueOperation(c, ref, engines.Int(value))
				return
			}
			dequeueOperation(c, ref)
		},
		checks: []check{{name: "delivery", run: checkers.CheckQueueDelivery}, {name: "linearizable", run: func(history checkers.History) (checkers.Result, error) {
			return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelQueue})
		}}},
	}
}

func enqueueOperation(c *client, ref keyRef, value engines.Value) {
	c.transact(checkers.FunctionEnqueue, ref.label(), value, func(ctx context.Context, tx *coordinator.Txn) (engines.Value, error) {
		return value, queue.New(tx, ref.stream).Enqueue(ctx, ref.key, value)
	})
}

// dequeueOperation records the dequeued element, or Null when the queue
// was empty.
func dequeueOperation(c *client, ref keyRef) {
	c.transact(checkers.FunctionDequeue, ref.label(), engines.Null(), func(ctx context.Context, tx *coordinator.Txn) (engines.Value, error) {
		value, found, err := queue.New(tx, ref.stream).Dequeue(ctx, ref.key)
		if err != nil {
			return engines.Null(), err
		}
		if !found {
			return engines.Null(), nil
		}
		return value, nil
	})
}
