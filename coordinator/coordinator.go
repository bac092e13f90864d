package coordinator

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
)

// Config describes a coordinator.
type Config struct {
	// ID names the coordinator: it is the node id of its HLC, so it makes
	// its transaction ids unique, and the origin of its request ids. 1 to
	// 2^31-1.
	ID uint32
	// Log is the log service's address.
	Log wire.Address
	// Processor returns the address of a stream's processor, for snapshot
	// reads (the runner's placement).
	Processor func(stream string) wire.Address
	// RetryInterval is how long to wait for an answer before sending again
	// (default 50ms).
	RetryInterval time.Duration
	// ReadTimeout bounds a read-only operation and a rollback (default 10s).
	ReadTimeout time.Duration
}

// Coordinator runs transactions across streams with two-phase commit. It is
// used by one client at a time (a simulated process or one goroutine).
type Coordinator struct {
	host        Host
	config      Config
	hlc         *clock.HLC
	nextRequest uint64
	// doomed remembers transactions a processor aborted on its own (a
	// wound, a deadline) while the coordinator was not asking.
	doomed map[engines.TxnID]wire.MsgOutcome
}

// New returns a coordinator running on host.
func New(host Host, config Config) (*Coordinator, error) {
	if config.ID == 0 || config.ID >= 1<<31 {
		return nil, fmt.Errorf("%w: coordinator id %d (want 1 to 2^31-1)", ErrInvalidArgument, config.ID)
	}
	if config.Processor == nil {
		return nil, fmt.Errorf("%w: no processor placement", ErrInvalidArgument)
	}
	if config.RetryInterval <= 0 {
		config.RetryInterval = 50 * time.Millisecond
	}
	if config.ReadTimeout <= 0 {
		config.ReadTimeout = 10 * time.Second
	}
	return &Coordinator{host: host, config: config, hlc: clock.NewHLC(hostClock{host}, config.ID),
		doomed: map[engines.TxnID]wire.MsgOutcome{}}, nil
}

func (c *Coordinator) request() wire.RequestID {
	c.nextRequest++
	return wire.RequestID{Origin: uint64(c.config.ID), Sequence: c.nextRequest}
}

// Now returns a fresh timestamp of the coordinator's HLC.
func (c *Coordinator) Now() clock.Timestamp { return c.hlc.Now() }

// exchange sends with send, then waits for messages, passing each to
// handle until handle reports done; it sends again every RetryInterval
// with no progress, and gives up (false) at local time untilNanos or when
// ctx ends.
func (c *Coordinator) exchange(ctx context.Context, untilNanos int64, send func(),
	handle func(from wire.Address, message any) (done bool)) bool {
	send()
	resendAt := c.host.Now() + int64(c.config.RetryInterval)
	for {
		if ctx.Err() != nil {
			return false
		}
		now := c.host.Now()
		if now >= untilNanos {
			return false
		}
		if now >= resendAt {
			send()
			resendAt = now + int64(c.config.RetryInterval)
		}
		wait := time.Duration(min(resendAt, untilNanos) - now)
		from, message, ok := c.host.Receive(wait)
		if !ok {
			continue
		}
		c.noteTimestamps(message)
		if c.noteDoomed(message) {
			continue
		}
		if handle(from, message) {
			return true
		}
	}
}

// noteDoomed records unsolicited abort notices (their Request is zero).
func (c *Coordinator) noteDoomed(message any) bool {
	outcome, ok := message.(wire.MsgOutcome)
	if !ok || outcome.Request != (wire.RequestID{}) {
		return false
	}
	if !outcome.Committed {
		c.doomed[outcome.Txn] = outcome
	}
	return true
}

// noteTimestamps folds the timestamps in replies into the HLC, so that a
// later snapshot or transaction id follows everything this coordinator saw.
func (c *Coordinator) noteTimestamps(message any) {
	switch m := message.(type) {
	case wire.MsgAppendReply:
		c.hlc.Update(m.Timestamp)
	case wire.MsgOperationReply:
		c.hlc.Update(m.Timestamp)
	case wire.MsgVote:
		c.hlc.Update(m.PrepareTimestamp)
	case wire.MsgOutcome:
		c.hlc.Update(m.CommitTimestamp)
	case wire.MsgSnapshotReadReply:
		c.hlc.Update(m.AppliedTimestamp)
	}
}

// appendTo sends an entry to a stream through the log service. Only
// Commit appends are acknowledged by the log (rule 6 needs the
// acknowledgement's timestamp); every other entry is answered by the
// stream's processor.
func (c *Coordinator) appendTo(stream string, request wire.RequestID, entry wire.Entry) {
	entry.Request = request
	entry.ReplyTo = c.host.Self()
	_ = c.host.Send(c.config.Log, wire.MsgAppend{Request: request, ReplyTo: c.host.Self(), Stream: stream,
		Payload: entry.Encode(), Unacknowledged: entry.Kind != wire.EntryCommit})
}
