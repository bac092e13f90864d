package jslog

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// Errors of Open and Send.
var (
	// ErrBadConfig: a Config no log could run (no stream, a bad name, a
	// stream named twice, two streams whose timestamp nodes collide).
	ErrBadConfig = errors.New("jslog: bad config")
	// ErrUnknownStream: a message names a stream the Config does not.
	ErrUnknownStream = errors.New("jslog: unknown stream")
	// ErrUnknownMessage: the log takes MsgAppend, MsgSubscribe and
	// MsgReadLog only.
	ErrUnknownMessage = errors.New("jslog: not a log service message")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("jslog: closed")
)

// Config describes the streams of one deployment as a process sees them.
type Config struct {
	// Namespace prefixes every JetStream stream name and subject, so that
	// several deployments share one NATS cluster (default "proven").
	// Letters, digits, '-' and '_'.
	Namespace string
	// Streams are the Proven streams, each one JetStream stream.
	Streams []string
	// Replicas is the replication factor of streams Open creates (default
	// 1; 3 in a three-server cluster). Existing streams keep theirs.
	Replicas int
	// Create makes Open create the JetStream streams that do not exist
	// (else a missing stream is an error).
	Create bool
	// Deliver receives every answer of the log: entries pushed to
	// subscribers, append acknowledgements, read replies. It is called
	// with the stream's lock held, in order per stream: it must hand the
	// message to its recipient's queue and return, never block.
	Deliver func(to wire.Address, message any)
	// AckTimeout bounds the wait for JetStream's acknowledgement of an
	// append (default 5s): past it the append's reply is given up, and its
	// sender retries.
	AckTimeout time.Duration
	// Tail tunes each stream's Tail.
	Tail   TailConfig
	Logger *slog.Logger
}

const (
	namespaceDefault  = "proven"
	ackTimeoutDefault = 5 * time.Second
	// duplicatesWindow is how long JetStream remembers message ids: far
	// beyond any retry (a coordinator gives up a few retry intervals after
	// its deadline; a processor retries a resolve while the termination is
	// pending).
	duplicatesWindow = 10 * time.Minute
	// streamNodeMask keeps stream timestamp nodes below the nodes of the
	// coordinators' clocks.
	streamNodeMask = 1<<30 - 1
)

// StreamName returns the JetStream stream holding a Proven stream.
func StreamName(namespace, stream string) string { return namespace + "_" + stream }

// Subject returns the subject a Proven stream's appends are published to.
func Subject(namespace, stream string) string { return namespace + ".log." + stream }

// StreamNode returns the node a stream's timestamps carry: a hash of its
// name, so that every process computes it alone and no two streams of a
// deployment issue equal timestamps (Open refuses a collision).
func StreamNode(stream string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(stream))
	return h.Sum32()&streamNodeMask | 1
}

// MessageID is the JetStream message id of an append: its request id, so
// that JetStream drops a retried append as a duplicate.
func MessageID(request wire.RequestID) string {
	return strconv.FormatUint(request.Origin, 10) + ":" + strconv.FormatUint(request.Sequence, 10)
}

// ValidName reports whether a namespace or stream name can name a
// JetStream stream and a subject token.
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (c Config) withDefaults() (Config, error) {
	if c.Namespace == "" {
		c.Namespace = namespaceDefault
	}
	if !ValidName(c.Namespace) {
		return c, fmt.Errorf("%w: namespace %q (letters, digits, '-' and '_')", ErrBadConfig, c.Namespace)
	}
	if len(c.Streams) == 0 {
		return c, fmt.Errorf("%w: no stream", ErrBadConfig)
	}
	nodes := map[uint32]string{}
	for _, stream := range c.Streams {
		if !ValidName(stream) {
			return c, fmt.Errorf("%w: stream name %q (letters, digits, '-' and '_', at most 64)", ErrBadConfig, stream)
		}
		node := StreamNode(stream)
		if other, taken := nodes[node]; taken {
			if other == stream {
				return c, fmt.Errorf("%w: stream %q is named twice", ErrBadConfig, stream)
			}
			return c, fmt.Errorf("%w: streams %q and %q hash to one timestamp node; rename one", ErrBadConfig, other, stream)
		}
		nodes[node] = stream
	}
	if c.Deliver == nil {
		c.Deliver = func(wire.Address, any) {}
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = ackTimeoutDefault
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Log is the log service of one process over JetStream: every Proven
// stream of the deployment is a JetStream stream, read from its first
// message by an ordered consumer into a Tail. See the package
// documentation.
type Log struct {
	config  Config
	nc      *nats.Conn
	js      jetstream.JetStream
	streams map[string]*streamLog
	ctx     context.Context
	cancel  context.CancelFunc
	// acks counts the goroutines waiting for publish acknowledgements.
	acks sync.WaitGroup
}

// streamLog is one stream: its tail under a lock, and its consumer.
type streamLog struct {
	log     *Log
	name    string
	jsName  string
	subject string
	mutex   sync.Mutex
	tail    *Tail
	// caughtUp is closed once the tail reached the stream's last sequence
	// at Open.
	caughtUp chan struct{}
	target   uint64
	consumer jetstream.ConsumeContext
	closed   bool
}

// Open connects the deployment's streams on nc (creating the JetStream
// streams when Config.Create says so) and starts reading each from its
// first message. It returns once every stream's tail holds every message
// the stream held when Open began, or fails when ctx ends first.
func Open(ctx context.Context, nc *nats.Conn, config Config) (*Log, error) {
	config, err := config.withDefaults()
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(config.AckTimeout),
		jetstream.WithPublishAsyncMaxPending(1<<14))
	if err != nil {
		return nil, fmt.Errorf("jslog: %w", err)
	}
	background, cancel := context.WithCancel(context.Background())
	l := &Log{config: config, nc: nc, js: js, streams: map[string]*streamLog{}, ctx: background, cancel: cancel}
	for _, name := range config.Streams {
		s := &streamLog{log: l, name: name, jsName: StreamName(config.Namespace, name),
			subject: Subject(config.Namespace, name), tail: NewTail(name, StreamNode(name), config.Tail),
			caughtUp: make(chan struct{})}
		l.streams[name] = s
	}
	for _, name := range config.Streams {
		if err := l.streams[name].start(ctx); err != nil {
			l.Close()
			return nil, err
		}
	}
	for _, name := range config.Streams {
		select {
		case <-l.streams[name].caughtUp:
		case <-ctx.Done():
			l.Close()
			return nil, fmt.Errorf("jslog: reading stream %q: %w", name, ctx.Err())
		}
	}
	return l, nil
}

// start finds (or creates) the JetStream stream, notes its last sequence
// and starts the ordered consumer from the first message.
func (s *streamLog) start(ctx context.Context) error {
	var stream jetstream.Stream
	err := Retry(ctx, func(ctx context.Context) error {
		var err error
		stream, err = s.log.js.Stream(ctx, s.jsName)
		if errors.Is(err, jetstream.ErrStreamNotFound) && s.log.config.Create {
			stream, err = s.log.js.CreateStream(ctx, jetstream.StreamConfig{Name: s.jsName,
				Subjects: []string{s.subject}, Storage: jetstream.FileStorage, Replicas: s.log.config.Replicas,
				Duplicates: duplicatesWindow, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardNew,
				DenyDelete: true, DenyPurge: true, MaxMsgs: -1, MaxBytes: -1})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("jslog: stream %q (JetStream stream %s): %w", s.name, s.jsName, err)
	}
	s.target = stream.CachedInfo().State.LastSeq
	if s.target == 0 {
		close(s.caughtUp)
	}
	return s.consume(ctx, 1)
}

// attemptTimeout bounds one attempt of a JetStream API call: a request
// sent while the cluster elects a leader may never be answered.
const attemptTimeout = 2 * time.Second

// Retry calls attempt with a context of attemptTimeout until it succeeds
// with an answer that is not "unavailable" (a timeout, no responders, no
// JetStream leader yet), or ctx ends.
func Retry(ctx context.Context, attempt func(context.Context) error) error {
	for {
		attemptContext, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := attempt(attemptContext)
		cancel()
		if err == nil || !unavailable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func unavailable(err error) bool {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, jetstream.ErrJetStreamNotEnabled):
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 503
}

// consume starts an ordered consumer from position from, retrying its
// creation while JetStream is unavailable (a server restarting, a
// leader being elected) until ctx ends.
func (s *streamLog) consume(ctx context.Context, from uint64) error {
	var consumer jetstream.Consumer
	err := Retry(ctx, func(ctx context.Context) error {
		var err error
		consumer, err = s.log.js.OrderedConsumer(ctx, s.jsName, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from})
		return err
	})
	if err != nil {
		return fmt.Errorf("jslog: consumer of stream %q: %w", s.name, err)
	}
	consumeContext, err := consumer.Consume(s.receive, jetstream.ConsumeErrHandler(
		func(_ jetstream.ConsumeContext, err error) {
			s.log.config.Logger.Debug("jslog: consumer", "stream", s.name, "error", err)
		}))
	if err != nil {
		return fmt.Errorf("jslog: consuming stream %q: %w", s.name, err)
	}
	s.mutex.Lock()
	s.consumer = consumeContext
	s.mutex.Unlock()
	return nil
}

// receive is the consumer's handler: each message is the tail's next
// entry. A gap restarts the consumer at the head.
func (s *streamLog) receive(msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		return
	}
	s.mutex.Lock()
	if s.closed {
		s.mutex.Unlock()
		return
	}
	ready, err := s.tail.Observe(meta.Sequence.Stream, meta.Timestamp.UnixNano(), msg.Data())
	s.deliver(ready)
	head, _ := s.tail.Head()
	if head >= s.target && s.target > 0 {
		s.target = 0
		close(s.caughtUp)
	}
	s.mutex.Unlock()
	if err != nil {
		s.log.config.Logger.Warn("jslog: restarting the consumer", "stream", s.name, "error", err)
		s.restart(head + 1)
	}
}

func (s *streamLog) restart(from uint64) {
	s.mutex.Lock()
	consumer := s.consumer
	s.mutex.Unlock()
	if consumer != nil {
		consumer.Stop()
	}
	if err := s.consume(s.log.ctx, from); err != nil {
		s.log.config.Logger.Error("jslog: cannot restart the consumer", "stream", s.name, "error", err)
	}
}

// deliver hands a Ready's messages on. Requires: s.mutex held.
func (s *streamLog) deliver(ready Ready) {
	for _, out := range ready.Messages {
		s.log.config.Deliver(out.To, out.Message)
	}
}

// StreamOf returns the stream a log service message names, and false for
// a message the log does not take.
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

// Send serves a log service message from a sender in this process:
// MsgAppend is published to the stream's subject with its request id as
// the message id (a retry is dropped by JetStream as a duplicate) and, if
// acknowledged, answered once JetStream stored it and the tail reached
// it; MsgSubscribe and MsgReadLog are answered from the tail. Answers go
// to Deliver. It never waits for JetStream.
func (l *Log) Send(from wire.Address, message any) error {
	name, ok := StreamOf(message)
	if !ok {
		return fmt.Errorf("%w: %T", ErrUnknownMessage, message)
	}
	s := l.streams[name]
	if s == nil {
		return fmt.Errorf("%w: %q", ErrUnknownStream, name)
	}
	switch m := message.(type) {
	case wire.MsgAppend:
		return s.append(m)
	case wire.MsgSubscribe:
		return s.step(func(t *Tail) Ready { return t.Subscribe(m) })
	case wire.MsgReadLog:
		return s.step(func(t *Tail) Ready { return t.ReadLog(m) })
	}
	return nil
}

func (s *streamLog) step(input func(*Tail) Ready) error {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.deliver(input(s.tail))
	return nil
}

// append publishes an entry; an acknowledged one gets a goroutine that
// waits for JetStream's acknowledgement. An unacknowledged one is a core
// NATS publish without a reply subject: JetStream stores it all the same
// (and drops a retry by its message id) but sends no acknowledgement,
// which nobody would read (its sender learns of it from the processor).
func (s *streamLog) append(m wire.MsgAppend) error {
	msg := &nats.Msg{Subject: s.subject, Data: m.Payload, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, MessageID(m.Request))
	if m.Unacknowledged {
		if err := s.log.nc.PublishMsg(msg); err != nil {
			return fmt.Errorf("jslog: append to %q: %w", s.name, err)
		}
		return nil
	}
	future, err := s.log.js.PublishMsgAsync(msg)
	if err != nil {
		return fmt.Errorf("jslog: append to %q: %w", s.name, err)
	}
	s.log.acks.Add(1)
	go s.awaitAck(m, future)
	return nil
}

func (s *streamLog) awaitAck(m wire.MsgAppend, future jetstream.PubAckFuture) {
	defer s.log.acks.Done()
	select {
	case ack := <-future.Ok():
		_ = s.step(func(t *Tail) Ready { return t.Acknowledge(m.Request, m.ReplyTo, ack.Sequence) })
	case <-future.Err(): // lost: the sender retries
	case <-s.log.ctx.Done():
	}
}

// Tick appends a tick entry to stream (no message id: ticks are never
// retried), so that an idle stream's time advances. It never waits.
func (l *Log) Tick(stream string) error {
	s := l.streams[stream]
	if s == nil {
		return fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	return l.nc.Publish(s.subject, tickPayload)
}

var tickPayload = wire.Entry{Kind: wire.EntryTick}.Encode()

// Unsubscribe ends a subscriber's subscription to stream.
func (l *Log) Unsubscribe(stream string, subscriber wire.Address) {
	if s := l.streams[stream]; s != nil {
		s.mutex.Lock()
		s.tail.Unsubscribe(subscriber)
		s.mutex.Unlock()
	}
}

// Head returns a stream's last position and timestamp as this process's
// tail holds them.
func (l *Log) Head(stream string) (uint64, clock.Timestamp) {
	s := l.streams[stream]
	if s == nil {
		return 0, clock.Timestamp{}
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	return s.tail.Head()
}

// Entries returns a copy of a stream's entries as this process's tail
// holds them (the checkers read whole logs).
func (l *Log) Entries(stream string) []wire.LogEntry {
	s := l.streams[stream]
	if s == nil {
		return nil
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	head, _ := s.tail.Head()
	return append([]wire.LogEntry(nil), s.tail.Read(1, int(head))...)
}

// Streams returns the Proven streams of the log, in Config order.
func (l *Log) Streams() []string { return append([]string(nil), l.config.Streams...) }

// JetStream returns the JetStream context the log publishes with.
func (l *Log) JetStream() jetstream.JetStream { return l.js }

// CatchUp waits until every stream's tail holds every message its
// JetStream stream holds now (a barrier: everything acknowledged before
// CatchUp is in the tails after it).
func (l *Log) CatchUp(ctx context.Context) error {
	for _, name := range l.config.Streams {
		s := l.streams[name]
		var stream jetstream.Stream
		err := Retry(ctx, func(ctx context.Context) error {
			var err error
			stream, err = l.js.Stream(ctx, s.jsName)
			return err
		})
		if err != nil {
			return fmt.Errorf("jslog: stream %q: %w", name, err)
		}
		last := stream.CachedInfo().State.LastSeq
		for {
			if head, _ := l.Head(name); head >= last {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("jslog: stream %q: %w", name, ctx.Err())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

// Close stops every consumer and every wait for an acknowledgement.
// Later Sends return ErrClosed.
func (l *Log) Close() {
	for _, s := range l.streams {
		s.mutex.Lock()
		s.closed = true
		consumer := s.consumer
		s.mutex.Unlock()
		if consumer != nil {
			consumer.Stop()
		}
	}
	l.cancel()
	l.acks.Wait()
}
