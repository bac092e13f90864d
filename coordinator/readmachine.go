package coordinator

import (
	"fmt"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// ReadMachine is the coordinator's side of one read-only transaction, as a
// step machine: every Read is a snapshot read at one timestamp, sent to
// the stream's processor (never to a log) and sent again every
// RetryInterval until answered or ReadTimeout passed. Several reads may be
// in flight. A read-only transaction has no outcome: it cannot abort, and
// its reads cannot be wrong, only late.
type ReadMachine struct {
	config   *MachineConfig
	snapshot clock.Timestamp
	// inFlight are the reads sent and not answered, oldest first,
	// predicted reads no client read took yet among them (handle -1).
	inFlight      []snapshotRead
	inFlightSlots [1]snapshotRead
	// readsStarted is the next handle.
	readsStarted int
	out          []Outbound
	outSlots     [1]Outbound
	results      []OperationResult
	resultSlots  [1]OperationResult
	// speculation holds the reads predicted at begin (nil: none).
	speculation *readSpeculation
}

// snapshotRead is one read in flight.
type snapshotRead struct {
	// handle is the client read waiting for it; -1 for a predicted read
	// no client read took yet.
	handle  int
	message wire.MsgSnapshotRead
	timer   timer
	// timeout is how long the read waits for an answer.
	timeout time.Duration
}

// NewReadMachine returns the machine of a read-only transaction at
// snapshot.
func NewReadMachine(config *MachineConfig, snapshot clock.Timestamp) *ReadMachine {
	r := &ReadMachine{}
	r.init(config, snapshot)
	return r
}

// init sets up a zero machine.
func (r *ReadMachine) init(config *MachineConfig, snapshot clock.Timestamp) {
	config.check()
	if config.Processor == nil {
		assert.Broken("coordinator: read-only machine config without a processor placement")
	}
	r.config, r.snapshot = config, snapshot
	r.inFlight = r.inFlightSlots[:0]
	r.out = r.outSlots[:0]
	r.results = r.resultSlots[:0]
}

// Snapshot returns the snapshot timestamp.
func (r *ReadMachine) Snapshot() clock.Timestamp { return r.snapshot }

// Quiet reports whether no read a client call waits for is in flight
// (predicted reads no client read took yet do not count).
func (r *ReadMachine) Quiet() bool {
	for i := range r.inFlight {
		if r.inFlight[i].handle >= 0 {
			return false
		}
	}
	return true
}

// WakeNanos is the local time of the next Tick the machine needs.
// Meaningful when not Quiet; after a Tick it is later than the Tick's now.
func (r *ReadMachine) WakeNanos() int64 {
	wake := noWake
	for i := range r.inFlight {
		wake = min(wake, r.inFlight[i].timer.wake())
	}
	return wake
}

// Read sends a read-only operation on stream at the snapshot. Its
// OperationResult carries the result, an *engines.Refusal, or
// ErrIndeterminate when no answer came within ReadTimeout.
func (r *ReadMachine) Read(now int64, stream string, operation []byte) (int, Ready) {
	r.startInput()
	handle := r.readsStarted
	r.readsStarted++
	if r.speculation == nil || !r.readPredicted(handle, stream, operation) {
		r.launch(now, handle, stream, operation)
	}
	return handle, r.ready(now)
}

func (r *ReadMachine) launch(now int64, handle int, stream string, operation []byte) {
	request := r.config.Requests.NextRequest()
	timeout := r.config.readTimeout(request)
	read := snapshotRead{handle: handle, timer: startTimer(now, r.config.resendInterval(), now+int64(timeout)),
		timeout: timeout, message: wire.MsgSnapshotRead{Request: request, ReplyTo: r.config.Self, Stream: stream,
			Snapshot: r.snapshot, Operation: operation}}
	r.inFlight = append(r.inFlight, read)
	r.send(&read)
}

func (r *ReadMachine) send(read *snapshotRead) {
	r.out = append(r.out, Outbound{To: r.config.Processor(read.message.Stream), Message: read.message})
}

// Step takes a message; a snapshot read reply ends its read, anything
// else is ignored.
func (r *ReadMachine) Step(now int64, message any) Ready {
	r.startInput()
	if reply, ok := message.(wire.MsgSnapshotReadReply); ok {
		for i := range r.inFlight {
			if r.inFlight[i].message.Request != reply.Request {
				continue
			}
			result := OperationResult{Operation: r.inFlight[i].handle}
			if reply.Status == engines.StatusDone {
				result.Result = reply.Result
			} else {
				result.Err = &engines.Refusal{Code: reply.Code, Message: reply.Error}
			}
			if r.inFlight[i].handle < 0 {
				r.speculation.answered(reply.Request, result)
				r.inFlight = append(r.inFlight[:i], r.inFlight[i+1:]...)
				break
			}
			r.end(i, result)
			break
		}
	}
	return r.ready(now)
}

// Tick sends again reads unanswered for a RetryInterval and ends those
// unanswered for ReadTimeout.
func (r *ReadMachine) Tick(now int64) Ready {
	r.startInput()
	r.settle(now)
	for i := range r.inFlight {
		if read := &r.inFlight[i]; read.timer.due(now, r.config.resendInterval()) {
			r.send(read)
		}
	}
	ready := r.ready(now)
	if !r.Quiet() && r.WakeNanos() <= now {
		assert.Broken("coordinator: read-only machine wants a tick at %d, not after now %d", r.WakeNanos(), now)
	}
	return ready
}

// Cancel ends every read in flight with cause (predicted reads no client
// read took are forgotten).
func (r *ReadMachine) Cancel(now int64, cause error) Ready {
	r.startInput()
	for len(r.inFlight) > 0 {
		if r.inFlight[0].handle < 0 {
			r.forget(0)
			continue
		}
		r.end(0, OperationResult{Operation: r.inFlight[0].handle, Err: cause})
	}
	return r.ready(now)
}

func (r *ReadMachine) settle(now int64) {
	for i := 0; i < len(r.inFlight); {
		read := &r.inFlight[i]
		switch {
		case !read.timer.expired(now):
			i++
		case read.handle < 0:
			r.forget(i)
		default:
			r.end(i, OperationResult{Operation: read.handle, Err: fmt.Errorf("%w: no answer from %s within %v",
				ErrIndeterminate, read.message.Stream, read.timeout)})
		}
	}
}

// end removes read i from the reads in flight with its result.
func (r *ReadMachine) end(i int, result OperationResult) {
	if result.Operation != r.inFlight[i].handle {
		assert.Broken("coordinator: read %d ends with the result of %d", r.inFlight[i].handle, result.Operation)
	}
	r.results = append(r.results, result)
	r.inFlight = append(r.inFlight[:i], r.inFlight[i+1:]...)
}

func (r *ReadMachine) startInput() {
	r.out = r.out[:0]
	r.results = r.results[:0]
}

func (r *ReadMachine) ready(now int64) Ready {
	r.settle(now)
	return Ready{Messages: r.out, Results: r.results}
}
