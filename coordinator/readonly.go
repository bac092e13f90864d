package coordinator

import (
	"context"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// ReadTxn is a read-only transaction: it never writes to a log. Every
// operation reads at one snapshot timestamp from the stream's processor,
// which answers once its log has passed the snapshot and no prepared write
// it needs is undecided (rule 8); so all reads of a ReadTxn, across every
// engine, see exactly the transactions committed at or before the snapshot.
// It is a blocking driver over a ReadMachine.
type ReadTxn struct {
	c       *Coordinator
	machine ReadMachine
	// observation is the transaction's part in the predictor's learning
	// (nil: begun without a category, or speculation is off).
	observation *observation
}

// BeginReadOnly starts a read-only transaction at a fresh snapshot.
func (c *Coordinator) BeginReadOnly(ctx context.Context) *ReadTxn {
	return c.BeginReadOnlyAt(ctx, c.hlc.Now())
}

// BeginReadOnlyAt starts a read-only transaction at a given snapshot (time
// travel, down to the engines' garbage-collection watermark).
func (c *Coordinator) BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) *ReadTxn {
	r := &ReadTxn{c: c}
	r.machine.init(&c.machines, snapshot)
	return r
}

// BeginReadOnlyCategory starts a read-only transaction of a category
// with its arguments (see BeginCategory). With a Predictor in the Config
// and once it is confident, the predicted reads are sent at once as
// snapshot reads at the snapshot, in parallel, and each client read equal
// to one of them takes its result; a read that matches none is sent as
// usual.
func (c *Coordinator) BeginReadOnlyCategory(ctx context.Context, category string, arguments ...value.Value) *ReadTxn {
	r := c.BeginReadOnly(ctx)
	var predicted []PredictedOperation
	if r.observation, predicted, _ = c.learn(category, true, arguments); len(predicted) > 0 {
		c.deliver(r.machine.Predict(c.host.Now(), predicted), nil)
	}
	return r
}

// Snapshot returns the snapshot timestamp.
func (r *ReadTxn) Snapshot() clock.Timestamp { return r.machine.Snapshot() }

// Execute runs a read-only operation on stream at the snapshot. When ctx
// ends first it returns ctx's error; with no answer within the read
// timeout, ErrIndeterminate.
func (r *ReadTxn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if r.observation != nil {
		r.observation.issue(stream, operation)
	}
	want := awaited{}
	var ready Ready
	want.handle, ready = r.machine.Read(r.c.host.Now(), stream, operation)
	r.c.drive(ctx, &r.machine, ready, &want)
	if r.observation != nil {
		_, taken, mispredicted := r.machine.Speculation()
		r.observation.report(taken, mispredicted)
	}
	return want.result.Result, want.result.Err
}

// AdHoc returns an executor whose every operation is its own transaction,
// committed in one phase on its stream (auto-commit).
func (c *Coordinator) AdHoc() engines.Executor { return adHoc{c: c} }

type adHoc struct{ c *Coordinator }

// Execute runs operation as a one-phase transaction with the coordinator's
// read timeout as its deadline.
func (a adHoc) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	c := a.c
	id := c.hlc.Now()
	m := &c.autoCommit
	*m = TxnMachine{}
	m.init(&c.machines, id, id.WallNanos+int64(c.config.ReadTimeout))
	want := awaited{}
	var ready Ready
	want.handle, ready = m.AutoCommit(c.host.Now(), stream, operation)
	c.drive(ctx, m, ready, &want)
	return want.result.Result, want.result.Err
}
