package processor

import (
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
)

// Config describes one processor.
type Config struct {
	// Stream is the stream this processor applies.
	Stream string
	// Self is the processor's own address: entries are pushed and replies
	// are sent from here.
	Self wire.Address
	// Log is the log service's address.
	Log wire.Address
	// LogOf, when set, returns the address of the log node holding a
	// stream (the processor's own, or a peer's that termination reads),
	// for logs spread over several nodes; nil: Log holds every stream.
	LogOf func(stream string) wire.Address
	// CheckpointEvery is the number of applied entries between checkpoints
	// (default 256).
	CheckpointEvery int
	// ReadCountMax bounds the entries asked for in one log read (default 256).
	ReadCountMax int
	// DeltasPerCheckpoint is how many incremental checkpoints (deltas)
	// follow a full one, with an engine that writes them (delta.go); 0:
	// every checkpoint is full.
	DeltasPerCheckpoint int
	// VersionRetention is how far behind the log's time (the last applied
	// entry's timestamp) the engine keeps old versions for snapshot reads
	// (default 10s; negative: forever). Every CollectEvery positions the
	// processor raises the engine's garbage-collection watermark to that
	// time, held below every prepared transaction, pending commit and
	// deferred operation (gc.go); reads below it are refused with
	// engines.CodeTooOld. Engines that are not engines.Collector keep
	// everything.
	VersionRetention time.Duration
	// CollectEvery is the number of positions between watermark raises
	// (default 1024): they happen at positions divisible by it, so a
	// replay collects at the same points.
	CollectEvery int
	// Sites switches the processor's code fault sites, asked at each use
	// (nil: every site off); see Sites.
	Sites func() Sites
}

// Sites are the processor's code fault sites (DESIGN.md, "Code faults").
type Sites struct {
	// TinyBatches asks termination's log reads for one entry at a time.
	TinyBatches bool
}

// logOf returns the address of the log node holding stream.
func (c *Config) logOf(stream string) wire.Address {
	if c.LogOf == nil {
		return c.Log
	}
	return c.LogOf(stream)
}

// readCountMax is how many entries one termination read asks for.
func (c *Config) readCountMax() int {
	if c.Sites != nil && c.Sites().TinyBatches {
		return 1
	}
	return c.ReadCountMax
}

// Outbound is a message the host must send.
type Outbound struct {
	To      wire.Address
	Message any
}

// Ready is what a step produced: a checkpoint to store (optional, since
// the log is the source of truth) and messages to send. Messages shares
// its array with the processor: it is valid until the next call of Start,
// Step or Tick, so the host sends (or copies) them before calling again.
type Ready struct {
	// Checkpoint is a full checkpoint, frozen (checkpoint.go): the host
	// writes its bytes (FrozenCheckpoint.WriteTo) in place of the previous
	// checkpoint and its chain of deltas.
	Checkpoint *FrozenCheckpoint
	// CheckpointDelta is an incremental checkpoint (delta.go): the host
	// appends it to the chain the last full checkpoint started
	// (RecoverChain reads it back).
	CheckpointDelta []byte
	Messages        []Outbound
}

// txnStatus is a transaction's state on this stream.
type txnStatus uint8

const (
	txnActive txnStatus = iota + 1
	txnPrepared
	txnCommitted
	txnAborted
)

var txnStatusNames = [...]string{txnActive: "active", txnPrepared: "prepared", txnCommitted: "committed", txnAborted: "aborted"}

func (s txnStatus) String() string { return txnStatusNames[s] }

// txnState is what the processor knows of one transaction. The processor
// remembers every transaction until its deadline, so the record is kept
// small (192 bytes): the fields only prepared or aborted transactions set
// are in extras, and the last reply leaves out what the record already
// says (the transaction, the stream).
type txnState struct {
	id            engines.TxnID
	deadlineNanos int64
	replyTo       wire.Address
	startPosition uint64
	// lastSequence is the highest operation sequence that started: ran,
	// or ran and is blocked (queued operations, waiting for their turn,
	// have higher sequences);
	// lastReply answers a retry of it. It is held by value (not by pointer)
	// so that answering an operation allocates nothing beyond the message.
	// Invariant: lastReply is meaningful iff hasLastReply.
	lastSequence uint32
	status       txnStatus
	hasLastReply bool
	// applied is set once the engine committed it. Invariant: applied
	// implies status committed.
	applied bool
	// expired marks a committed transaction whose deadline passed before
	// the engine applied it: it is forgotten once applied.
	expired   bool
	lastReply operationReply
	// Invariant: prepareTimestamp is set iff status is prepared or a
	// prepared transaction later committed or aborted.
	prepareTimestamp clock.Timestamp
	commitTimestamp  clock.Timestamp
	// extras is nil until the transaction is prepared or aborted.
	extras *txnExtras
}

// txnExtras holds what only some transactions need: a prepared one's
// participants and vote request, an aborted one's reason.
type txnExtras struct {
	participants []wire.Participant
	abortCode    engines.ErrorCode
	abortReason  string
	// voteRequest remembers the prepare request, to answer a retry.
	voteRequest wire.RequestID
}

// extrasForUpdate returns t's extras, allocating them the first time.
func (t *txnState) extrasForUpdate() *txnExtras {
	if t.extras == nil {
		t.extras = &txnExtras{}
	}
	return t.extras
}

func (t *txnState) participants() []wire.Participant {
	if t.extras == nil {
		return nil
	}
	return t.extras.participants
}

func (t *txnState) abortCode() engines.ErrorCode {
	if t.extras == nil {
		return ""
	}
	return t.extras.abortCode
}

func (t *txnState) abortReason() string {
	if t.extras == nil {
		return ""
	}
	return t.extras.abortReason
}

func (t *txnState) voteRequest() wire.RequestID {
	if t.extras == nil {
		return wire.RequestID{}
	}
	return t.extras.voteRequest
}

// operationReply is a wire.MsgOperationReply without the transaction and
// the stream, which its record and the processor hold.
type operationReply struct {
	Request   wire.RequestID
	Status    engines.Status
	Result    []byte
	Code      engines.ErrorCode
	Error     string
	Position  uint64
	Timestamp clock.Timestamp
}

func newOperationReply(m wire.MsgOperationReply) operationReply {
	return operationReply{Request: m.Request, Status: m.Status, Result: m.Result, Code: m.Code, Error: m.Error,
		Position: m.Position, Timestamp: m.Timestamp}
}

// message is the reply that r abbreviates, of transaction txn on stream.
func (r *operationReply) message(txn engines.TxnID, stream string) wire.MsgOperationReply {
	return wire.MsgOperationReply{Request: r.Request, Txn: txn, Stream: stream, Status: r.Status, Result: r.Result,
		Code: r.Code, Error: r.Error, Position: r.Position, Timestamp: r.Timestamp}
}

// txnRecordBlockLen is how many transaction records one allocation makes.
const txnRecordBlockLen = 64

// txnRecords hands out zeroed transaction records carved from blocks, one
// allocation per txnRecordBlockLen transactions instead of one each. A
// record is never handed out twice (there is no free list), so no record
// can be seen by two transactions; the price is that a block stays in
// memory while any of its records is still referenced.
type txnRecords struct {
	block []txnState
}

func (r *txnRecords) next() *txnState {
	if len(r.block) == 0 {
		r.block = make([]txnState, txnRecordBlockLen)
	}
	t := &r.block[0]
	r.block = r.block[1:]
	return t
}

func (t *txnState) finished() bool { return t.status == txnCommitted || t.status == txnAborted }

// settled reports whether the engine has applied the transaction's outcome
// (a commit may be decided before the engine applies it; see
// applyPendingCommits).
func (t *txnState) settled() bool {
	return t.status == txnAborted || (t.status == txnCommitted && t.applied)
}

// deferredOperation is a blocked operation waiting for its blockers.
type deferredOperation struct {
	entry    wire.Entry
	position uint64
	stamp    clock.Timestamp // the log timestamp of its entry
	blockers []engines.TxnID
	waitFor  engines.WaitFor
}

// Processor applies one stream's entries to one engine. It is a step
// machine: the host feeds it entries, requests and ticks, and sends what
// each step returns. Not safe for concurrent use.
type Processor struct {
	config Config
	engine engines.Engine

	// Durable-by-derivation state: a pure function of the log prefix up to
	// appliedPosition. Checkpoints hold exactly this (and the engine).
	appliedPosition    uint64
	appliedTimestamp   clock.Timestamp
	maxCommitTimestamp clock.Timestamp
	// maxPrepareTimestamp makes prepare timestamps unique on the stream.
	maxPrepareTimestamp clock.Timestamp
	txns                map[engines.TxnID]*txnState
	// txnRecords allocates the records of txns.
	txnRecords txnRecords
	// pendingCommits are decided commits the engine has not applied yet,
	// sorted by commit timestamp. Invariant: each is a txnCommitted with
	// applied false.
	pendingCommits []*txnState
	// preparedSet holds the transactions in status prepared.
	preparedSet map[engines.TxnID]*txnState
	// deadlines orders every remembered transaction by deadline (derived:
	// rebuilt from txns on recovery).
	deadlines deadlineQueue
	// streamNode is the node id stamped on derived timestamps.
	streamNode uint32
	// watermark is the engine's garbage-collection watermark: snapshot
	// reads below it are refused (gc.go). A function of the log prefix.
	watermark clock.Timestamp
	// Invariant: deferred is sorted by transaction age (oldest first),
	// then by sequence; a transaction's blocked operation, if any, is its
	// first (deferral.go).
	deferred []*deferredOperation

	// Soft state, rebuilt after a restart.
	reads           []*pendingRead
	terminations    map[engines.TxnID]*termination
	sinceCheckpoint int
	// checkpointsHeld postpones the checkpoints that come due
	// (HoldCheckpoints).
	checkpointsHeld bool
	// chain is where the chain of incremental checkpoints stands.
	chain checkpointChain
	// subscribedFrom is the position the last subscription asked from.
	subscribedFrom uint64
	// now is the timestamp of the entry being applied.
	now                clock.Timestamp
	positionAtLastTick uint64
	// out collects the step's messages. Its array is reused from step to
	// step: Ready.Messages is valid until the next call into the processor.
	out []Outbound
}

// New returns a processor for an empty stream over a new engine.
func New(config Config, engine engines.Engine) *Processor {
	if config.CheckpointEvery <= 0 {
		config.CheckpointEvery = 256
	}
	if config.ReadCountMax <= 0 {
		config.ReadCountMax = 256
	}
	if config.VersionRetention == 0 {
		config.VersionRetention = versionRetentionDefault
	}
	if config.CollectEvery <= 0 {
		config.CollectEvery = collectEveryDefault
	}
	h := fnv.New32a()
	h.Write([]byte(config.Stream))
	return &Processor{
		streamNode:   h.Sum32() | 1<<31,
		config:       config,
		engine:       engine,
		txns:         map[engines.TxnID]*txnState{},
		preparedSet:  map[engines.TxnID]*txnState{},
		terminations: map[engines.TxnID]*termination{},
	}
}

// Start returns the messages a (re)started processor sends: a subscription
// to its stream from the first entry it has not applied.
func (p *Processor) Start() Ready {
	p.subscribe()
	return p.ready()
}

// AppliedPosition returns the position of the last applied entry.
func (p *Processor) AppliedPosition() uint64 { return p.appliedPosition }

// AppliedTimestamp returns the timestamp of the last applied entry.
func (p *Processor) AppliedTimestamp() clock.Timestamp { return p.appliedTimestamp }

// Engine returns the engine, for inspection by tests and checkers.
func (p *Processor) Engine() engines.Engine { return p.engine }

// Status summarizes what is in flight, for liveness checks: after healing
// and a quiet period everything but Engine.Held may be zero only if no
// transaction is left unresolved.
type Status struct {
	Active, Prepared, PendingCommits, Deferred, PendingReads, Terminations int
	Held                                                                   engines.Held
}

// Status reports what is in flight.
func (p *Processor) Status() Status {
	s := Status{Deferred: len(p.deferred), PendingReads: len(p.reads), Terminations: len(p.terminations),
		PendingCommits: len(p.pendingCommits), Held: p.engine.Held()}
	for _, t := range p.txns { //proven:allow map-order: counting does not depend on the order
		switch t.status {
		case txnActive:
			s.Active++
		case txnPrepared:
			s.Prepared++
		}
	}
	return s
}

// Step handles one message from the log service or a coordinator.
func (p *Processor) Step(from wire.Address, message any) Ready {
	switch m := message.(type) {
	case wire.MsgEntries:
		return p.receiveEntries(m)
	case wire.MsgSnapshotRead:
		p.receiveRead(m)
	case wire.MsgReadLogReply:
		p.receiveLogRead(m)
	case wire.MsgAppendReply:
		// Acknowledges a resolve append; the entry itself arrives through
		// the subscription.
	}
	return p.ready()
}

// Tick is called by the host periodically (every few log tick intervals):
// it re-subscribes when no entry arrived since the last tick (a lost
// subscription or message) and re-sends termination reads and appends.
func (p *Processor) Tick() Ready {
	if p.appliedPosition == p.positionAtLastTick {
		p.subscribe()
	}
	p.positionAtLastTick = p.appliedPosition
	p.retryTerminations()
	return p.ready()
}

func (p *Processor) subscribe() {
	p.subscribedFrom = p.appliedPosition + 1
	p.send(p.config.logOf(p.config.Stream), wire.MsgSubscribe{Stream: p.config.Stream, From: p.appliedPosition + 1,
		Subscriber: p.config.Self})
}

func (p *Processor) send(to wire.Address, message any) {
	p.out = append(p.out, Outbound{To: to, Message: message})
}

// ready hands the step's messages to the host and keeps their array for
// the next step (the host sends them before calling again; see Ready).
func (p *Processor) ready() Ready {
	var r Ready
	if len(p.out) > 0 {
		r.Messages = p.out
	}
	if cap(p.out) > outboundReuseMax {
		p.out = nil // a rare burst: do not keep its array (and messages) alive
	} else {
		p.out = p.out[:0]
	}
	return r
}

// outboundReuseMax bounds the message array kept from step to step.
const outboundReuseMax = 1024

// receiveEntries applies the consecutive new entries of a push. A gap
// (a lost message) stops it and asks for the missing entries again.
func (p *Processor) receiveEntries(m wire.MsgEntries) Ready {
	if m.Stream != p.config.Stream {
		return p.ready()
	}
	var taken Ready // the checkpoint due, if any
	for _, entry := range m.Entries {
		if entry.Position <= p.appliedPosition {
			continue // a duplicate
		}
		if entry.Position != p.appliedPosition+1 {
			p.resubscribeAfterGap()
			break
		}
		p.apply(entry)
		p.sinceCheckpoint++
		if p.sinceCheckpoint >= p.config.CheckpointEvery && !p.checkpointsHeld {
			p.sinceCheckpoint = 0
			if taken.Checkpoint != nil || taken.CheckpointDelta != nil {
				// Two checkpoints in one push: the host stores only the last,
				// so it must not follow the first: it is full.
				p.chain = checkpointChain{}
			}
			taken = p.takeCheckpoint()
		}
	}
	ready := p.ready()
	ready.Checkpoint, ready.CheckpointDelta = taken.Checkpoint, taken.CheckpointDelta
	return ready
}

// resubscribeAfterGap asks for the entries after the applied one again,
// unless it already asked from there: one subscription's entries arrive
// in many messages, in any order, and asking again at each gap would
// make the log push them all again each time (a storm under reordering
// with small batches: the tiny-batch site found it). A lost request is
// asked again by Tick, which subscribes when nothing was applied.
func (p *Processor) resubscribeAfterGap() {
	if p.subscribedFrom == p.appliedPosition+1 {
		return
	}
	p.subscribe()
}

// sortedTxns returns the transactions in age order, for deterministic scans.
func (p *Processor) sortedTxns() []*txnState {
	list := make([]*txnState, 0, len(p.txns))
	for _, id := range sortedKeys(p.txns) {
		list = append(list, p.txns[id])
	}
	return list
}

func sortedKeys[V any](m map[engines.TxnID]V) []engines.TxnID {
	return slices.SortedFunc(maps.Keys(m), engines.TxnID.Compare)
}

// requestFor derives a deterministic request id for an append this
// processor makes on behalf of a transaction (a resolve), so that two
// copies of the processor send the same id and the log deduplicates them.
func (p *Processor) requestFor(txn engines.TxnID) wire.RequestID {
	h := fnv.New64a()
	h.Write([]byte(p.config.Stream))
	origin := h.Sum64() | 1<<63
	h.Write(txn.AppendKey(nil))
	return wire.RequestID{Origin: origin, Sequence: h.Sum64()}
}
