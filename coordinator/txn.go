package coordinator

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/assert"
)

// Txn is a read-write transaction. Its operations are appended to each
// participant stream's log; Commit runs two-phase commit (one phase for a
// single participant). It implements engines.Executor, so typed clients
// work inside it: kv.New(tx, "users").PutString(ctx, "user:1", "Alice").
// It is a blocking driver over a TxnMachine, which it holds inline so that
// a transaction is one allocation.
type Txn struct {
	c       *Coordinator
	machine TxnMachine
	// observation is the transaction's part in the predictor's learning
	// (nil: begun without a category, or speculation is off).
	observation *observation
}

// Begin starts a read-write transaction that must commit within timeout:
// its deadline is the coordinator's clock now plus timeout, compared with
// participants' log timestamps.
func (c *Coordinator) Begin(ctx context.Context, timeout time.Duration) *Txn {
	c.begun++
	if c.config.Sites != nil && c.begun%2 == 0 && timeout > 0 && c.machines.sites().ShortTimeouts {
		timeout = min(timeout, ShortTimeout(c.begun/2-1))
	}
	id := c.hlc.Now()
	t := &Txn{c: c}
	t.machine.init(&c.machines, id, id.WallNanos+int64(timeout))
	if timeout <= 0 {
		t.machine.Abort(c.host.Now(), fmt.Errorf("%w: timeout %v", ErrInvalidArgument, timeout))
	}
	return t
}

// BeginCategory starts a read-write transaction of a category (a label
// naming what the transaction does, such as "transfer") with its
// arguments (what varies between transactions of the category: accounts,
// amounts, keys). With a Predictor in the Config, the transaction teaches
// it the operations transactions of the category issue, and when it is
// confident, the predicted operations are sent at once to every stream,
// in parallel, and each client operation equal to its prediction takes
// the prefetched result. An operation that differs aborts the
// transaction with ReasonMispredicted (errors.Is(err, ErrMispredicted));
// the client may retry it, with Begin to run without speculation.
// Without a Predictor it is Begin.
func (c *Coordinator) BeginCategory(ctx context.Context, timeout time.Duration, category string,
	arguments ...value.Value) *Txn {
	t := c.Begin(ctx, timeout)
	if t.machine.Outcome().Status != StatusActive {
		return t
	}
	var predicted []PredictedOperation
	var whole bool
	switch t.observation, predicted, whole = c.learn(category, false, arguments); {
	case whole:
		c.deliver(t.machine.PredictWhole(c.host.Now(), predicted), nil)
	case len(predicted) > 0:
		c.deliver(t.machine.Predict(c.host.Now(), predicted), nil)
	}
	return t
}

// learn starts a transaction's part in the predictor's learning, with
// the operations predicted for it and whether they are the whole
// transaction (PredictorConfig.PrepareAhead); nothing without a
// predictor.
func (c *Coordinator) learn(category string, readOnly bool, arguments []value.Value) (*observation, []PredictedOperation, bool) {
	if c.config.Predictor == nil {
		return nil, nil, false
	}
	return c.config.Predictor.begin(category, readOnly, arguments)
}

// ID returns the transaction id (its age for wound-wait).
func (t *Txn) ID() engines.TxnID { return t.machine.ID() }

// DeadlineNanos returns the deadline D.
func (t *Txn) DeadlineNanos() int64 { return t.machine.DeadlineNanos() }

// CommitTimestamp returns the commit timestamp once committed.
func (t *Txn) CommitTimestamp() clock.Timestamp { return t.machine.Outcome().CommitTimestamp }

// Streams returns the streams operations were sent to so far (predicted
// ones included), in first-use order.
func (t *Txn) Streams() []string { return t.machine.Participants() }

// finished reports the error that stops a call on a finished transaction.
func (t *Txn) finished() error {
	switch outcome := t.machine.Outcome(); outcome.Status {
	case StatusCommitted:
		return fmt.Errorf("%w: transaction %v already committed", ErrInvalidArgument, t.machine.ID())
	case StatusAborted, StatusIndeterminate:
		return outcome.Err
	}
	return nil
}

// start gives the machine the abort notice kept for it, if any, and the
// caller's input (or Cancel, when ctx has already ended; nothing, when the
// notice ended the transaction), then drives the machine to quiet.
func (t *Txn) start(ctx context.Context, input func(now int64) Ready, want *awaited) {
	t.startUntil(ctx, input, want, nil)
}

// startUntil is start, returning once enough (optional) reports true.
func (t *Txn) startUntil(ctx context.Context, input func(now int64) Ready, want *awaited, enough func() bool) {
	c := t.c
	now := c.host.Now()
	var noticed Ready
	if notice, doomed := c.doomed[t.machine.ID()]; doomed {
		delete(c.doomed, t.machine.ID())
		noticed = t.machine.Step(now, notice)
	}
	switch err := ctx.Err(); {
	case t.machine.Outcome().Status != StatusActive:
		// The notice ended the transaction (one prepared ahead acts on it
		// at once): the input is not given, and the abort goes on.
		c.driveUntil(ctx, &t.machine, noticed, want, enough)
	case err != nil:
		c.driveUntil(context.Background(), &t.machine, t.machine.Cancel(now, err), want, enough)
	default:
		c.driveUntil(ctx, &t.machine, input(now), want, enough)
	}
	if t.machine.Outcome().Status != StatusActive {
		delete(c.doomed, t.machine.ID())
	}
	t.report()
}

// report tells the predictor how speculation went so far.
func (t *Txn) report() {
	if t.observation != nil {
		_, taken, mispredicted := t.machine.Speculation()
		t.observation.report(taken, mispredicted)
	}
}

// Execute runs one operation on stream inside the transaction. A refused
// operation returns its *engines.Refusal and leaves the transaction usable;
// an operation that finds the transaction aborted (wounded, deadline)
// returns an *AbortedError and the transaction is over.
func (t *Txn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if err := t.finished(); err != nil {
		return nil, err
	}
	if t.observation != nil {
		t.observation.issue(stream, operation)
	}
	want := awaited{handle: -1}
	t.start(ctx, func(now int64) Ready {
		var ready Ready
		want.handle, ready = t.machine.Execute(now, stream, operation)
		return ready
	}, &want)
	if !want.ended {
		if outcome := t.machine.Outcome(); outcome.Status == StatusActive {
			assert.Broken("coordinator: txn %v quiet, active, and operation %d unanswered", t.machine.ID(), want.handle)
		}
		return nil, t.machine.Outcome().Err
	}
	return want.result.Result, want.result.Err
}

// Commit commits the transaction. nil means committed on every
// participant (at CommitTimestamp); an *AbortedError means committed on
// none; ErrIndeterminate means the coordinator cannot know (rule 6).
func (t *Txn) Commit(ctx context.Context) error { return t.commit(ctx, nil) }

// CommitDecided commits as Commit does, but returns as soon as the
// outcome is decided: committed at the first Commit append acknowledged
// at or before the deadline (rule 6), without waiting for the other
// participants' acknowledgements. What is left in flight (the rest of
// the commit round, or of the abort) is driven by Finish, which must run
// before the coordinator runs anything else; Quiet reports whether
// anything is left.
func (t *Txn) CommitDecided(ctx context.Context) error {
	return t.commit(ctx, func() bool { return t.machine.Outcome().Status != StatusActive })
}

// commit drives the commit until the machine is quiet, or decided when
// decided is set.
func (t *Txn) commit(ctx context.Context, decided func() bool) error {
	if err := t.finished(); err != nil {
		return err
	}
	if t.observation != nil {
		t.observation.commit()
	}
	t.startUntil(ctx, t.machine.Commit, nil, decided)
	outcome := t.machine.Outcome()
	if outcome.Status == StatusActive {
		assert.Broken("coordinator: txn %v quiet and undecided after Commit", t.machine.ID())
	}
	return outcome.Err
}

// Quiet reports whether nothing of the transaction is in flight (see
// CommitDecided).
func (t *Txn) Quiet() bool { return t.machine.Quiet() }

// Finish drives what CommitDecided left in flight to its end: every
// round ends within the transaction's patience.
func (t *Txn) Finish(ctx context.Context) {
	t.c.drive(ctx, &t.machine, Ready{}, nil)
}

// Rollback aborts the transaction; it leaves nothing behind on any
// participant. Rolling back a finished transaction returns its outcome.
func (t *Txn) Rollback(ctx context.Context) error {
	switch t.machine.Outcome().Status {
	case StatusCommitted:
		return fmt.Errorf("%w: transaction %v already committed", ErrInvalidArgument, t.machine.ID())
	case StatusAborted, StatusIndeterminate:
		return nil
	}
	c := t.c
	c.drive(ctx, &t.machine, t.machine.Abort(c.host.Now(), &AbortedError{Reason: ReasonCancelled, Detail: "rolled back"}), nil)
	delete(c.doomed, t.machine.ID())
	t.report()
	return nil
}
