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
	// LogOf, when set, returns the address of the log node holding a
	// stream, for logs spread over several nodes (nil: Log holds every
	// stream).
	LogOf func(stream string) wire.Address
	// Processor returns the address of a stream's processor, for snapshot
	// reads (the runner's placement).
	Processor func(stream string) wire.Address
	// RetryInterval is how long to wait for an answer before sending again
	// (default 50ms).
	RetryInterval time.Duration
	// ReadTimeout bounds a read-only operation and a rollback (default 10s).
	ReadTimeout time.Duration
	// Timestamps is the hybrid logical clock transaction ids and snapshots
	// come from, and that reply timestamps advance (optional; default: an
	// HLC of its own over the host's clock, stamped with ID). A host that
	// runs many coordinators may give them one, safe for concurrent use,
	// so that each transaction follows everything any of them saw.
	Timestamps TimestampSource
	// Requests hands out request ids (optional; default: origin ID,
	// sequences from 1). A host that runs many coordinators under one ID
	// gives them one source safe for concurrent use; see RequestSource.
	Requests RequestSource
	// Sites switches the coordinator's code fault sites, asked at each
	// use (nil: every site off); see Sites.
	Sites func() Sites
	// Predictor switches speculative execution on: transactions begun
	// with a category (BeginCategory, BeginReadOnlyCategory) teach it
	// their operations, and once it is confident it predicts them, and
	// they are sent at begin. Coordinators may share one, to learn
	// together. Nil: off (a category is then only a label).
	Predictor *Predictor
}

// TimestampSource is a hybrid logical clock; *clock.HLC is one (not safe
// for concurrent use: a shared one needs a lock around it).
type TimestampSource interface {
	// Now returns a timestamp after every one returned or received before.
	Now() clock.Timestamp
	// Update folds in a received timestamp.
	Update(received clock.Timestamp) clock.Timestamp
}

// Coordinator runs transactions across streams with two-phase commit: the
// blocking driver of the transaction machines, over a Host. It is used by
// one client at a time (a simulated process or one goroutine).
type Coordinator struct {
	host     Host
	config   Config
	hlc      TimestampSource
	requests Requests
	machines MachineConfig
	// doomed remembers transactions a processor aborted on its own (a
	// wound, a deadline) while the coordinator was not asking; a
	// transaction's machine gets its notice at its next call.
	doomed map[engines.TxnID]wire.MsgOutcome
	// autoCommit is the machine of the ad-hoc operation being driven.
	autoCommit TxnMachine
	// begun counts the read-write transactions begun (the short-timeout
	// site shortens every other one).
	begun uint64
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
	c := &Coordinator{host: host, config: config, hlc: config.Timestamps,
		requests: Requests{Origin: uint64(config.ID)}, doomed: map[engines.TxnID]wire.MsgOutcome{}}
	if c.hlc == nil {
		c.hlc = clock.NewHLC(hostClock{host}, config.ID)
	}
	c.machines = MachineConfig{Self: host.Self(), Log: config.Log, LogOf: config.LogOf, Processor: config.Processor,
		RetryInterval: config.RetryInterval, ReadTimeout: config.ReadTimeout, Requests: config.Requests,
		Sites: config.Sites}
	if config.Predictor != nil && config.Predictor.config.PrepareAhead {
		c.machines.Heads = &StreamHeads{} // only a transaction prepared ahead uses them
	}
	if c.machines.Requests == nil {
		c.machines.Requests = &c.requests
	}
	return c, nil
}

// Now returns a fresh timestamp of the coordinator's HLC.
func (c *Coordinator) Now() clock.Timestamp { return c.hlc.Now() }

// stepper is a machine the driver runs: a TxnMachine or a ReadMachine.
type stepper interface {
	Step(now int64, message any) Ready
	Tick(now int64) Ready
	Cancel(now int64, cause error) Ready
	Quiet() bool
	WakeNanos() int64
}

// awaited is the operation a driver call waits for, and its result.
type awaited struct {
	handle int
	result OperationResult
	ended  bool
}

// drive sends what ready holds, then runs m until it is quiet: it ticks
// m with the local clock, waits for messages until m's next wake-up, and
// passes them on. Timestamps in replies go into the HLC; abort notices go
// to doomed, for the transaction's next call. When ctx ends, m is
// cancelled once and driven on to quiet. want (optional) collects the
// result of one operation.
func (c *Coordinator) drive(ctx context.Context, m stepper, ready Ready, want *awaited) {
	c.driveUntil(ctx, m, ready, want, nil)
}

// driveUntil is drive, returning early once enough (optional) reports
// true: what is left in flight is driven by a later drive.
func (c *Coordinator) driveUntil(ctx context.Context, m stepper, ready Ready, want *awaited, enough func() bool) {
	c.deliver(ready, want)
	cancelled := false
	for !m.Quiet() && (enough == nil || !enough()) {
		if err := ctx.Err(); err != nil && !cancelled {
			cancelled = true
			c.deliver(m.Cancel(c.host.Now(), err), want)
			continue
		}
		now := c.host.Now()
		if now >= m.WakeNanos() {
			c.deliver(m.Tick(now), want)
			if m.Quiet() {
				return
			}
		}
		_, message, ok := c.host.Receive(time.Duration(m.WakeNanos() - now))
		if !ok {
			continue
		}
		if timestamp, carries := ReplyTimestamp(message); carries {
			c.hlc.Update(timestamp)
		}
		if txn, unsolicited := AbortNotice(message); unsolicited {
			if notice := message.(wire.MsgOutcome); !notice.Committed {
				c.doomed[txn] = notice
			}
			continue
		}
		c.deliver(m.Step(c.host.Now(), message), want)
	}
}

// deliver sends ready's messages and keeps the awaited result.
func (c *Coordinator) deliver(ready Ready, want *awaited) {
	for _, out := range ready.Messages {
		_ = c.host.Send(out.To, out.Message)
	}
	if want == nil {
		return
	}
	for _, result := range ready.Results {
		if result.Operation == want.handle {
			want.result, want.ended = result, true
		}
	}
}
