package coordinator

import (
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// MachineConfig is what the machines of one coordinator share. It is read
// only once machines use it, except Requests, the one explicitly shared
// mutable part.
type MachineConfig struct {
	// Self is the address replies are sent to (Entry.ReplyTo and
	// MsgSnapshotRead.ReplyTo).
	Self wire.Address
	// Log is the log service's address.
	Log wire.Address
	// LogOf, when set, returns the address of the log node holding a
	// stream, for logs spread over several nodes (nil: Log holds every
	// stream). It is called at every send.
	LogOf func(stream string) wire.Address
	// Processor returns the address of a stream's processor, for snapshot
	// reads (required by ReadMachine). It is called at every send, so a
	// move of the processor is followed by the next retry.
	Processor func(stream string) wire.Address
	// RetryInterval is how long a request waits for its answer before it is
	// sent again. Must be positive.
	RetryInterval time.Duration
	// ReadTimeout bounds a snapshot read. Must be positive.
	ReadTimeout time.Duration
	// Requests hands out the request ids of every machine using this
	// config. Replies are matched to requests by id alone, so ids must be
	// unique among the requests whose replies reach Self.
	Requests RequestSource
	// Sites switches the coordinator's code fault sites, asked at each
	// use (nil: every site off); see Sites.
	Sites func() Sites
	// Heads, when set, learns from the machines' operation replies how
	// far each stream's log reached, for the start positions of a
	// transaction prepared ahead (nil: they are unknown, 0). Like the
	// machines, it is used by one goroutine at a time.
	Heads *StreamHeads
}

// StreamHeads remembers the highest log position an operation reply
// showed on each stream: a transaction's entries appended after that
// reply come later, so it is a lower bound of their positions.
type StreamHeads struct {
	// positions is only looked up and raised, never iterated.
	positions map[string]uint64
}

// observe raises stream's head to position.
func (h *StreamHeads) observe(stream string, position uint64) {
	if h == nil {
		return
	}
	if h.positions == nil {
		h.positions = map[string]uint64{}
	}
	if position > h.positions[stream] {
		h.positions[stream] = position
	}
}

// of returns stream's head (0: none seen, or no StreamHeads).
func (h *StreamHeads) of(stream string) uint64 {
	if h == nil {
		return 0
	}
	return h.positions[stream]
}

// Sites are the coordinator's code fault sites (DESIGN.md, "Code
// faults"): paths a correct coordinator may take that random timing
// almost never reaches.
type Sites struct {
	// EarlyRetry resends unanswered requests every EarlyRetryInterval, so
	// that retries overtake answers (how long an exchange waits before it
	// gives up does not change).
	EarlyRetry bool
	// ShortTimeouts gives every other read-write transaction and snapshot
	// read a timeout of a few milliseconds (ShortTimeout), so that
	// deadlines pass in the middle of the protocol.
	ShortTimeouts bool
}

// EarlyRetryInterval is the resend interval with Sites.EarlyRetry on:
// shorter than a round trip.
const EarlyRetryInterval = 2 * time.Millisecond

// ShortTimeout returns the n-th short timeout of Sites.ShortTimeouts:
// 5, 10, 20 and 40 milliseconds in turn.
func ShortTimeout(n uint64) time.Duration { return 5 * time.Millisecond << (n % 4) }

func (c *MachineConfig) sites() Sites {
	if c.Sites == nil {
		return Sites{}
	}
	return c.Sites()
}

// resendInterval is how long a request waits for its answer before it is
// sent again.
func (c *MachineConfig) resendInterval() time.Duration {
	if c.Sites != nil && c.sites().EarlyRetry {
		return EarlyRetryInterval
	}
	return c.RetryInterval
}

// readTimeout is the timeout of the snapshot read sent with request.
func (c *MachineConfig) readTimeout(request wire.RequestID) time.Duration {
	if c.Sites != nil && request.Sequence%2 == 0 && c.sites().ShortTimeouts {
		return ShortTimeout(request.Sequence/2 - 1)
	}
	return c.ReadTimeout
}

// logOf returns the address of the log node holding stream.
func (c *MachineConfig) logOf(stream string) wire.Address {
	if c.LogOf == nil {
		return c.Log
	}
	return c.LogOf(stream)
}

// check asserts what every machine needs of its config.
func (c *MachineConfig) check() {
	switch {
	case c.RetryInterval <= 0:
		assert.Broken("coordinator: machine config with retry interval %v", c.RetryInterval)
	case c.ReadTimeout <= 0:
		assert.Broken("coordinator: machine config with read timeout %v", c.ReadTimeout)
	case c.Requests == nil:
		assert.Broken("coordinator: machine config without a request source")
	}
}

// RequestSource hands out request ids. The source is the one thing the
// machines of a coordinator share: a host that drives machines from
// several goroutines gives each its own source (its own Origin) or a
// source safe for concurrent use.
type RequestSource interface {
	NextRequest() wire.RequestID
}

// Requests is a RequestSource for one goroutine: ids Origin/1, Origin/2,
// ... The log service deduplicates appends per origin, so Origin must not
// be shared with another source. Not safe for concurrent use.
type Requests struct {
	Origin uint64
	// last is the sequence of the last id handed out.
	last uint64
}

// NextRequest returns the next id.
func (r *Requests) NextRequest() wire.RequestID {
	r.last++
	return wire.RequestID{Origin: r.Origin, Sequence: r.last}
}

// Outbound is a message the host must send.
type Outbound struct {
	To      wire.Address
	Message any
}

// OperationResult is the end of one operation: its result, or why it has
// none (an *engines.Refusal, an *AbortedError, ErrIndeterminate, or the
// cause given to Cancel).
type OperationResult struct {
	// Operation is the handle Execute, AutoCommit or Read returned.
	Operation int
	Result    []byte
	Err       error
}

// Ready is what one input to a machine produced: messages to send now, in
// order, and the operations that ended. Both slices share their arrays
// with the machine: they are valid until its next input, so the host sends
// (or copies) them before calling it again.
type Ready struct {
	Messages []Outbound
	Results  []OperationResult
}

// Status is where a read-write transaction is in its life.
type Status uint8

const (
	StatusActive        Status = iota // undecided
	StatusCommitted                   // committed on every participant
	StatusAborted                     // committed on none
	StatusIndeterminate               // the coordinator cannot know (rule 6)
)

var statusNames = [...]string{StatusActive: "active", StatusCommitted: "committed", StatusAborted: "aborted",
	StatusIndeterminate: "indeterminate"}

func (s Status) String() string { return statusNames[s] }

// Outcome is a transaction's decision, final once Status is not active.
type Outcome struct {
	Status Status
	// CommitTimestamp is set when committed with at least one participant.
	CommitTimestamp clock.Timestamp
	// Err is nil when active or committed; otherwise what the client is
	// told: an *AbortedError (or, for a transaction refused at begin, an
	// ErrInvalidArgument) when aborted, an error wrapping ErrIndeterminate
	// when indeterminate.
	Err error
}

// ReplyTimestamp returns the timestamp a reply carries, to fold into the
// coordinator's HLC so that later transaction ids and snapshots follow
// everything the coordinator saw. ok is false for messages without one.
func ReplyTimestamp(message any) (timestamp clock.Timestamp, ok bool) {
	switch m := message.(type) {
	case wire.MsgAppendReply:
		return m.Timestamp, true
	case wire.MsgOperationReply:
		return m.Timestamp, true
	case wire.MsgVote:
		return m.PrepareTimestamp, true
	case wire.MsgOutcome:
		return m.CommitTimestamp, true
	case wire.MsgSnapshotReadReply:
		return m.AppliedTimestamp, true
	}
	return clock.Timestamp{}, false
}

// AbortNotice reports whether message is an unsolicited notice (a
// MsgOutcome with a zero request id) that a processor aborted transaction
// txn on its own: wounded, or past its deadline. A host routes it to that
// transaction's machine (Step), which acts on it at its next Execute,
// Commit or Cancel.
func AbortNotice(message any) (txn engines.TxnID, unsolicited bool) {
	outcome, ok := message.(wire.MsgOutcome)
	if !ok || outcome.Request != (wire.RequestID{}) {
		return engines.TxnID{}, false
	}
	return outcome.Txn, true
}

// timer is one exchange's clock: its requests are sent again at resendAt
// while unanswered, and given up at until. It reproduces a loop that
// sends, then waits, sending again every RetryInterval (measured from the
// last send, not from the schedule) until until.
type timer struct {
	resendAtNanos int64
	untilNanos    int64
}

func startTimer(now int64, retry time.Duration, untilNanos int64) timer {
	return timer{resendAtNanos: now + int64(retry), untilNanos: untilNanos}
}

// expired reports whether the exchange must give up at now.
func (t *timer) expired(now int64) bool { return now >= t.untilNanos }

// due reports whether the requests must be sent again at now, and if so
// schedules the next resend.
func (t *timer) due(now int64, retry time.Duration) bool {
	if now < t.resendAtNanos {
		return false
	}
	t.resendAtNanos = now + int64(retry)
	return true
}

// wake is the next time the exchange needs a Tick.
func (t *timer) wake() int64 { return min(t.resendAtNanos, t.untilNanos) }

// noWake is WakeNanos of a quiet machine.
const noWake = int64(1<<63 - 1)
