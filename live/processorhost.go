package live

import (
	"fmt"
	"sync"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
)

// processorInboxMax bounds the messages waiting for one processor; beyond
// it a message is dropped (its sender retries; a dropped push of entries
// is a gap the processor asks for again).
const processorInboxMax = 1 << 16

// tickPayload is an EntryTick: a processor host appends one when a
// snapshot read waits for an idle stream's log to pass its snapshot.
var tickPayload = wire.Entry{Kind: wire.EntryTick}.Encode()

// processorItem is one inbox entry: a message, or a function to run on
// the host's goroutine with the processor (the janitor's questions).
type processorItem struct {
	from    wire.Address
	message any
	control func(*processor.Processor)
}

// processorHost runs one stream's processor on a goroutine: it steps it
// with every message waiting, ticks it, writes the checkpoints it asks
// for and routes what it sends. Only the goroutine touches the processor.
type processorHost struct {
	db          *DB
	stream      *streamRuntime
	address     wire.Address
	processor   *processor.Processor
	checkpoints *checkpointer

	// state guards the processor: the goroutine holds it while it steps,
	// ticks or answers a query; a point read on the caller's goroutine
	// (readNow) holds it for one engine read.
	state sync.Mutex

	mutex   sync.Mutex
	inbox   []processorItem
	spare   []processorItem
	stopped bool

	wake chan struct{} // capacity 1: "the inbox is not empty"
	stop chan struct{}
	done chan struct{}

	// Owned by the goroutine.
	checkpointPosition uint64 // of the last checkpoint written
	nudging            bool   // a tick append is on its way
	nudgePosition      uint64 // the applied position when it was sent
	nudgeSequence      uint64
	// err is why the goroutine stopped early (a checkpoint write failed).
	err error
}

func newProcessorHost(db *DB, stream *streamRuntime, p *processor.Processor, checkpointPosition uint64) *processorHost {
	return &processorHost{db: db, stream: stream, address: processorAddress(stream.index), processor: p,
		checkpoints: newCheckpointer(db, stream), checkpointPosition: checkpointPosition,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// start subscribes the processor to its log and starts the goroutine.
func (h *processorHost) start() {
	h.checkpoints.start()
	h.route(h.processor.Start())
	go h.run()
}

// deliver queues a message; it never blocks. It reports false when the
// message was dropped (the inbox is full, or the host stopped).
func (h *processorHost) deliver(from wire.Address, message any) bool {
	return h.enqueue(processorItem{from: from, message: message})
}

// query runs fn on the host's goroutine and waits for it; false when the
// host stopped first.
func (h *processorHost) query(fn func(*processor.Processor)) bool {
	finished := make(chan struct{})
	if !h.enqueue(processorItem{control: func(p *processor.Processor) {
		fn(p)
		close(finished)
	}}) {
		return false
	}
	select {
	case <-finished:
		return true
	case <-h.done:
		return false
	}
}

func (h *processorHost) enqueue(item processorItem) bool {
	h.mutex.Lock()
	if h.stopped || len(h.inbox) >= processorInboxMax {
		h.mutex.Unlock()
		return false
	}
	h.inbox = append(h.inbox, item)
	h.mutex.Unlock()
	select {
	case h.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

func (h *processorHost) run() {
	defer close(h.done)
	ticker := time.NewTicker(h.db.options.processorTick)
	defer ticker.Stop()
	for h.err == nil {
		select {
		case <-h.wake:
			h.batch()
		case <-ticker.C:
			h.state.Lock()
			ready := h.processor.Tick()
			h.state.Unlock()
			h.route(ready)
		case <-h.stop:
			h.finish()
			return
		}
	}
	h.refuseAll()
	h.checkpoints.close()
	h.db.fail(h.err)
}

// batch steps the processor with every waiting message.
func (h *processorHost) batch() {
	h.mutex.Lock()
	items := h.inbox
	h.inbox, h.spare = h.spare[:0], nil
	h.mutex.Unlock()
	for i := range items {
		if h.err != nil {
			break
		}
		h.state.Lock()
		if items[i].control != nil {
			items[i].control(h.processor)
			h.state.Unlock()
			continue
		}
		h.nudge(items[i].message)
		h.processor.HoldCheckpoints(h.checkpoints.writing.Load())
		ready := h.processor.Step(items[i].from, items[i].message)
		h.state.Unlock()
		h.route(ready)
	}
	if h.nudging && h.processor.AppliedPosition() > h.nudgePosition {
		h.nudging = false
	}
	clear(items)
	h.mutex.Lock()
	if h.spare == nil {
		h.spare = items[:0]
	}
	h.mutex.Unlock()
}

// readNow serves a snapshot read on the caller's goroutine when the
// processor can answer it at once (processor.ReadNow: its log passed the
// snapshot, and no undecided prepared write is in the way), sparing the
// two hand-offs between goroutines of a read through the processor's
// inbox. ok is false when the read must wait: the caller sends it then.
// It returns the processor's applied timestamp, as a reply would carry.
func (h *processorHost) readNow(operation []byte, snapshot clock.Timestamp) (result []byte,
	applied clock.Timestamp, ok bool, err error) {
	h.state.Lock()
	outcome := h.processor.ReadNow(operation, snapshot)
	applied = h.processor.AppliedTimestamp()
	h.state.Unlock()
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, applied, true, nil
	case engines.StatusFailed:
		refusal := engines.AsRefusal(outcome.Err)
		return nil, applied, true, &engines.Refusal{Code: refusal.Code, Message: refusal.Message}
	}
	return nil, applied, false, nil
}

// nudge appends a tick to the stream's log when a snapshot read arrives
// that the log has not passed: the read is served once the processor
// applies an entry at or after its snapshot, and an idle log would make it
// wait for the log service's next tick.
func (h *processorHost) nudge(message any) {
	read, ok := message.(wire.MsgSnapshotRead)
	if !ok || h.nudging || !h.processor.AppliedTimestamp().Less(read.Snapshot) {
		return
	}
	h.nudging, h.nudgePosition = true, h.processor.AppliedPosition()
	h.nudgeSequence++
	request := wire.RequestID{Origin: origin(h.db.epoch, nudgeSlotBase+h.stream.index), Sequence: h.nudgeSequence}
	_ = h.stream.log.Send(h.address, wire.MsgAppend{Request: request, ReplyTo: h.address,
		Stream: h.stream.spec.Name, Payload: tickPayload, Unacknowledged: true})
}

// route hands the checkpoint a step asks for to the checkpointer, then
// sends its messages. The checkpoint comes frozen: the checkpointer
// encodes it as it writes it, on its own goroutine, while the processor
// goes on. (The runtime asks for no deltas: Config.DeltasPerCheckpoint is
// 0.)
func (h *processorHost) route(ready processor.Ready) {
	if ready.Checkpoint != nil {
		if h.err = h.writeCheckpoint(ready.Checkpoint); h.err != nil {
			return
		}
	}
	for _, out := range ready.Messages {
		h.db.router.send(h.address, out.To, out.Message)
	}
}

// writeCheckpoint hands a checkpoint to the stream's checkpointer (which
// writes it, then tells the janitor), unless the store has failed.
func (h *processorHost) writeCheckpoint(checkpoint *processor.FrozenCheckpoint) error {
	if err := h.db.Err(); err != nil {
		return err
	}
	if h.checkpoints.offer(checkpoint) {
		h.checkpointPosition = checkpoint.Position
	}
	return nil
}

// finish waits for the checkpoint being written, then writes a last one
// when the processor applied entries since, so that the next Open
// replays little.
func (h *processorHost) finish() {
	h.refuseAll()
	h.checkpoints.close()
	if h.db.Err() != nil || h.processor.AppliedPosition() <= h.checkpointPosition {
		return
	}
	if _, err := h.stream.store.WriteCheckpointFrom(h.processor.AppliedPosition(), h.processor.FreezeCheckpoint()); err != nil {
		h.err = fmt.Errorf("%w: stream %q: writing the last checkpoint: %w", ErrFailed, h.stream.spec.Name, err)
	}
}

// refuseAll stops the inbox: later messages and queries are refused.
func (h *processorHost) refuseAll() {
	h.mutex.Lock()
	defer h.mutex.Unlock()
	h.stopped = true
	h.inbox = nil
}

// close stops the goroutine and returns why it stopped early, if it did.
func (h *processorHost) close() error {
	close(h.stop)
	<-h.done
	return h.err
}
