package queue

import (
	"context"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// errBadResult is engines.ErrBadResult, naming queue: answer bytes a
// Client cannot read.
var errBadResult = fmt.Errorf("%w: queue", engines.ErrBadResult)

// Client runs queue operations on one stream through an Executor: inside a
// read-write transaction, a read-only one (Peek, Size and IsEmpty only) or
// ad hoc, as the executor decides. Errors from the executor come back
// unchanged (a *engines.Refusal, or an error matching engines.ErrAborted
// or engines.ErrDeadline).
type Client struct{ target engines.Target }

// New returns a client of the queues of stream.
func New(executor engines.Executor, stream string) *Client {
	return &Client{engines.Target{Executor: executor, Stream: stream}}
}

// Enqueue appends value to the queue. Its place in the queue is fixed when
// the transaction commits.
func (c *Client) Enqueue(ctx context.Context, queue string, value value.Value) error {
	answer, err := c.target.Execute(ctx, encodeEnqueue(queue, value))
	if err != nil {
		return err
	}
	return decodeNullAnswer(answer, "enqueue")
}

// Dequeue removes the queue's head and returns it, or false when the queue
// is empty.
func (c *Client) Dequeue(ctx context.Context, queue string) (value.Value, bool, error) {
	return c.item(ctx, operationDequeue, queue)
}

// Peek returns the queue's head without removing it, or false when the
// queue is empty.
func (c *Client) Peek(ctx context.Context, queue string) (value.Value, bool, error) {
	return c.item(ctx, operationPeek, queue)
}

// Size returns the number of items in the queue.
func (c *Client) Size(ctx context.Context, queue string) (int64, error) {
	answer, err := c.target.Execute(ctx, encodeOperation(operationSize, queue))
	if err != nil {
		return 0, err
	}
	decoded, err := value.Decode(answer)
	if err != nil {
		return 0, fmt.Errorf("%w: size: %v", errBadResult, err)
	}
	size, ok := decoded.AsInt()
	if !ok || size < 0 {
		return 0, fmt.Errorf("%w: size: %v", errBadResult, decoded)
	}
	return size, nil
}

// IsEmpty reports whether the queue holds no item.
func (c *Client) IsEmpty(ctx context.Context, queue string) (bool, error) {
	answer, err := c.target.Execute(ctx, encodeOperation(operationIsEmpty, queue))
	if err != nil {
		return false, err
	}
	decoded, err := value.Decode(answer)
	if err != nil {
		return false, fmt.Errorf("%w: is-empty: %v", errBadResult, err)
	}
	empty, ok := decoded.AsBool()
	if !ok {
		return false, fmt.Errorf("%w: is-empty: %v", errBadResult, decoded)
	}
	return empty, nil
}

// Clear removes every item of the queue.
func (c *Client) Clear(ctx context.Context, queue string) error {
	answer, err := c.target.Execute(ctx, encodeOperation(operationClear, queue))
	if err != nil {
		return err
	}
	return decodeNullAnswer(answer, "clear")
}

func (c *Client) item(ctx context.Context, kind operationKind, queue string) (value.Value, bool, error) {
	answer, err := c.target.Execute(ctx, encodeOperation(kind, queue))
	if err != nil {
		return value.Null(), false, err
	}
	return decodeItemAnswer(answer, kind)
}

func decodeItemAnswer(answer []byte, kind operationKind) (value.Value, bool, error) {
	decoded, err := value.Decode(answer)
	if err != nil {
		return value.Null(), false, fmt.Errorf("%w: %v: %v", errBadResult, kind, err)
	}
	if decoded.Kind() != value.KindList || decoded.Len() > 1 {
		return value.Null(), false, fmt.Errorf("%w: %v: %v", errBadResult, kind, decoded)
	}
	if decoded.Len() == 0 {
		return value.Null(), false, nil
	}
	return decoded.Index(0), true, nil
}

func decodeNullAnswer(answer []byte, what string) error {
	decoded, err := value.Decode(answer)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errBadResult, what, err)
	}
	if !decoded.IsNull() {
		return fmt.Errorf("%w: %s: %v", errBadResult, what, decoded)
	}
	return nil
}
