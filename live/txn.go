package live

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/live/sessions"
)

// Txn is a read-write transaction across the store's streams: the
// coordinator's transaction (two-phase commit, one phase on one stream),
// run on a session of the store. It implements engines.Executor, so the
// typed clients work inside it: kv.New(tx, "users").PutString(ctx, "u:1",
// "Alice"). Use it from one goroutine at a time, and end it with Commit or
// Rollback (as database/sql's Tx): it holds one of the store's
// TransactionsMax sessions until it is decided.
type Txn struct {
	db *DB
	// session is nil once the transaction is decided (or never began).
	session *sessions.Session
	inner   *coordinator.Txn
	// err is why the transaction could not begin.
	err error
}

// Begin starts a read-write transaction that must commit within timeout:
// its deadline is the store's clock now plus timeout, compared with the
// participants' log timestamps. It waits for a session when
// TransactionsMax transactions are in progress; if ctx ends first, or the
// store is closed or failed, every call of the returned Txn returns why.
func (db *DB) Begin(ctx context.Context, timeout time.Duration) *Txn {
	if err := db.enter(); err != nil {
		return &Txn{err: err}
	}
	defer db.exit()
	s, err := db.sessions.Acquire(ctx)
	if err != nil {
		return &Txn{err: err}
	}
	return &Txn{db: db, session: s, inner: s.Coordinator().Begin(ctx, timeout)}
}

// ID returns the transaction id (its age for wound-wait); zero if it
// could not begin.
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

// Execute runs one operation on stream inside the transaction. A refused
// operation returns its *engines.Refusal and leaves the transaction
// usable; an operation that finds it aborted (wounded, deadline) returns
// a *coordinator.AbortedError and the transaction is over. A stream the
// store's Options do not name returns ErrUnknownStream at once.
func (t *Txn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.session == nil {
		return t.inner.Execute(ctx, stream, operation) // decided: answered without the session
	}
	if t.db.byName(stream) == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	if err := t.db.enter(); err != nil {
		return nil, err
	}
	defer t.db.exit()
	result, err := t.inner.Execute(ctx, stream, operation)
	t.releaseIfDecided()
	return result, err
}

// Commit commits the transaction: nil means committed on every
// participant (at CommitTimestamp); a *coordinator.AbortedError means
// committed on none; coordinator.ErrIndeterminate means the outcome could
// not be learned in time (it may have committed).
func (t *Txn) Commit(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if t.session == nil {
		return t.inner.Commit(ctx)
	}
	if err := t.db.enter(); err != nil {
		return err
	}
	defer t.db.exit()
	err := t.inner.Commit(ctx)
	t.releaseIfDecided()
	return err
}

// Rollback aborts the transaction; it leaves nothing behind on any
// participant. Rolling back a decided transaction returns nil (or, for a
// committed one, an error saying so), so `defer tx.Rollback(ctx)` is safe.
func (t *Txn) Rollback(ctx context.Context) error {
	if t.err != nil {
		return nil
	}
	if t.session == nil {
		return t.inner.Rollback(ctx)
	}
	if err := t.db.enter(); err != nil {
		return err
	}
	defer t.db.exit()
	err := t.inner.Rollback(ctx)
	t.releaseIfDecided()
	return err
}

// releaseIfDecided gives the session back once the transaction is
// decided: a decided transaction never uses its host again.
func (t *Txn) releaseIfDecided() {
	if t.inner.Status() != coordinator.StatusActive {
		t.db.sessions.Release(t.session)
		t.session = nil
	}
}

// ReadTxn is a read-only transaction: every operation reads at one
// snapshot timestamp from the stream's processor and never writes to a
// log, so all its reads, across every engine, see exactly the
// transactions committed at or before the snapshot. It implements
// engines.Executor. It holds no session between calls and needs no end.
type ReadTxn struct {
	db       *DB
	snapshot clock.Timestamp
}

// BeginReadOnly starts a read-only transaction. Its snapshot is the
// newest timestamp the store's transactions have received: at or after
// the commit of every transaction acknowledged before BeginReadOnly
// (their votes and outcomes carried their commit timestamps), and a time
// some stream's log has reached, so that a read seldom waits for a log to
// pass it.
func (db *DB) BeginReadOnly(ctx context.Context) *ReadTxn {
	snapshot := db.clock.Observed()
	if snapshot == (clock.Timestamp{}) {
		snapshot = db.clock.Now()
	}
	return db.BeginReadOnlyAt(ctx, snapshot)
}

// BeginReadOnlyAt starts a read-only transaction at a given snapshot (time
// travel, down to VersionRetention behind the logs: an older snapshot is
// refused with engines.ErrSnapshotTooOld).
func (db *DB) BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) *ReadTxn {
	return &ReadTxn{db: db, snapshot: snapshot}
}

// Snapshot returns the snapshot timestamp.
func (r *ReadTxn) Snapshot() clock.Timestamp { return r.snapshot }

// Execute runs a read-only operation on stream at the snapshot. With no
// answer within ReadTimeout it returns coordinator.ErrIndeterminate.
//
// A read the stream's processor can answer at once (its log passed the
// snapshot, no undecided write in the way) is answered on the caller's
// goroutine, under the processor's lock; any other goes through the
// coordinator's read machine and waits as rule 8 says.
func (r *ReadTxn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if s := r.db.byName(stream); s != nil {
		if err := r.db.enter(); err != nil {
			return nil, err
		}
		result, applied, ok, err := s.processor.readNow(operation, r.snapshot)
		r.db.exit()
		if ok {
			r.db.clock.Observe(applied)
			return result, err
		}
	}
	return r.db.onSession(ctx, stream, func(c *coordinator.Coordinator) ([]byte, error) {
		return c.BeginReadOnlyAt(ctx, r.snapshot).Execute(ctx, stream, operation)
	})
}

// AdHoc returns an executor whose every operation is its own
// transaction, committed in one phase on its stream, with ReadTimeout as
// its deadline. It is safe for concurrent use.
func (db *DB) AdHoc() engines.Executor { return adHoc{db: db} }

type adHoc struct{ db *DB }

func (a adHoc) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	return a.db.onSession(ctx, stream, func(c *coordinator.Coordinator) ([]byte, error) {
		return c.AdHoc().Execute(ctx, stream, operation)
	})
}

// onSession runs one call on a session of its own.
func (db *DB) onSession(ctx context.Context, stream string,
	call func(*coordinator.Coordinator) ([]byte, error)) ([]byte, error) {
	if db.byName(stream) == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.exit()
	s, err := db.sessions.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer db.sessions.Release(s)
	return call(s.Coordinator())
}
