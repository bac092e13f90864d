package jslog

import (
	"errors"
	"fmt"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// ErrGap: the tail was handed a message that does not continue its
// stream (a position beyond the head plus one). JetStream streams of
// Proven never delete a message, so a gap means the consumer skipped
// one; the host restarts its consumer from the head.
var ErrGap = errors.New("jslog: a message does not continue the stream")

// Outbound is one message the host must hand on.
type Outbound struct {
	To      wire.Address
	Message any
}

// Ready is what one input of a Tail asks the host to send, in order.
type Ready struct {
	Messages []Outbound
}

// TailConfig tunes a Tail. Zero fields take their defaults.
type TailConfig struct {
	// ReadCountMax bounds the entries of one MsgEntries or MsgReadLogReply
	// (default 256, as the log service's).
	ReadCountMax int
	// AcknowledgementsMax bounds the appends waiting for the tail to reach
	// their position (default 65536); beyond it one is dropped, and its
	// sender retries it as it would a lost message.
	AcknowledgementsMax int
}

const (
	readCountMaxDefault        = 256
	acknowledgementsMaxDefault = 1 << 16
)

// Tail is one Proven stream as one process sees its JetStream stream: the
// messages in sequence order, each made a wire.LogEntry whose position is
// the stream sequence and whose timestamp is derived from the log alone
// (Stamp), and the log service's answers computed from them. It is a
// step machine: it does no I/O and reads no clock. Not safe for
// concurrent use.
type Tail struct {
	stream string
	node   uint32
	config TailConfig
	// entries holds positions 1 to the head.
	// Invariant: entries[i].Position == i+1, and timestamps strictly
	// increase along entries.
	entries []wire.LogEntry
	// subscriptions, sorted by subscriber, at most one per subscriber.
	subscriptions []subscription
	// acknowledgements wait for the tail to reach their position.
	acknowledgements []acknowledgement
	// Dropped counts acknowledgements refused beyond AcknowledgementsMax.
	dropped uint64
}

// subscription pushes the stream's entries to one subscriber.
type subscription struct {
	subscriber wire.Address
	// next is the position pushed next.
	// Invariant: next > head once an input has finished.
	next uint64
}

// acknowledgement is an append JetStream stored at position whose sender
// waits for its MsgAppendReply, which needs the entry's timestamp.
type acknowledgement struct {
	request  wire.RequestID
	replyTo  wire.Address
	position uint64
}

// NewTail returns an empty tail of stream, whose timestamps carry node.
func NewTail(stream string, node uint32, config TailConfig) *Tail {
	if config.ReadCountMax <= 0 {
		config.ReadCountMax = readCountMaxDefault
	}
	if config.AcknowledgementsMax <= 0 {
		config.AcknowledgementsMax = acknowledgementsMaxDefault
	}
	return &Tail{stream: stream, node: node, config: config}
}

// Stamp derives an entry's timestamp from the log alone: the message's
// stored time (JetStream's, in nanoseconds) stamped with the stream's
// node, or just after the previous entry's timestamp when that is not
// later. Every process that reads the stream from its first message,
// every replica and every replay, computes the same timestamps, and they
// strictly increase even when the stream leader's clock went back (a
// leader change to a machine whose clock is behind).
func Stamp(previous clock.Timestamp, storedNanos int64, node uint32) clock.Timestamp {
	stamped := clock.Timestamp{WallNanos: storedNanos, Node: node}
	if !previous.Less(stamped) {
		return previous.Next()
	}
	return stamped
}

// Stream returns the stream's name.
func (t *Tail) Stream() string { return t.stream }

// Head returns the last position and its timestamp (0 and the zero
// timestamp when the tail holds no entry).
func (t *Tail) Head() (uint64, clock.Timestamp) {
	if len(t.entries) == 0 {
		return 0, clock.Timestamp{}
	}
	last := t.entries[len(t.entries)-1]
	return last.Position, last.Timestamp
}

// Dropped returns the number of acknowledgements refused because
// AcknowledgementsMax were waiting.
func (t *Tail) Dropped() uint64 { return t.dropped }

// Read returns up to countMax entries from position from (from 1 when
// from is 0). The slice shares the tail's memory: read it, never change
// it.
func (t *Tail) Read(from uint64, countMax int) []wire.LogEntry {
	from = max(from, 1)
	if countMax <= 0 || from > uint64(len(t.entries)) {
		return nil
	}
	end := min(uint64(len(t.entries)), from-1+uint64(countMax))
	return t.entries[from-1 : end : end]
}

// Observe adds the stream's message at position, stored at storedNanos:
// the next entry, pushed to the subscriptions waiting for it and
// acknowledged to the appends waiting for it. A position at or below the
// head is a redelivery and is ignored; one beyond the head plus one
// returns ErrGap and changes nothing.
func (t *Tail) Observe(position uint64, storedNanos int64, payload []byte) (Ready, error) {
	head, previous := t.Head()
	if position <= head {
		return Ready{}, nil
	}
	if position != head+1 {
		return Ready{}, fmt.Errorf("%w: stream %q: position %d after %d", ErrGap, t.stream, position, head)
	}
	entry := wire.LogEntry{Position: position, Timestamp: Stamp(previous, storedNanos, t.node), Payload: payload}
	t.entries = append(t.entries, entry)
	var ready Ready
	t.push(&ready)
	t.answerReached(&ready)
	return ready, nil
}

// push sends the new head entry to every subscription waiting for it.
func (t *Tail) push(ready *Ready) {
	head, _ := t.Head()
	for i := range t.subscriptions {
		s := &t.subscriptions[i]
		if s.next != head {
			continue
		}
		s.next++
		ready.Messages = append(ready.Messages, Outbound{To: s.subscriber,
			Message: wire.MsgEntries{Stream: t.stream, Entries: t.Read(head, 1)}})
	}
}

// answerReached answers, in arrival order, every acknowledgement whose
// position the tail reached.
func (t *Tail) answerReached(ready *Ready) {
	head, _ := t.Head()
	kept := t.acknowledgements[:0]
	for _, a := range t.acknowledgements {
		if a.position > head {
			kept = append(kept, a)
			continue
		}
		ready.Messages = append(ready.Messages, t.reply(a))
	}
	clear(t.acknowledgements[len(kept):])
	t.acknowledgements = kept
}

func (t *Tail) reply(a acknowledgement) Outbound {
	entry := t.entries[a.position-1]
	return Outbound{To: a.replyTo, Message: wire.MsgAppendReply{Request: a.request, Stream: t.stream,
		Position: entry.Position, Timestamp: entry.Timestamp}}
}

// Acknowledge answers an append JetStream stored at position (its
// publish acknowledgement, or a duplicate's, named it) with the entry's
// position and timestamp: at once when the tail holds it, else when
// Observe reaches it. A position of 0 is not a stored message and is
// ignored.
func (t *Tail) Acknowledge(request wire.RequestID, replyTo wire.Address, position uint64) Ready {
	if position == 0 {
		return Ready{}
	}
	a := acknowledgement{request: request, replyTo: replyTo, position: position}
	if head, _ := t.Head(); position <= head {
		return Ready{Messages: []Outbound{t.reply(a)}}
	}
	if len(t.acknowledgements) >= t.config.AcknowledgementsMax {
		t.dropped++
		return Ready{}
	}
	t.acknowledgements = append(t.acknowledgements, a)
	return Ready{}
}

// Subscribe answers wire.MsgSubscribe: the entries from From (from 1 when
// From is 0) to the head at once, in chunks of ReadCountMax, then every
// later entry as it is observed. Subscribing again replaces the
// subscriber's earlier subscription.
func (t *Tail) Subscribe(m wire.MsgSubscribe) Ready {
	index, found := slices.BinarySearchFunc(t.subscriptions, m.Subscriber,
		func(s subscription, target wire.Address) int { return compareAddresses(s.subscriber, target) })
	if !found {
		t.subscriptions = slices.Insert(t.subscriptions, index, subscription{subscriber: m.Subscriber})
	}
	s := &t.subscriptions[index]
	s.next = max(m.From, 1)
	var ready Ready
	for {
		entries := t.Read(s.next, t.config.ReadCountMax)
		if len(entries) == 0 {
			return ready
		}
		s.next = entries[len(entries)-1].Position + 1
		ready.Messages = append(ready.Messages, Outbound{To: s.subscriber,
			Message: wire.MsgEntries{Stream: t.stream, Entries: entries}})
	}
}

// Unsubscribe ends a subscriber's subscription, if it has one (a
// processor that stopped).
func (t *Tail) Unsubscribe(subscriber wire.Address) {
	t.subscriptions = slices.DeleteFunc(t.subscriptions, func(s subscription) bool { return s.subscriber == subscriber })
}

// ReadLog answers wire.MsgReadLog: up to min(CountMax, ReadCountMax)
// entries from From, with the head.
func (t *Tail) ReadLog(m wire.MsgReadLog) Ready {
	reply := wire.MsgReadLogReply{Request: m.Request, Stream: t.stream,
		Entries: t.Read(m.From, min(m.CountMax, t.config.ReadCountMax))}
	reply.HeadPosition, reply.HeadTimestamp = t.Head()
	return Ready{Messages: []Outbound{{To: m.ReplyTo, Message: reply}}}
}

func compareAddresses(a, b wire.Address) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
