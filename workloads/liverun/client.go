package liverun

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/live"
	"github.com/proven2pc/proven/workloads"
)

// baton is the one lock a run's workload code runs under, as in the
// simulator, where one process runs at a time: a client holds it while
// its workload code runs and lets go only while it waits (a transaction's
// call into the store, a sleep). So the state a workload's clients share
// (counters, models, the history) needs no locking of its own, and
// transactions still run concurrently, since waiting is where their time
// goes.
type baton struct{ sync.Mutex }

// around runs a call that may wait without the baton.
func around[T any](b *baton, call func() T) T {
	b.Unlock()
	defer b.Lock()
	return call()
}

// history is a run's history and its process numbering. Requires: the
// baton is held.
type history struct {
	events      checkers.History
	nextProcess int
	started     time.Time
}

func (h *history) newProcess() int {
	h.nextProcess++
	return h.nextProcess - 1
}

// client is one client thread of a live run: a goroutine, the wall clock
// and a store's transactions behind the workloads.Client interface.
type client struct {
	baton        *baton
	history      *history
	random       *rand.Rand
	transactions *transactions
	ctx          context.Context
	// historyProcess is the history process id, -1 until the first
	// record; replaced after an info outcome.
	historyProcess int
}

// Now is the time since the run started, in nanoseconds: the clock the
// history's events are stamped with.
func (c *client) Now() int64 { return time.Since(c.history.started).Nanoseconds() }

// Sleep waits d without the baton, or until the run is interrupted.
func (c *client) Sleep(d time.Duration) {
	around(c.baton, func() struct{} {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-c.ctx.Done():
		}
		return struct{}{}
	})
}

func (c *client) Rand() *rand.Rand                     { return c.random }
func (c *client) Transactions() workloads.Transactions { return c.transactions }

// Record stamps the event with the time since the run started and
// appends it. Each event is recorded after what it reports happened
// (invocations before the operation's first call into the store,
// completions after its last), so the history's order is consistent
// with real time, as the checkers require.
func (c *client) Record(event checkers.Event) {
	if c.historyProcess < 0 {
		c.historyProcess = c.history.newProcess()
	}
	event.Process = c.historyProcess
	event.TimeNanos = c.Now()
	c.history.events.Append(event)
	if event.Type == checkers.TypeInfo {
		c.historyProcess = c.history.newProcess()
	}
}

// transactions is a store's workloads.Transactions: each call that may
// wait lets go of the baton. There is no speculation on the real runtime,
// so the category variants are Begin and BeginReadOnly.
type transactions struct {
	db    *live.DB
	baton *baton
}

func (t *transactions) Begin(ctx context.Context, timeout time.Duration) workloads.Txn {
	inner := around(t.baton, func() *live.Txn { return t.db.Begin(ctx, timeout) })
	return &txn{executor: executor{baton: t.baton, inner: inner}, inner: inner}
}

func (t *transactions) BeginReadOnly(ctx context.Context) workloads.ReadTxn {
	inner := t.db.BeginReadOnly(ctx) // takes a snapshot: never waits
	return &readTxn{executor: executor{baton: t.baton, inner: inner}, inner: inner}
}

func (t *transactions) AdHoc() engines.Executor {
	return executor{baton: t.baton, inner: t.db.AdHoc()}
}

func (t *transactions) BeginCategory(ctx context.Context, timeout time.Duration, _ string, _ ...value.Value) workloads.Txn {
	return t.Begin(ctx, timeout)
}

func (t *transactions) BeginReadOnlyCategory(ctx context.Context, _ string, _ ...value.Value) workloads.ReadTxn {
	return t.BeginReadOnly(ctx)
}

// executor runs an executor's operations without the baton.
type executor struct {
	baton *baton
	inner engines.Executor
}

// result is an Execute's answer, carried across around.
type result struct {
	bytes []byte
	err   error
}

func (e executor) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	answer := around(e.baton, func() result {
		bytes, err := e.inner.Execute(ctx, stream, operation)
		return result{bytes, err}
	})
	return answer.bytes, answer.err
}

// txn is a live transaction whose calls leave the baton; its Execute is
// the executor's.
type txn struct {
	executor
	inner *live.Txn
}

func (t *txn) ID() engines.TxnID                { return t.inner.ID() }
func (t *txn) CommitTimestamp() clock.Timestamp { return t.inner.CommitTimestamp() }

func (t *txn) Commit(ctx context.Context) error {
	return around(t.baton, func() error { return t.inner.Commit(ctx) })
}

func (t *txn) Rollback(ctx context.Context) error {
	return around(t.baton, func() error { return t.inner.Rollback(ctx) })
}

// readTxn is txn's read-only sibling.
type readTxn struct {
	executor
	inner *live.ReadTxn
}

func (r *readTxn) Snapshot() clock.Timestamp { return r.inner.Snapshot() }
