package workloads

import (
	"context"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// client is how Proven's own workloads see a Client: the public one, with
// the shorthands their operations share.
type client struct {
	Client
	coord Transactions
}

// Transaction timeouts: short enough that faults force aborts.
const (
	timeoutMin    = 100 * time.Millisecond
	timeoutSpread = 900 * time.Millisecond
)

func (c *client) rand(n int) int { return c.Rand().IntN(n) }

func (c *client) timeout() time.Duration {
	return timeoutMin + time.Duration(c.rand(int(timeoutSpread/time.Millisecond)))*time.Millisecond
}

// transact runs body in a read-write transaction with a random timeout
// (see Transact).
func (c *client) transact(function, key string, input value.Value, body TransactionBody) (value.Value, checkers.EventType) {
	return Transact(c.Client, function, key, input, c.timeout(), body)
}

// read records reads as one operation (see Read).
func (c *client) read(function, key string, body ReadBody) (value.Value, bool) {
	return Read(c.Client, function, key, body)
}

// readOnly records a read-only transaction as one operation (see
// ReadOnly).
func (c *client) readOnly(function, key string, input value.Value, body ReadOnlyBody) (value.Value, bool) {
	return ReadOnly(c.Client, function, key, input, body)
}

// microEncoder is one micro-operation of a recorded transaction: it
// encodes itself with a result (Null on invoke).
type microEncoder interface {
	encode(result value.Value) value.Value
}

// invokeMicros encodes the micro-operations as the invoke records them.
func invokeMicros[M microEncoder](micro []M) value.Value {
	encoded := make([]value.Value, len(micro))
	for i, m := range micro {
		encoded[i] = m.encode(value.Null())
	}
	return value.List(encoded...)
}

// runMicros runs the micro-operations in order and encodes each with its
// result, as the completion records them; the first error stops them.
func runMicros[M microEncoder](ctx context.Context, micro []M, run func(ctx context.Context, m M) (value.Value, error)) (value.Value, error) {
	completed := make([]value.Value, len(micro))
	for i, m := range micro {
		result, err := run(ctx, m)
		if err != nil {
			return value.Null(), err
		}
		completed[i] = m.encode(result)
	}
	return value.List(completed...), nil
}

// transactMicros runs micro-operations in one read-write transaction,
// recorded as "txn" (see invokeMicros and runMicros).
func transactMicros[M microEncoder](c *client, micro []M, run func(ctx context.Context, executor engines.Executor, m M) (value.Value, error)) {
	c.transact(checkers.FunctionTxn, "", invokeMicros(micro), func(ctx context.Context, tx Txn) (value.Value, error) {
		return runMicros(ctx, micro, func(ctx context.Context, m M) (value.Value, error) { return run(ctx, tx, m) })
	})
}

// readOnlyMicros runs micro-operations in one read-only transaction,
// recorded as "ro-txn" with its snapshot.
func readOnlyMicros[M microEncoder](c *client, micro []M, run func(ctx context.Context, executor engines.Executor, m M) (value.Value, error)) {
	c.readOnly(checkers.FunctionReadOnlyTxn, "", invokeMicros(micro), func(ctx context.Context, read ReadTxn) (value.Value, error) {
		return runMicros(ctx, micro, func(ctx context.Context, m M) (value.Value, error) { return run(ctx, read, m) })
	})
}

// setupTransaction runs body in one transaction with the setup's timeout
// and returns its commit timestamp; an error from body rolls it back.
func setupTransaction(ctx context.Context, transactions Transactions, body func(tx Txn) error) (clock.Timestamp, error) {
	tx := transactions.Begin(ctx, setupTimeout)
	if err := body(tx); err != nil {
		_ = tx.Rollback(ctx)
		return clock.Timestamp{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return clock.Timestamp{}, err
	}
	return tx.CommitTimestamp(), nil
}

// pick returns a random element.
func pick[T any](c *client, items []T) T { return items[c.rand(len(items))] }

// snapshotReader begins read-only transactions at a snapshot of one's
// choosing (a coordinator's Transactions, Coordinated, do).
type snapshotReader interface {
	Now() clock.Timestamp
	BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) ReadTxn
}

// oldSnapshotMax bounds how far back an old-snapshot read goes.
const oldSnapshotMax = time.Second

// beginRead begins a read-only transaction of category at a fresh
// snapshot or, one time in four, at an older one: up to oldSnapshotMax
// back, never before notBefore (the setup's commit: before it the state
// is not the workload's). Old snapshots read versions that newer ones
// hide, at a time the logs passed long ago.
func (c *client) beginRead(ctx context.Context, category string, notBefore clock.Timestamp) ReadTxn {
	reader, ok := c.coord.(snapshotReader)
	if !ok || c.rand(4) != 0 {
		return c.coord.BeginReadOnlyCategory(ctx, category)
	}
	age := time.Duration(1+c.rand(int(oldSnapshotMax/time.Millisecond))) * time.Millisecond
	snapshot := clock.Timestamp{WallNanos: reader.Now().WallNanos - int64(age)}
	return reader.BeginReadOnlyAt(ctx, snapshot.Max(notBefore))
}
