package processor

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/bugs"
)

// pendingRead is a snapshot read waiting for the log to reach its
// timestamp, or for prepared transactions it would need to finish (rule 8).
type pendingRead struct {
	request  wire.MsgSnapshotRead
	blockers []engines.TxnID
}

// pendingReadsMax bounds waiting reads; beyond it the oldest is dropped (its
// client retries). Reads are soft state and never persisted.
const pendingReadsMax = 4096

func (p *Processor) receiveRead(m wire.MsgSnapshotRead) {
	if m.Stream != p.config.Stream {
		return
	}
	for _, waiting := range p.reads {
		if waiting.request.Request == m.Request {
			return // a resend of a read already waiting: it is answered once
		}
	}
	read := &pendingRead{request: m}
	if p.serve(read) {
		return
	}
	if len(p.reads) >= pendingReadsMax {
		p.reads = p.reads[1:]
	}
	p.reads = append(p.reads, read)
}

// serveReads retries the waiting reads after the log advanced or a
// transaction finished.
func (p *Processor) serveReads() {
	kept := p.reads[:0]
	for _, read := range p.reads {
		if !p.serve(read) {
			kept = append(kept, read)
		}
	}
	clear(p.reads[len(kept):])
	p.reads = kept
}

// serve answers a read if it can now. Rule 8: only once the processor has
// applied entries up to the snapshot timestamp, and never while a prepared
// write it needs (prepare timestamp <= snapshot) is undecided.
func (p *Processor) serve(read *pendingRead) bool {
	snapshot := read.request.Snapshot
	if p.appliedTimestamp.Less(snapshot) && !bugs.Enabled(bugs.SnapshotBeforeLog) { // planted bug: serves before the log reached the snapshot
		return false
	}
	for _, id := range read.blockers {
		if t := p.txns[id]; t != nil && !t.settled() {
			return false
		}
	}
	outcome := p.readAt(read.request.Operation, snapshot)
	if outcome.Status == engines.StatusBlocked {
		read.blockers = outcome.Blockers
		return false
	}
	reply := wire.MsgSnapshotReadReply{Request: read.request.Request, Stream: p.config.Stream,
		Status: outcome.Status, Result: outcome.Result, AppliedTimestamp: p.appliedTimestamp}
	if outcome.Status == engines.StatusFailed {
		refusal := engines.AsRefusal(outcome.Err)
		reply.Code, reply.Error = refusal.Code, refusal.Message
	}
	p.send(read.request.ReplyTo, reply)
	return true
}

// ReadNow serves a snapshot read directly, for embedded use and benchmarks:
// it returns the outcome, or Blocked when the read must wait.
func (p *Processor) ReadNow(operation []byte, snapshot clock.Timestamp) engines.Outcome {
	if p.appliedTimestamp.Less(snapshot) {
		return engines.Outcome{Status: engines.StatusBlocked, WaitFor: engines.WaitForFinished}
	}
	return p.readAt(operation, snapshot)
}
