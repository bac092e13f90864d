package node

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/live/sessions"
)

// Txn is a read-write transaction coordinated by this node: the
// coordinator's transaction on a session of the node. It implements
// engines.Executor (kv.New(tx, "users") works). Use it from one goroutine
// and end it with Commit or Rollback: it holds a session until decided.
type Txn struct {
	node    *Node
	session *sessions.Session
	inner   *coordinator.Txn
	err     error
}

// Begin starts a read-write transaction whose deadline is the node's
// clock now plus timeout (compared with the participants' log
// timestamps). It waits for a session when SessionsMax transactions are
// in progress.
func (n *Node) Begin(ctx context.Context, timeout time.Duration) *Txn {
	s, err := n.sessions.Acquire(ctx)
	if err != nil {
		return &Txn{err: err}
	}
	return &Txn{node: n, session: s, inner: s.Coordinator().Begin(ctx, timeout)}
}

// BeginCategory starts a transaction of a category with its arguments:
// with Config.Speculation, once the node's predictor learned the
// category, its operations are sent at begin, in parallel
// (coordinator.Coordinator.BeginCategory).
func (n *Node) BeginCategory(ctx context.Context, timeout time.Duration, category string,
	arguments ...value.Value) *Txn {
	s, err := n.sessions.Acquire(ctx)
	if err != nil {
		return &Txn{err: err}
	}
	return &Txn{node: n, session: s, inner: s.Coordinator().BeginCategory(ctx, timeout, category, arguments...)}
}

// ID returns the transaction id (zero if it could not begin).
func (t *Txn) ID() engines.TxnID {
	if t.inner == nil {
		return engines.TxnID{}
	}
	return t.inner.ID()
}

// CommitTimestamp returns the commit timestamp once committed.
func (t *Txn) CommitTimestamp() clock.Timestamp {
	if t.inner == nil {
		return clock.Timestamp{}
	}
	return t.inner.CommitTimestamp()
}

// Execute runs one operation on stream inside the transaction (see
// coordinator.Txn.Execute).
func (t *Txn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if t.err != nil {
		return nil, t.err
	}
	if _, known := t.node.specs[stream]; !known {
		return nil, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	result, err := t.inner.Execute(ctx, stream, operation)
	t.releaseIfDecided()
	return result, err
}

// Commit commits: nil once a Commit append was acknowledged at or before
// the deadline; a *coordinator.AbortedError when committed nowhere;
// coordinator.ErrIndeterminate when the outcome could not be learned.
// It returns at the decision (coordinator.Txn.CommitDecided): the first
// Commit acknowledged in time commits the transaction (rule 6), and the
// rest of the commit round (the other participants' Commits, or an
// abort's) goes on on a goroutine of its own, which holds the session
// until it ends.
func (t *Txn) Commit(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	err := t.inner.CommitDecided(ctx)
	// Decided, the transaction's later calls (ID, CommitTimestamp, and
	// Execute, Commit or Rollback, which return at once) only read its id
	// and outcome, which the goroutine finishing it never writes again.
	if t.session != nil && !t.inner.Quiet() {
		session, inner := t.session, t.inner
		t.session = nil
		t.node.finishing.Go(func() {
			inner.Finish(context.Background())
			t.node.sessions.Release(session)
		})
		return err
	}
	t.releaseIfDecided()
	return err
}

// Rollback aborts the transaction; on a decided one it returns nil (or,
// committed, an error saying so).
func (t *Txn) Rollback(ctx context.Context) error {
	if t.err != nil {
		return nil
	}
	err := t.inner.Rollback(ctx)
	t.releaseIfDecided()
	return err
}

func (t *Txn) releaseIfDecided() {
	if t.session != nil && t.inner.Status() != coordinator.StatusActive {
		t.node.sessions.Release(t.session)
		t.session = nil
	}
}

// ReadTxn is a read-only transaction at one snapshot: it reads from each
// stream's processor, wherever it runs, and never writes to a log. It
// implements engines.Executor.
type ReadTxn struct {
	node     *Node
	snapshot clock.Timestamp
}

// BeginReadOnly starts a read-only transaction at the node's clock now.
// A commit timestamp is a log timestamp, a time some JetStream leader
// stored an entry at, so with the machines' clocks in step the snapshot
// is at or after the commit of every transaction acknowledged anywhere
// before BeginReadOnly (reads are linearizable across nodes); its reads
// wait until the logs pass the snapshot (a processor appends a tick at
// once). Clock offset between machines weakens this to the offset: a
// node whose clock lags may miss a commit acknowledged within it.
func (n *Node) BeginReadOnly(ctx context.Context) *ReadTxn {
	return &ReadTxn{node: n, snapshot: n.clock.Now()}
}

// BeginReadOnlyAt starts a read-only transaction at a given snapshot.
func (n *Node) BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) *ReadTxn {
	return &ReadTxn{node: n, snapshot: snapshot}
}

// Snapshot returns the snapshot timestamp.
func (r *ReadTxn) Snapshot() clock.Timestamp { return r.snapshot }

// Execute runs a read-only operation at the snapshot; without an answer
// within ReadTimeout, coordinator.ErrIndeterminate.
func (r *ReadTxn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	return r.node.onSession(ctx, stream, func(c *coordinator.Coordinator) ([]byte, error) {
		return c.BeginReadOnlyAt(ctx, r.snapshot).Execute(ctx, stream, operation)
	})
}

// AdHoc returns an executor whose every operation is its own transaction,
// committed in one phase on its stream.
func (n *Node) AdHoc() engines.Executor { return adHoc{node: n} }

type adHoc struct{ node *Node }

func (a adHoc) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	return a.node.onSession(ctx, stream, func(c *coordinator.Coordinator) ([]byte, error) {
		return c.AdHoc().Execute(ctx, stream, operation)
	})
}

func (n *Node) onSession(ctx context.Context, stream string,
	call func(*coordinator.Coordinator) ([]byte, error)) ([]byte, error) {
	if _, known := n.specs[stream]; !known {
		return nil, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	s, err := n.sessions.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer n.sessions.Release(s)
	return call(s.Coordinator())
}
