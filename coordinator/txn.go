package coordinator

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/bugs"
)

// txnState is where a transaction is in its life.
type txnState uint8

const (
	stateActive txnState = iota
	stateCommitted
	stateAborted
	stateIndeterminate
)

// Txn is a read-write transaction. Its operations are appended to each
// participant stream's log; Commit runs two-phase commit (one phase for a
// single participant). It implements engines.Executor, so typed clients
// work inside it: kv.New(tx, "users").PutString(ctx, "user:1", "Alice").
type Txn struct {
	c             *Coordinator
	id            engines.TxnID
	deadlineNanos int64
	participants  []*participant
	state         txnState
	// finalErr is what every later call returns once the transaction is
	// finished without committing.
	finalErr        error
	commitTimestamp clock.Timestamp
	// The first participants live inside the Txn, so that a typical
	// transaction allocates no records or lists of its own.
	participantSlots    [participantSlotsLen]participant
	participantPointers [participantSlotsLen]*participant
	touchedPointers     [participantSlotsLen]*participant
}

// participantSlotsLen is how many participants a Txn holds inline.
const participantSlotsLen = 4

// participant is one stream the transaction touched.
type participant struct {
	stream   string
	start    uint64 // log position of the transaction's first entry there
	sequence uint32
	prepared clock.Timestamp
	voted    bool
	acked    bool
	ackStamp clock.Timestamp
}

// Begin starts a read-write transaction that must commit within timeout:
// its deadline is the coordinator's clock now plus timeout, compared with
// participants' log timestamps.
func (c *Coordinator) Begin(ctx context.Context, timeout time.Duration) *Txn {
	id := c.hlc.Now()
	t := &Txn{c: c, id: id, deadlineNanos: id.WallNanos + int64(timeout)}
	t.participants = t.participantPointers[:0]
	if timeout <= 0 {
		t.finish(stateAborted, fmt.Errorf("%w: timeout %v", ErrInvalidArgument, timeout))
	}
	return t
}

// ID returns the transaction id (its age for wound-wait).
func (t *Txn) ID() engines.TxnID { return t.id }

// DeadlineNanos returns the deadline D.
func (t *Txn) DeadlineNanos() int64 { return t.deadlineNanos }

// CommitTimestamp returns the commit timestamp once committed.
func (t *Txn) CommitTimestamp() clock.Timestamp { return t.commitTimestamp }

// Streams returns the participant streams touched so far, in first-use order.
func (t *Txn) Streams() []string {
	streams := make([]string, len(t.participants))
	for i, p := range t.participants {
		streams[i] = p.stream
	}
	return streams
}

func (t *Txn) participant(stream string) *participant {
	for _, p := range t.participants {
		if p.stream == stream {
			return p
		}
	}
	var p *participant
	if used := len(t.participants); used < len(t.participantSlots) {
		p = &t.participantSlots[used]
		*p = participant{stream: stream}
	} else {
		p = &participant{stream: stream}
	}
	t.participants = append(t.participants, p)
	return p
}

func (t *Txn) finish(state txnState, err error) error {
	t.state = state
	t.finalErr = err
	delete(t.c.doomed, t.id)
	return err
}

// usable reports the error that stops a call on a finished transaction,
// and aborts one a processor has already aborted.
func (t *Txn) usable(ctx context.Context) error {
	switch t.state {
	case stateCommitted:
		return fmt.Errorf("%w: transaction %v already committed", ErrInvalidArgument, t.id)
	case stateAborted, stateIndeterminate:
		return t.finalErr
	}
	if notice, doomed := t.c.doomed[t.id]; doomed {
		t.abortParticipants(ctx)
		return t.finish(stateAborted, abortedFrom(notice.Stream, notice.Code, notice.Reason))
	}
	if err := ctx.Err(); err != nil {
		t.abortParticipants(context.Background())
		return t.finish(stateAborted, &AbortedError{Reason: ReasonCancelled, Detail: err.Error()})
	}
	return nil
}

// patience is how long past the deadline the coordinator keeps asking: log
// timestamps come from another clock, and answers about entries appended
// before the deadline may arrive after it.
func (t *Txn) patience() int64 { return t.deadlineNanos + 4*int64(t.c.config.RetryInterval) }

// Execute runs one operation on stream inside the transaction. A refused
// operation returns its *engines.Refusal and leaves the transaction usable;
// an operation that finds the transaction aborted (wounded, deadline)
// returns an *AbortedError and the transaction is over.
func (t *Txn) Execute(ctx context.Context, stream string, operation []byte) ([]byte, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	p := t.participant(stream)
	p.sequence++
	request := t.c.request()
	entry := wire.Entry{Kind: wire.EntryOperation, Txn: t.id, DeadlineNanos: t.deadlineNanos,
		Sequence: p.sequence, Operation: operation}
	var reply wire.MsgOperationReply
	answered := t.c.exchange(ctx, t.patience(), func() { t.c.appendTo(stream, request, entry) },
		func(_ wire.Address, message any) bool {
			m, ok := message.(wire.MsgOperationReply)
			if ok && m.Request == request {
				reply = m
				return true
			}
			return false
		})
	if !answered {
		t.abortParticipants(context.Background())
		if ctx.Err() != nil {
			return nil, t.finish(stateAborted, &AbortedError{Reason: ReasonCancelled, Detail: ctx.Err().Error()})
		}
		return nil, t.finish(stateAborted, &AbortedError{Reason: ReasonDeadline, Stream: stream,
			Detail: "no answer to an operation before the deadline"})
	}
	if p.start == 0 {
		p.start = reply.Position
	}
	if reply.Status == engines.StatusDone {
		return reply.Result, nil
	}
	if reply.Code == engines.CodeAborted || reply.Code == engines.CodeDeadline {
		t.abortParticipants(context.Background())
		return nil, t.finish(stateAborted, abortedFrom(stream, reply.Code, reply.Error))
	}
	return nil, &engines.Refusal{Code: reply.Code, Message: reply.Error}
}

// Commit commits the transaction. nil means committed on every
// participant (at CommitTimestamp); an *AbortedError means committed on
// none; ErrIndeterminate means the coordinator cannot know (rule 6).
func (t *Txn) Commit(ctx context.Context) error {
	if err := t.usable(ctx); err != nil {
		return err
	}
	touched := t.touchedPointers[:0]
	for _, p := range t.participants {
		if p.start != 0 {
			touched = append(touched, p)
		}
	}
	switch len(touched) {
	case 0:
		return t.finish(stateCommitted, nil)
	case 1:
		return t.commitOnePhase(ctx, touched[0])
	}
	if err := t.prepare(ctx, touched); err != nil {
		t.abortParticipants(context.Background())
		return t.finish(stateAborted, err)
	}
	return t.commitTwoPhase(ctx, touched)
}

// commitOnePhase commits a single participant in one entry (rule 7).
func (t *Txn) commitOnePhase(ctx context.Context, p *participant) error {
	request := t.c.request()
	entry := wire.Entry{Kind: wire.EntryOnePhase, Txn: t.id, DeadlineNanos: t.deadlineNanos}
	var outcome wire.MsgOutcome
	answered := t.c.exchange(ctx, t.patience(), func() { t.c.appendTo(p.stream, request, entry) },
		func(_ wire.Address, message any) bool {
			m, ok := message.(wire.MsgOutcome)
			if ok && m.Request == request && m.Code != engines.CodeUnknown {
				outcome = m
				return true
			}
			return false
		})
	switch {
	case !answered:
		return t.finish(stateIndeterminate, fmt.Errorf("%w: no answer to the one-phase commit on %s", ErrIndeterminate, p.stream))
	case outcome.Committed:
		t.commitTimestamp = outcome.CommitTimestamp
		return t.finish(stateCommitted, nil)
	}
	return t.finish(stateAborted, abortedFrom(p.stream, outcome.Code, outcome.Reason))
}

// prepare collects a vote from every participant (rule 3).
func (t *Txn) prepare(ctx context.Context, touched []*participant) error {
	var listBuffer [participantSlotsLen]wire.Participant
	var requestsBuffer [participantSlotsLen]wire.RequestID
	list, requests := listBuffer[:0], requestsBuffer[:0]
	for _, p := range touched {
		list = append(list, wire.Participant{Stream: p.stream, StartPosition: p.start})
		requests = append(requests, t.c.request())
	}
	var refusal error
	pending := len(touched)
	send := func() {
		for i, p := range touched {
			if !p.voted {
				t.c.appendTo(p.stream, requests[i], wire.Entry{Kind: wire.EntryPrepare, Txn: t.id,
					DeadlineNanos: t.deadlineNanos, Participants: list})
			}
		}
	}
	answered := t.c.exchange(ctx, t.patience(), send, func(_ wire.Address, message any) bool {
		vote, ok := message.(wire.MsgVote)
		index := slices.Index(requests, vote.Request)
		if !ok || index < 0 || touched[index].voted {
			return false
		}
		if !vote.Prepared {
			refusal = abortedFrom(vote.Stream, vote.Code, vote.Reason)
			return true
		}
		touched[index].voted = true
		touched[index].prepared = vote.PrepareTimestamp
		pending--
		return pending == 0
	})
	switch {
	case refusal != nil:
		return refusal
	case !answered && ctx.Err() != nil:
		return &AbortedError{Reason: ReasonCancelled, Detail: ctx.Err().Error()}
	case !answered:
		return &AbortedError{Reason: ReasonDeadline, Detail: "not every participant voted before the deadline"}
	}
	return nil
}

// commitTwoPhase appends Commit at max(prepare timestamps) to every
// participant and reports success only when a Commit append was
// acknowledged at or before the deadline (rule 6).
func (t *Txn) commitTwoPhase(ctx context.Context, touched []*participant) error {
	commitTimestamp := clock.Timestamp{}
	for _, p := range touched {
		commitTimestamp = commitTimestamp.Max(p.prepared)
	}
	if bugs.Enabled(bugs.CommitAtMinPrepare) { // planted bug: commits at the minimum prepare timestamp
		commitTimestamp = slices.MinFunc(touched, func(a, b *participant) int { return a.prepared.Compare(b.prepared) }).prepared
	}
	var requestsBuffer [participantSlotsLen]wire.RequestID
	requests := requestsBuffer[:0]
	for range touched {
		requests = append(requests, t.c.request())
	}
	entry := wire.Entry{Kind: wire.EntryCommit, Txn: t.id, DeadlineNanos: t.deadlineNanos,
		CommitTimestamp: commitTimestamp}
	pending := len(touched)
	send := func() {
		for i, p := range touched {
			if !p.acked {
				t.c.appendTo(p.stream, requests[i], entry)
			}
		}
	}
	// The outcome no longer depends on the caller: keep going even if ctx
	// ends, until every participant has the Commit or patience runs out.
	t.c.exchange(context.Background(), t.patience(), send, func(_ wire.Address, message any) bool {
		ack, ok := message.(wire.MsgAppendReply)
		index := slices.Index(requests, ack.Request)
		if !ok || index < 0 || touched[index].acked {
			return false
		}
		touched[index].acked, touched[index].ackStamp = true, ack.Timestamp
		pending--
		return pending == 0
	})
	acknowledged := 0
	for _, p := range touched {
		if !p.acked {
			continue
		}
		acknowledged++
		if p.ackStamp.WallNanos <= t.deadlineNanos || bugs.Enabled(bugs.SuccessAfterDeadline) { // planted bug: success after the deadline
			t.commitTimestamp = commitTimestamp
			return t.finish(stateCommitted, nil)
		}
	}
	if acknowledged == len(touched) {
		return t.finish(stateAborted, &AbortedError{Reason: ReasonDeadline,
			Detail: "every Commit reached its log after the deadline"})
	}
	return t.finish(stateIndeterminate, fmt.Errorf("%w: no Commit acknowledged at or before the deadline, %d of %d unacknowledged",
		ErrIndeterminate, len(touched)-acknowledged, len(touched)))
}

// Rollback aborts the transaction; it leaves nothing behind on any
// participant. Rolling back a finished transaction returns its outcome.
func (t *Txn) Rollback(ctx context.Context) error {
	if t.state == stateCommitted {
		return fmt.Errorf("%w: transaction %v already committed", ErrInvalidArgument, t.id)
	}
	if t.state != stateActive {
		return nil
	}
	t.abortParticipants(ctx)
	t.finish(stateAborted, &AbortedError{Reason: ReasonCancelled, Detail: "rolled back"})
	return nil
}

// abortParticipants appends Abort to every participant touched, waiting a
// little for their answers. It is an optimization: without it the
// participants abort on their own when their logs pass the deadline.
func (t *Txn) abortParticipants(ctx context.Context) {
	var requests []wire.RequestID
	var streams []string
	for _, p := range t.participants {
		if p.sequence > 0 {
			requests = append(requests, t.c.request())
			streams = append(streams, p.stream)
		}
	}
	if len(streams) == 0 {
		return
	}
	entry := wire.Entry{Kind: wire.EntryAbort, Txn: t.id, DeadlineNanos: t.deadlineNanos}
	answered := make([]bool, len(streams))
	pending := len(streams)
	until := min(t.patience(), t.c.host.Now()+2*int64(t.c.config.RetryInterval))
	t.c.exchange(ctx, until, func() {
		for i, stream := range streams {
			if !answered[i] {
				t.c.appendTo(stream, requests[i], entry)
			}
		}
	}, func(_ wire.Address, message any) bool {
		m, ok := message.(wire.MsgOutcome)
		index := slices.Index(requests, m.Request)
		if ok && index >= 0 && !answered[index] {
			answered[index] = true
			pending--
		}
		return pending == 0
	})
}
