package stream

import (
	"context"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// errBadResult is engines.ErrBadResult, naming stream: answer bytes a
// Client cannot read.
var errBadResult = fmt.Errorf("%w: stream", engines.ErrBadResult)

// Client runs operations on the append-only stream table of one stream
// (the Stream engine) through an Executor: inside a read-write
// transaction, a read-only one (ReadFrom and LatestPosition only) or ad
// hoc, as the executor decides. Errors from the executor come back
// unchanged (a *engines.Refusal, or an error matching engines.ErrAborted
// or engines.ErrDeadline).
type Client struct {
	executor engines.Executor
	stream   string
}

// New returns a client of the stream table on the stream named stream.
func New(executor engines.Executor, stream string) *Client {
	return &Client{executor: executor, stream: stream}
}

// Item is one committed item of a stream table and its position.
type Item struct {
	Position int64
	Value    value.Value
}

// Append appends values to the table, in order. Their positions are
// given when the transaction commits: the next ones after every item
// committed before, with no gap.
func (c *Client) Append(ctx context.Context, values ...value.Value) error {
	answer, err := c.executor.Execute(ctx, c.stream, encodeAppend(values))
	if err != nil {
		return err
	}
	decoded, err := value.Decode(answer)
	if err != nil {
		return fmt.Errorf("%w: append: %v", errBadResult, err)
	}
	if !decoded.IsNull() {
		return fmt.Errorf("%w: append: %v", errBadResult, decoded)
	}
	return nil
}

// ReadFrom returns the items at position, position+1, ..., at most limit
// of them: fewer when the table ends first. Positions start at 1; limit is
// at most ReadLimitMax. Inside a read-write transaction the transaction's
// own appends count as the next items.
func (c *Client) ReadFrom(ctx context.Context, position int64, limit int) ([]Item, error) {
	answer, err := c.executor.Execute(ctx, c.stream, encodeReadFrom(position, limit))
	if err != nil {
		return nil, err
	}
	decoded, err := value.Decode(answer)
	if err != nil {
		return nil, fmt.Errorf("%w: read-from: %v", errBadResult, err)
	}
	if decoded.Kind() != value.KindList || decoded.Len() > limit {
		return nil, fmt.Errorf("%w: read-from %d limit %d: %v", errBadResult, position, limit, decoded)
	}
	items := make([]Item, decoded.Len())
	for index := range items {
		items[index] = Item{Position: position + int64(index), Value: decoded.Index(index)}
	}
	return items, nil
}

// LatestPosition returns the position of the last item (0 when the table
// is empty). Inside a read-write transaction it counts the transaction's
// own appends.
func (c *Client) LatestPosition(ctx context.Context) (int64, error) {
	answer, err := c.executor.Execute(ctx, c.stream, encodeLatestPosition())
	if err != nil {
		return 0, err
	}
	decoded, err := value.Decode(answer)
	if err != nil {
		return 0, fmt.Errorf("%w: latest-position: %v", errBadResult, err)
	}
	position, ok := decoded.AsInt()
	if !ok || position < 0 {
		return 0, fmt.Errorf("%w: latest-position: %v", errBadResult, decoded)
	}
	return position, nil
}
