package node

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
)

// processorInboxMax bounds the messages waiting for one processor; beyond
// it a message is dropped (its sender retries; a dropped push of entries
// is a gap the processor asks for again).
const processorInboxMax = 1 << 16

// processorHost runs one stream's processor on a goroutine while this
// node holds the stream's lease: it steps the processor with every
// message waiting, ticks it, appends tick entries to the stream when its
// log is idle, and routes what the processor sends — only while the lease
// is valid (fencing: a host whose lease lapsed, or was taken, stops
// before it answers anything).
type processorHost struct {
	node      *Node
	stream    string
	address   wire.Address
	processor *processor.Processor
	lease     *lease
	// subscription receives the coordinators' snapshot reads.
	subscription *nats.Subscription

	mutex   sync.Mutex
	inbox   []envelope
	spare   []envelope
	stopped bool

	wake chan struct{}
	stop chan struct{}
	done chan struct{}

	// Owned by the goroutine: when the last tick entry was published.
	tickSentNanos int64
}

func newProcessorHost(n *Node, stream string, p *processor.Processor, held *lease) *processorHost {
	return &processorHost{node: n, stream: stream, address: processorAddress(stream), processor: p, lease: held,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// start subscribes to the processor's subject and to its log, and starts
// the goroutine.
func (h *processorHost) start() error {
	subscription, err := h.node.nc.Subscribe(h.node.subjects.processor(h.stream), h.receive)
	if err != nil {
		return err
	}
	h.subscription = subscription
	go h.run()
	return nil
}

// receive is the subject's handler: coordinators' snapshot reads.
func (h *processorHost) receive(msg *nats.Msg) {
	from, _, message, err := decodeEnvelope(msg.Data)
	if err != nil {
		h.node.config.Logger.Debug("node: dropped a message", "stream", h.stream, "error", err)
		return
	}
	h.deliver(from, message)
}

// deliver queues a message without blocking; false when dropped.
func (h *processorHost) deliver(from wire.Address, message any) bool {
	h.mutex.Lock()
	if h.stopped || len(h.inbox) >= processorInboxMax {
		h.mutex.Unlock()
		return false
	}
	h.inbox = append(h.inbox, envelope{from: from, message: message})
	h.mutex.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return true
}

func (h *processorHost) run() {
	defer close(h.done)
	processorTicker := time.NewTicker(h.node.config.ProcessorTick)
	defer processorTicker.Stop()
	logTicker := time.NewTicker(h.node.config.TickInterval)
	defer logTicker.Stop()
	h.route(h.processor.Start())
	for {
		select {
		case <-h.wake:
			h.batch()
		case <-processorTicker.C:
			h.route(h.processor.Tick())
		case <-logTicker.C:
			h.tickIfIdle()
		case <-h.stop:
			return
		}
	}
}

// batch steps the processor with every waiting message.
func (h *processorHost) batch() {
	h.mutex.Lock()
	items := h.inbox
	h.inbox, h.spare = h.spare[:0], nil
	h.mutex.Unlock()
	for _, item := range items {
		if read, ok := item.message.(wire.MsgSnapshotRead); ok {
			h.nudge(read)
		}
		h.route(h.processor.Step(item.from, item.message))
	}
	clear(items)
	h.mutex.Lock()
	if h.spare == nil {
		h.spare = items[:0]
	}
	h.mutex.Unlock()
}

// tickIfIdle appends a tick entry when the stream's log has been idle for
// a tick interval, so that its time (deadlines, snapshot reads,
// terminations) advances. Ticks carry no request id: they are never
// retried, and two hosts ticking one stream for a moment is harmless.
func (h *processorHost) tickIfIdle() {
	now := time.Now().UnixNano()
	interval := int64(h.node.config.TickInterval)
	if now-h.processor.AppliedTimestamp().WallNanos < interval || now-h.tickSentNanos < interval {
		return
	}
	h.sendTick(now)
}

// nudge appends a tick at once when a snapshot read arrives that the log
// has not reached, instead of waiting for the next idle tick.
func (h *processorHost) nudge(read wire.MsgSnapshotRead) {
	now := time.Now().UnixNano()
	if !h.processor.AppliedTimestamp().Less(read.Snapshot) || now-h.tickSentNanos < int64(time.Millisecond) {
		return
	}
	h.sendTick(now)
}

func (h *processorHost) sendTick(now int64) {
	if !h.lease.valid(now) {
		return
	}
	h.tickSentNanos = now
	if err := h.node.log.Tick(h.stream); err != nil {
		h.node.config.Logger.Debug("node: tick", "stream", h.stream, "error", err)
	}
}

// route sends what the processor asked, only while the lease is valid.
// The processor's state stays a function of the log prefix it applied,
// so a host that was fenced keeps it and resumes from it if the lease
// comes back; what it would have said meanwhile, a new holder says
// when it applies the same entries.
func (h *processorHost) route(ready processor.Ready) {
	if len(ready.Messages) == 0 {
		return
	}
	if !h.lease.valid(time.Now().UnixNano()) {
		h.node.fenced(h.stream)
		return
	}
	for _, out := range ready.Messages {
		h.node.send(h.address, out.To, out.Message)
	}
}

// close stops the goroutine and the subscriptions; the processor is
// left as it is, for a later host.
func (h *processorHost) close() {
	h.mutex.Lock()
	h.stopped = true
	h.inbox = nil
	h.mutex.Unlock()
	if h.subscription != nil {
		_ = h.subscription.Unsubscribe()
	}
	close(h.stop)
	<-h.done
	h.node.log.Unsubscribe(h.stream, h.address)
}

// envelope is a message waiting in a processor's inbox.
type envelope struct {
	from    wire.Address
	message any
}
