package loghost

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/filelog"
)

var (
	// ErrClosed: the host was closed.
	ErrClosed = errors.New("loghost: closed")
	// ErrInboxFull: the message was dropped because InboxMax messages are
	// waiting; the sender retries it as it would a lost message.
	ErrInboxFull = errors.New("loghost: inbox full")
	// ErrWrongStream: the message names another stream than the host's.
	ErrWrongStream = errors.New("loghost: message for another stream")
	// ErrUnknownMessage: the log service takes MsgAppend, MsgSubscribe and
	// MsgReadLog only.
	ErrUnknownMessage = errors.New("loghost: not a log service message")
	// ErrBadLog: the log's records are not this stream's log.
	ErrBadLog = errors.New("loghost: the log does not hold this stream")
)

// Config describes a host. Stream and Deliver are required; other zero
// fields take their defaults.
type Config struct {
	// Stream is the one stream the host serves.
	Stream string
	// Node stamps the stream's timestamps (the store's stream id, so that
	// no two streams of a store issue equal timestamps).
	Node uint32
	// Service configures the log service; its TickInterval (default 10ms)
	// is also the ticker's period.
	Service streamlog.Config
	// Clock is the physical clock under the HLC (default clock.Real).
	Clock clock.Clock
	// InboxMax bounds the messages waiting for the host (default 65536).
	InboxMax int
	// Deliver receives every outbound message, on the host's goroutine,
	// once the records it depends on are durable. It must not block on
	// anything that waits for this host: hand the message to the
	// recipient's queue and return.
	Deliver func(to wire.Address, message any)
	// Logger receives the host's failure line (default slog.Default()).
	Logger *slog.Logger
}

const inboxMaxDefault = 1 << 16

// Stats counts what a host did.
type Stats struct {
	Messages uint64 // messages stepped
	Batches  uint64 // batches flushed (one per wake-up or tick)
	Records  uint64 // records appended (entries and ticks)
	Syncs    uint64 // fsyncs of the log: Records/Syncs is the group commit factor
}

// item is one inbox entry: a message, or a request to run on the host's
// goroutine.
type item struct {
	from    wire.Address
	message any
	control func()
}

// Host runs one stream's log service on a goroutine over a file log. See
// the package documentation.
type Host struct {
	config Config
	log    *filelog.Log
	// driver, service and log belong to the host goroutine.
	driver *streamlog.Driver

	mutex sync.Mutex
	inbox []item
	spare []item
	// err is the failure that stopped the host, or ErrClosed after Close.
	err    error
	closed bool

	wake chan struct{} // capacity 1: "the inbox is not empty"
	stop chan struct{}
	done chan struct{}

	messages, batches, records, syncs atomic.Uint64
	// failure is the error that stopped the goroutine, read after done.
	failure error
}

// Start recovers the stream's log service from log and the records Open
// returned, and starts the host's goroutine. The host owns log from now
// on: Close closes it.
func Start(log *filelog.Log, records [][]byte, config Config) (*Host, error) {
	if config.Stream == "" || config.Deliver == nil {
		return nil, errors.New("loghost: Config.Stream and Config.Deliver are required")
	}
	if config.Clock == nil {
		config.Clock = clock.Real{}
	}
	if config.InboxMax <= 0 {
		config.InboxMax = inboxMaxDefault
	}
	if config.Logger == nil {
		config.Logger = slog.Default()
	}
	service, err := streamlog.RecoverSuffix(config.Service, config.Clock, config.Node, records)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadLog, log.Dir(), err)
	}
	config.Service = service.Config()
	if err := checkRecovered(service, log, config.Stream); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadLog, log.Dir(), err)
	}
	h := &Host{config: config, log: log, driver: streamlog.NewDriver(service, log),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go h.run()
	return h, nil
}

// checkRecovered: the log holds this stream alone, and its record numbers
// are the stream's positions.
func checkRecovered(service *streamlog.Service, log *filelog.Log, stream string) error {
	names := service.Streams()
	if len(names) > 1 || (len(names) == 1 && names[0] != stream) {
		return fmt.Errorf("records of streams %q, want %q alone", names, stream)
	}
	if len(names) == 0 && log.First() > 1 {
		return fmt.Errorf("the log starts at record %d but holds none: its head was lost", log.First())
	}
	head, _ := service.Head(stream)
	if len(names) == 1 && (service.First(stream) != log.First() || head != log.Next()-1) {
		return fmt.Errorf("positions %d to %d in records %d to %d", service.First(stream), head,
			log.First(), log.Next()-1)
	}
	return nil
}

// StreamOf returns the stream a log service message names, and false for
// a message the log service does not take: a runtime routes each message
// to the host of its stream.
func StreamOf(message any) (string, bool) {
	switch m := message.(type) {
	case wire.MsgAppend:
		return m.Stream, true
	case wire.MsgSubscribe:
		return m.Stream, true
	case wire.MsgReadLog:
		return m.Stream, true
	}
	return "", false
}

// Send queues a message for the log service and returns at once; the
// answers reach Deliver. It returns ErrWrongStream or ErrUnknownMessage
// for a message the host cannot serve, ErrInboxFull when InboxMax
// messages wait (the message is dropped), ErrClosed after Close, and the
// failure that stopped the host after one. Safe for concurrent use.
func (h *Host) Send(from wire.Address, message any) error {
	stream, ok := StreamOf(message)
	if !ok {
		return fmt.Errorf("%w: %T", ErrUnknownMessage, message)
	}
	if stream != h.config.Stream {
		return fmt.Errorf("%w: %q sent to the host of %q", ErrWrongStream, stream, h.config.Stream)
	}
	return h.enqueue(item{from: from, message: message})
}

func (h *Host) enqueue(it item) error {
	h.mutex.Lock()
	if h.err != nil {
		err := h.err
		h.mutex.Unlock()
		return err
	}
	if len(h.inbox) >= h.config.InboxMax {
		h.mutex.Unlock()
		return ErrInboxFull
	}
	h.inbox = append(h.inbox, it)
	h.mutex.Unlock()
	select {
	case h.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return nil
}

// RemoveBelow removes the stream's entries below position (never the
// head) from the service's memory, and its log segments whose entries all
// lie below position from disk; it returns the stream's first retained
// position in memory. Memory is not kept to whole segments: the entries
// of a segment that straddles position would otherwise stay, up to a
// segment's worth (SegmentBytesMax), though no reader needs them. It runs
// on the host's goroutine, in order with the messages sent before it, and
// waits for it. Reads and subscriptions from below the first retained
// position start at it (see streamlog): remove only what no reader needs.
// After a restart the log is read back from its first segment on disk, so
// the first retained position may then be lower.
func (h *Host) RemoveBelow(position uint64) (uint64, error) {
	return control(h, func() (uint64, error) {
		first, err := h.log.RemoveBelow(position)
		if err != nil {
			return first, err
		}
		return h.driver.Service().RemoveBelow(h.config.Stream, max(first, position)), nil
	})
}

// ForgetBelow removes the stream's entries below position (never the
// head) from the service's memory only, and returns the stream's first
// retained position in memory. The disk keeps them until RemoveBelow: a
// restart reads back from the first segment kept there. A runtime uses it
// for what no reader of this run needs any more but a replay after a
// crash does (the entries after the older of two checkpoints that its
// processor has applied). It runs on the host's goroutine, in order with
// the messages sent before it, and waits for it.
func (h *Host) ForgetBelow(position uint64) (uint64, error) {
	return control(h, func() (uint64, error) {
		return h.driver.Service().RemoveBelow(h.config.Stream, position), nil
	})
}

// Head returns the stream's last position and its timestamp (0 and the
// zero timestamp for an empty stream), once every message sent before
// Head has been stepped. It runs on the host's goroutine and waits for it;
// the head it reports may not be durable yet (its batch is flushed next).
// A runtime uses it as a barrier: every append sent before Head is at or
// below the position it returns, and every later one gets a higher
// timestamp.
func (h *Host) Head() (uint64, clock.Timestamp, error) {
	type head struct {
		position  uint64
		timestamp clock.Timestamp
	}
	got, err := control(h, func() (head, error) {
		position, timestamp := h.driver.Service().Head(h.config.Stream)
		return head{position, timestamp}, nil
	})
	return got.position, got.timestamp, err
}

// control runs f on the host's goroutine, in order with the messages sent
// before it, and waits for its result, or for the host to stop.
func control[T any](h *Host, f func() (T, error)) (T, error) {
	type result struct {
		value T
		err   error
	}
	results := make(chan result, 1)
	err := h.enqueue(item{control: func() {
		value, err := f()
		results <- result{value, err}
	}})
	var zero T
	if err != nil {
		return zero, err
	}
	select {
	case r := <-results:
		return r.value, r.err
	case <-h.done:
		return zero, h.doneErr()
	}
}

// Done is closed when the host's goroutine has ended: after Close, or
// after a log failure stopped it (Err says which).
func (h *Host) Done() <-chan struct{} { return h.done }

// Stats returns the host's counters. Safe for concurrent use.
func (h *Host) Stats() Stats {
	return Stats{Messages: h.messages.Load(), Batches: h.batches.Load(), Records: h.records.Load(),
		Syncs: h.syncs.Load()}
}

// Err returns the failure that stopped the host, ErrClosed after Close, or
// nil while it runs.
func (h *Host) Err() error {
	h.mutex.Lock()
	defer h.mutex.Unlock()
	return h.err
}

// Close steps and flushes every message already sent, stops the goroutine
// and closes the log. It returns the failure that stopped the host, if
// one did. Later calls return ErrClosed.
func (h *Host) Close() error {
	h.mutex.Lock()
	if h.closed {
		h.mutex.Unlock()
		return ErrClosed
	}
	h.closed = true
	if h.err == nil {
		h.err = ErrClosed
	}
	h.mutex.Unlock()
	close(h.stop)
	<-h.done
	return h.failure
}

// doneErr is the error to report once the goroutine ended.
func (h *Host) doneErr() error {
	if h.failure != nil {
		return h.failure
	}
	return ErrClosed
}

// tickerPeriod is the service's tick interval.
func (h *Host) tickerPeriod() time.Duration { return h.config.Service.TickInterval }
