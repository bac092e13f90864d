package live

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/wire"
)

// sharedClock is the one hybrid logical clock of a store's
// transactions: transaction ids and snapshots come from it, and every
// reply's timestamp advances it, so a transaction follows everything any
// transaction of this process saw (a goroutine that learns of another's
// commit reads it). Its lock is held for a few instructions.
type sharedClock struct {
	mutex sync.Mutex
	hlc   *clock.HLC
	// observed is the newest timestamp received (from a reply, or a log's
	// head at Open): at or after every commit any transaction of this
	// process saw acknowledged, and itself a time some stream reached.
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

// mailboxLen bounds the replies waiting for one session; beyond it a
// reply is dropped (and its request sent again).
const mailboxLen = 256

// coordinatorReuseMax is how many transactions a session's coordinator
// runs before the session starts a fresh one: a coordinator remembers the
// abort notices of transactions that ended before the notice came, and a
// fresh one forgets them.
const coordinatorReuseMax = 4096

// envelope is a message in a mailbox.
type envelope struct {
	from    wire.Address
	message any
}

// session is a coordinator's host: an address whose replies land in its
// mailbox, and a request origin of its own. One transaction (or one call
// of a read-only transaction or ad-hoc executor) uses it at a time; the
// pool hands it out.
type session struct {
	index    int
	address  wire.Address
	requests coordinator.Requests
	mailbox  chan envelope
	timer    *time.Timer
	db       *DB
	// coordinator drives the session's transactions; uses counts them.
	coordinator *coordinator.Coordinator
	uses        int
}

var _ coordinator.Host = (*session)(nil)

func (s *session) Self() wire.Address { return s.address }

func (s *session) Now() int64 { return clock.Real{}.Now() }

func (s *session) Send(to wire.Address, message any) error {
	s.db.router.send(s.address, to, message)
	return nil
}

// Receive waits up to timeout for the next reply.
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
		options := s.db.options
		c, err := coordinator.New(s, coordinator.Config{ID: uint32(s.index + 1), Log: logAddress,
			Processor: s.db.processorOf, RetryInterval: options.RetryInterval, ReadTimeout: options.ReadTimeout,
			Timestamps: s.db.clock, Requests: &s.requests})
		if err != nil {
			panic(err) // the config above is always valid
		}
		s.coordinator, s.uses = c, 0
	}
	s.uses++
	return s.coordinator
}

// sessionPool hands sessions out, creating up to TransactionsMax of them,
// and routes replies to them by index. It takes no lock: idle sessions
// wait in a channel, and the table of sessions is a fixed array of
// atomic pointers.
type sessionPool struct {
	db      *DB
	table   []atomic.Pointer[session]
	created atomic.Int64
	idle    chan *session
	// closing is closed by Close: waiting acquires give up.
	closing chan struct{}
}

func newSessionPool(db *DB, sessionsMax int) *sessionPool {
	return &sessionPool{db: db, table: make([]atomic.Pointer[session], sessionsMax),
		idle: make(chan *session, sessionsMax), closing: make(chan struct{})}
}

// acquire returns an idle session, a new one while fewer than the maximum
// exist, or waits for one to be released.
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

func (p *sessionPool) newSession(index int) *session {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	s := &session{index: index, address: sessionAddress(index), mailbox: make(chan envelope, mailboxLen),
		timer: timer, db: p.db, requests: coordinator.Requests{Origin: origin(p.db.epoch, index)}}
	p.table[index].Store(s)
	return s
}

// release returns a session to the pool.
func (p *sessionPool) release(s *session) { p.idle <- s } // never blocks: it holds every session

// deliver puts a reply in a session's mailbox; it reports false when the
// mailbox is full (the reply is dropped) or the session does not exist
// (a reply to nobody: nothing is lost).
func (p *sessionPool) deliver(index int, from wire.Address, message any) bool {
	if index >= len(p.table) {
		return true
	}
	s := p.table[index].Load()
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
