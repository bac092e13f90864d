package node

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/wire"
)

// sharedClock is the node's one hybrid logical clock: transaction ids
// and snapshots come from it and every reply's timestamp advances it. Its
// HLC node is the node's incarnation (with the top bit set, above every
// stream's timestamp node), so two processes never issue one
// transaction id.
type sharedClock struct {
	mutex sync.Mutex
	hlc   *clock.HLC
	// observed is the newest timestamp received: at or after every commit
	// this node saw acknowledged, and a time some stream reached.
	observed clock.Timestamp
}

func (c *sharedClock) Now() clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.hlc.Now()
}

func (c *sharedClock) Update(received clock.Timestamp) clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.observed = c.observed.Max(received)
	return c.hlc.Update(received)
}

// Observe folds in a received timestamp without producing one.
func (c *sharedClock) Observe(received clock.Timestamp) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.observed = c.observed.Max(received)
	c.hlc.Restore(received)
}

// Observed returns the newest timestamp received.
func (c *sharedClock) Observed() clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.observed
}

const (
	// mailboxLen bounds the replies waiting for one session; beyond it a
	// reply is dropped (and its request sent again).
	mailboxLen = 256
	// coordinatorReuseMax: a session starts a fresh coordinator after this
	// many transactions (a coordinator remembers abort notices).
	coordinatorReuseMax = 4096
)

type envelope struct {
	from    wire.Address
	message any
}

// session is a coordinator's host: an address whose replies land in its
// mailbox, and a request origin of its own (the node's incarnation above
// the slot, so origins never repeat across processes and restarts).
type session struct {
	node        *Node
	slot        int
	address     wire.Address
	requests    coordinator.Requests
	mailbox     chan envelope
	timer       *time.Timer
	coordinator *coordinator.Coordinator
	uses        int
}

var _ coordinator.Host = (*session)(nil)

func (s *session) Self() wire.Address { return s.address }

func (s *session) Now() int64 { return clock.Real{}.Now() }

func (s *session) Send(to wire.Address, message any) error {
	s.node.send(s.address, to, message)
	return nil
}

func (s *session) Receive(timeout time.Duration) (wire.Address, any, bool) {
	select {
	case e := <-s.mailbox:
		return e.from, e.message, true
	default:
	}
	if timeout <= 0 {
		return 0, nil, false
	}
	s.timer.Reset(timeout)
	defer s.timer.Stop()
	select {
	case e := <-s.mailbox:
		return e.from, e.message, true
	case <-s.timer.C:
		return 0, nil, false
	}
}

// coordinatorFor returns the coordinator to run the next transaction on.
func (s *session) coordinatorFor() *coordinator.Coordinator {
	if s.coordinator == nil || s.uses >= coordinatorReuseMax {
		config := s.node.config
		c, err := coordinator.New(s, coordinator.Config{ID: uint32(s.slot + 1), Log: logAddress,
			Processor: processorAddress, RetryInterval: config.RetryInterval, ReadTimeout: config.ReadTimeout,
			Timestamps: s.node.clock, Requests: &s.requests, Predictor: s.node.predictor})
		if err != nil {
			panic(err) // the config above is always valid
		}
		s.coordinator, s.uses = c, 0
	}
	s.uses++
	return s.coordinator
}

// sessionPool hands sessions out, up to SessionsMax of them, and routes
// replies to them by slot.
type sessionPool struct {
	node    *Node
	table   []atomic.Pointer[session]
	created atomic.Int64
	idle    chan *session
	closing chan struct{}
}

func newSessionPool(n *Node, sessionsMax int) *sessionPool {
	return &sessionPool{node: n, table: make([]atomic.Pointer[session], sessionsMax),
		idle: make(chan *session, sessionsMax), closing: make(chan struct{})}
}

// acquire returns an idle session, a new one while fewer than the maximum
// exist, or waits for one.
func (p *sessionPool) acquire(ctx context.Context) (*session, error) {
	select {
	case s := <-p.idle:
		return s, nil
	default:
	}
	for {
		created := p.created.Load()
		if created >= int64(len(p.table)) {
			break
		}
		if p.created.CompareAndSwap(created, created+1) {
			return p.newSession(int(created)), nil
		}
	}
	select {
	case s := <-p.idle:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closing:
		return nil, ErrClosed
	}
}

func (p *sessionPool) newSession(slot int) *session {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	incarnation := p.node.incarnation
	s := &session{node: p.node, slot: slot, address: sessionAddress(incarnation, slot),
		mailbox: make(chan envelope, mailboxLen), timer: timer,
		requests: coordinator.Requests{Origin: incarnation<<slotBits | uint64(slot)}}
	p.table[slot].Store(s)
	return s
}

func (p *sessionPool) release(s *session) { p.idle <- s } // never blocks: it holds every session

// deliver puts a reply in a session's mailbox without blocking; false
// when it was dropped.
func (p *sessionPool) deliver(slot int, from wire.Address, message any) bool {
	if slot >= len(p.table) {
		return true
	}
	s := p.table[slot].Load()
	if s == nil {
		return true
	}
	select {
	case s.mailbox <- envelope{from: from, message: message}:
		return true
	default:
		return false
	}
}
