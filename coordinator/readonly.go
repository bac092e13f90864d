package coordinator

import (
	"context"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
)

// ReadTxn is a read-only transaction: it never writes to a log. Every
// operation reads at one snapshot timestamp from the stream's processor,
// which answers once its log has passed the snapshot and no prepared write
// it needs is undecided (rule 8); so all reads of a ReadTxn, across every
// engine, see exactly the transactions committed at or before the snapshot.
type ReadTxn struct {
	c        *Coordinator
	snapshot clock.Timestamp
}

// BeginReadOnly starts a read-only transaction at a fresh snapshot.
func (c *Coordinator) BeginReadOnly(ctx context.Context) *ReadTxn {
	return &ReadTxn{c: c, snapshot: c.hlc.Now()}
}

// BeginReadOnlyAt starts a read-only transaction at a given snapshot (time
// travel, down to the engines' garbage-collection watermark).
func (c *Coordinator) BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) *ReadTxn {
	return &ReadTxn{c: c, snapshot: snapshot}
}

// Snapshot returns the snapshot timestamp.
func (r *ReadTxn) Snapshot() clock.Timestamp { return r.snapshot }

// Execute runs a read-only operation on stream at the snapshot.
func (r *ReadTxn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	request := r.c.request()
	read := wire.MsgSnapshotRead{Request: request, ReplyTo: r.c.host.Self(), Stream: stream,
		Snapshot: r.snapshot, Operation: operation}
	var reply wire.MsgSnapshotReadReply
	until := r.c.host.Now() + int64(r.c.config.ReadTimeout)
	answered := r.c.exchange(ctx, until, func() { _ = r.c.host.Send(r.c.config.Processor(stream), read) },
		func(_ wire.Address, message any) bool {
			m, ok := message.(wire.MsgSnapshotReadReply)
			if ok && m.Request == request {
				reply = m
				return true
			}
			return false
		})
	switch {
	case !answered && ctx.Err() != nil:
		return nil, ctx.Err()
	case !answered:
		return nil, fmt.Errorf("%w: no answer from %s within %v", ErrIndeterminate, stream, r.c.config.ReadTimeout)
	case reply.Status == engines.StatusDone:
		return reply.Result, nil
	}
	return nil, &engines.Refusal{Code: reply.Code, Message: reply.Error}
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
	deadline := id.WallNanos + int64(c.config.ReadTimeout)
	request := c.request()
	entry := wire.Entry{Kind: wire.EntryOnePhase, Txn: id, DeadlineNanos: deadline, Sequence: 1, Operation: operation}
	var reply wire.MsgOperationReply
	answered := c.exchange(ctx, deadline+4*int64(c.config.RetryInterval), func() { c.appendTo(stream, request, entry) },
		func(_ wire.Address, message any) bool {
			m, ok := message.(wire.MsgOperationReply)
			if ok && m.Request == request {
				reply = m
				return true
			}
			return false
		})
	switch {
	case !answered:
		return nil, fmt.Errorf("%w: no answer to an auto-commit operation on %s", ErrIndeterminate, stream)
	case reply.Status == engines.StatusDone:
		return reply.Result, nil
	case reply.Code == engines.CodeAborted || reply.Code == engines.CodeDeadline:
		return nil, abortedFrom(stream, reply.Code, reply.Error)
	}
	return nil, &engines.Refusal{Code: reply.Code, Message: reply.Error}
}
