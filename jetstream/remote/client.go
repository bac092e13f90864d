package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// Client calls one node's transaction service.
type Client struct {
	nc      *nats.Conn
	subject string
	// Patience is how long a call waits for its reply beyond the
	// transaction's own timeout (default 2s): a node answers an execute or
	// a commit at the latest a few retry intervals after the deadline.
	Patience time.Duration
}

// New returns a client of node id's service in namespace.
func New(nc *nats.Conn, namespace string, id uint32) *Client {
	return &Client{nc: nc, subject: namespace + ".client." + strconv.FormatUint(uint64(id), 10),
		Patience: 2 * time.Second}
}

// call sends a request and waits up to wait for its reply.
func (c *Client) call(ctx context.Context, request Request, wait time.Duration) (Reply, error) {
	data, err := json.Marshal(request)
	if err != nil {
		return Reply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	msg, err := c.nc.RequestWithContext(ctx, c.subject, data)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
			errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrConnectionClosed) {
			return Reply{}, fmt.Errorf("%w: %s %s: %v", ErrNoReply, request.Op, c.subject, err)
		}
		return Reply{}, err
	}
	var reply Reply
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		return Reply{}, fmt.Errorf("remote: a reply that is not one (%d bytes): %w", len(msg.Data), err)
	}
	return reply, reply.Error.Decode()
}

// Txn is a read-write transaction on the node. It implements
// engines.Executor. Use it from one goroutine; end it with Commit or
// Rollback.
type Txn struct {
	client  *Client
	handle  uint64
	id      string
	timeout time.Duration
	err     error
	// CommitTimestamp is set once committed.
	commitTimestamp string
}

// Begin starts a transaction on the node with a deadline timeout from
// the node's clock now.
func (c *Client) Begin(ctx context.Context, timeout time.Duration) *Txn {
	reply, err := c.call(ctx, Request{Op: OpBegin, TimeoutNanos: int64(timeout)}, c.Patience)
	return &Txn{client: c, handle: reply.Txn, id: reply.ID, timeout: timeout, err: err}
}

// BeginCategory starts a transaction of a category (what it does, such
// as "transfer") with its arguments (what varies: accounts, amounts,
// keys). On a node with speculation, once the node has learned the
// category, the transaction's operations are sent at begin, in parallel
// (and, with prepare-ahead, its Prepares behind them); an operation that
// differs from the prediction aborts it with coordinator.ErrMispredicted,
// and the caller may retry with Begin. On any other node it is Begin.
func (c *Client) BeginCategory(ctx context.Context, timeout time.Duration, category string,
	arguments ...value.Value) *Txn {
	reply, err := c.call(ctx, Request{Op: OpBegin, TimeoutNanos: int64(timeout), Category: category,
		Arguments: value.AppendKeyTuple(nil, arguments...)}, c.Patience)
	return &Txn{client: c, handle: reply.Txn, id: reply.ID, timeout: timeout, err: err}
}

// ID returns the transaction id text ("" when it could not begin).
func (t *Txn) ID() string { return t.id }

// CommitTimestamp returns the commit timestamp text once committed.
func (t *Txn) CommitTimestamp() string { return t.commitTimestamp }

// Execute runs one operation inside the transaction.
func (t *Txn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if t.err != nil {
		return nil, t.err
	}
	reply, err := t.client.call(ctx, Request{Op: OpExecute, Txn: t.handle, Stream: stream, Operation: operation},
		t.timeout+t.client.Patience)
	return reply.Result, err
}

// Commit commits the transaction: nil, *coordinator.AbortedError,
// coordinator.ErrIndeterminate, or ErrNoReply (unknown as well).
func (t *Txn) Commit(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	reply, err := t.client.call(ctx, Request{Op: OpCommit, Txn: t.handle}, t.timeout+t.client.Patience)
	t.commitTimestamp = reply.CommitTimestamp
	return err
}

// Rollback aborts the transaction.
func (t *Txn) Rollback(ctx context.Context) error {
	if t.err != nil {
		return nil
	}
	_, err := t.client.call(ctx, Request{Op: OpRollback, Txn: t.handle}, t.timeout+t.client.Patience)
	return err
}

// ReadTxn is a read-only transaction: its first read takes the node's
// clock now as the snapshot, and every later read uses it.
type ReadTxn struct {
	client   *Client
	snapshot string
	// Timeout bounds each read (default 10s, the node's ReadTimeout).
	Timeout time.Duration
}

// BeginReadOnly starts a read-only transaction.
func (c *Client) BeginReadOnly(context.Context) *ReadTxn {
	return &ReadTxn{client: c, Timeout: 10 * time.Second}
}

// Snapshot returns the snapshot text once the first read returned.
func (r *ReadTxn) Snapshot() string { return r.snapshot }

// Execute runs a read-only operation at the snapshot.
func (r *ReadTxn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	reply, err := r.client.call(ctx, Request{Op: OpRead, Stream: stream, Operation: operation, Snapshot: r.snapshot},
		r.Timeout+r.client.Patience)
	if reply.Snapshot != "" {
		r.snapshot = reply.Snapshot
	}
	return reply.Result, err
}

// AdHoc returns an executor whose every operation is its own
// transaction on the node.
func (c *Client) AdHoc() engines.Executor { return adHoc{c} }

type adHoc struct{ client *Client }

func (a adHoc) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	reply, err := a.client.call(ctx, Request{Op: OpAdHoc, Stream: stream, Operation: operation},
		10*time.Second+a.client.Patience)
	return reply.Result, err
}
