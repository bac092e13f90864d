// Package sessions hosts coordinators on goroutines: a pool of sessions,
// each an address whose replies land in its mailbox, a request origin of
// its own and a coordinator (coordinator.Host over real time), and the
// hybrid logical clock they share. The embedded runtime (package live)
// and the JetStream nodes (module jetstream) both run their transactions
// on it, so the real-time host of the coordinator's step machines exists
// once.
package sessions

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/wire"
)

// Clock is the one hybrid logical clock of a process's transactions:
// transaction ids and snapshots come from it, and every reply's timestamp
// advances it, so a transaction follows everything any transaction of the
// process saw. Its lock is held for a few instructions.
type Clock struct {
	mutex sync.Mutex
	hlc   *clock.HLC
	// observed is the newest timestamp received: at or after every commit
	// the process saw acknowledged, and itself a time some stream reached.
	observed clock.Timestamp
}

// NewClock returns a clock over hlc.
func NewClock(hlc *clock.HLC) *Clock { return &Clock{hlc: hlc} }

// Now returns a new timestamp.
func (c *Clock) Now() clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.hlc.Now()
}

// Update folds in a received timestamp and returns a new one after it.
func (c *Clock) Update(received clock.Timestamp) clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.observed = c.observed.Max(received)
	return c.hlc.Update(received)
}

// Observe folds in a received timestamp without producing one.
func (c *Clock) Observe(received clock.Timestamp) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.observed = c.observed.Max(received)
	c.hlc.Restore(received)
}

// Observed returns the newest timestamp received.
func (c *Clock) Observed() clock.Timestamp {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.observed
}

const (
	// mailboxLen bounds the replies waiting for one session; beyond it a
	// reply is dropped (and its request sent again).
	mailboxLen = 256
	// coordinatorReuseMax is how many transactions a session's
	// coordinator runs before the session starts a fresh one: a
	// coordinator remembers the abort notices of transactions that ended
	// before the notice came, and a fresh one forgets them.
	coordinatorReuseMax = 4096
)

// Config describes a pool.
type Config struct {
	// Max is how many sessions the pool creates at most.
	Max int
	// Address and Origin give a session's address and request origin
	// from its slot (0 to Max-1); both must be unique to the slot.
	Address func(slot int) wire.Address
	Origin  func(slot int) uint64
	// Send sends a session's message (it must not block for long).
	Send func(from, to wire.Address, message any)
	// Coordinator returns the configuration of a slot's coordinator; the
	// pool sets its Requests.
	Coordinator func(slot int) coordinator.Config
	// Closed is what Acquire returns once the pool is closed.
	Closed error
}

// Pool hands sessions out, creating up to Config.Max of them, and routes
// replies to them by slot. It takes no lock: idle sessions wait in a
// channel, and the table of sessions is a fixed array of atomic pointers.
type Pool struct {
	config  Config
	table   []atomic.Pointer[Session]
	created atomic.Int64
	idle    chan *Session
	closing chan struct{}
	closed  sync.Once
}

// NewPool returns an empty pool.
func NewPool(config Config) *Pool {
	return &Pool{config: config, table: make([]atomic.Pointer[Session], config.Max),
		idle: make(chan *Session, config.Max), closing: make(chan struct{})}
}

// Acquire returns an idle session, a new one while fewer than the maximum
// exist, or waits for one to be released (or for ctx, or Close).
func (p *Pool) Acquire(ctx context.Context) (*Session, error) {
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
		return nil, p.config.Closed
	}
}

func (p *Pool) newSession(slot int) *Session {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	s := &Session{pool: p, slot: slot, address: p.config.Address(slot), mailbox: make(chan envelope, mailboxLen),
		timer: timer, requests: coordinator.Requests{Origin: p.config.Origin(slot)}}
	p.table[slot].Store(s)
	return s
}

// Release returns a session to the pool.
func (p *Pool) Release(s *Session) { p.idle <- s } // never blocks: it holds every session

// Close makes waiting and later Acquires return Config.Closed.
func (p *Pool) Close() { p.closed.Do(func() { close(p.closing) }) }

// Deliver puts a reply in a session's mailbox without blocking; it
// reports false when the mailbox is full (the reply is dropped) and true
// otherwise, also when the session does not exist (a reply to nobody:
// nothing is lost).
func (p *Pool) Deliver(slot int, from wire.Address, message any) bool {
	if slot < 0 || slot >= len(p.table) {
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

// envelope is a message in a mailbox.
type envelope struct {
	from    wire.Address
	message any
}

// Session is a coordinator's host. One transaction (or one call of a
// read-only transaction or ad-hoc executor) uses it at a time; the pool
// hands it out.
type Session struct {
	pool     *Pool
	slot     int
	address  wire.Address
	requests coordinator.Requests
	mailbox  chan envelope
	timer    *time.Timer
	// coordinator drives the session's transactions; uses counts them.
	coordinator *coordinator.Coordinator
	uses        int
}

var _ coordinator.Host = (*Session)(nil)

// Self returns the session's address.
func (s *Session) Self() wire.Address { return s.address }

// Now reads the wall clock, in nanoseconds.
func (s *Session) Now() int64 { return clock.Real{}.Now() }

// Send sends a message from the session.
func (s *Session) Send(to wire.Address, message any) error {
	s.pool.config.Send(s.address, to, message)
	return nil
}

// Receive waits up to timeout for the next reply.
func (s *Session) Receive(timeout time.Duration) (wire.Address, any, bool) {
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

// Coordinator returns the coordinator to run the next transaction on.
func (s *Session) Coordinator() *coordinator.Coordinator {
	if s.coordinator == nil || s.uses >= coordinatorReuseMax {
		config := s.pool.config.Coordinator(s.slot)
		config.Requests = &s.requests
		c, err := coordinator.New(s, config)
		if err != nil {
			panic(err) // the pool's users give valid configurations
		}
		s.coordinator, s.uses = c, 0
	}
	s.uses++
	return s.coordinator
}
