package workloads

import (
	"context"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
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

// pick returns a random element.
func pick[T any](c *client, items []T) T { return items[c.rand(len(items))] }

// snapshotReader begins read-only transactions at a snapshot of one's
// choosing (a *coordinator.Coordinator does).
type snapshotReader interface {
	Now() clock.Timestamp
	BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) *coordinator.ReadTxn
}

// oldSnapshotMax bounds how far back an old-snapshot read goes.
const oldSnapshotMax = time.Second

// beginRead begins a read-only transaction of category at a fresh
// snapshot or, one time in four, at an older one: up to oldSnapshotMax
// back, never before notBefore (the setup's commit: before it the state
// is not the workload's). Old snapshots read versions that newer ones
// hide, at a time the logs passed long ago.
func (c *client) beginRead(ctx context.Context, category string, notBefore clock.Timestamp) *coordinator.ReadTxn {
	reader, ok := c.coord.(snapshotReader)
	if !ok || c.rand(4) != 0 {
		return c.coord.BeginReadOnlyCategory(ctx, category)
	}
	age := time.Duration(1+c.rand(int(oldSnapshotMax/time.Millisecond))) * time.Millisecond
	snapshot := clock.Timestamp{WallNanos: reader.Now().WallNanos - int64(age)}
	return reader.BeginReadOnlyAt(ctx, snapshot.Max(notBefore))
}
