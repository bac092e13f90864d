package streamlog

import (
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/bugs"
)

// Step handles one message: wire.MsgAppend, MsgSubscribe or MsgReadLog
// (values, not pointers). Other messages, and messages naming an empty or
// over-long stream, are dropped and counted in Stats. from is the sender;
// replies go to the addresses the messages name.
func (s *Service) Step(from wire.Address, message any) Ready {
	switch m := message.(type) {
	case wire.MsgAppend:
		return s.stepAppend(m)
	case wire.MsgSubscribe:
		return s.stepSubscribe(m)
	case wire.MsgReadLog:
		return s.stepReadLog(m)
	}
	s.stats.Ignored++
	return Ready{}
}

func (s *Service) stepAppend(m wire.MsgAppend) Ready {
	if !validStreamName(m.Stream) {
		s.stats.Rejected++
		return Ready{}
	}
	result, verdict := s.dedupe.lookup(m.Request)
	switch verdict {
	case requestDuplicate:
		s.stats.Duplicates++
		if m.Unacknowledged {
			return Ready{}
		}
		return Ready{Messages: []Outbound{{To: m.ReplyTo, Message: appendReply(m.Request, result)}}}
	case requestStale:
		s.stats.Stale++
		return Ready{}
	}
	ready := s.reuseAppendReady()
	st, _ := s.streamFor(m.Stream)
	entry := s.write(st, recordAppend, m.Request, m.Payload, &ready)
	result = appendResult{stream: m.Stream, position: entry.Position, timestamp: entry.Timestamp}
	if !m.Unacknowledged || !bugs.Enabled(bugs.UnacknowledgedNotRemembered) { // planted bug: forgets unacknowledged appends
		s.dedupe.remember(m.Request, result)
	}
	s.stats.Appends++
	if !m.Unacknowledged {
		ready.Messages = append(ready.Messages, Outbound{To: m.ReplyTo, Message: appendReply(m.Request, result)})
	}
	s.push(st, entry, &ready)
	s.appendReady = ready
	return ready
}

// reuseAppendReady returns an empty Ready over the previous append's
// arrays, cleared so that they keep nothing alive.
func (s *Service) reuseAppendReady() Ready {
	clear(s.appendReady.Persist)
	clear(s.appendReady.Messages)
	return Ready{Persist: s.appendReady.Persist[:0], Messages: s.appendReady.Messages[:0]}
}

func appendReply(request wire.RequestID, result appendResult) wire.MsgAppendReply {
	return wire.MsgAppendReply{Request: request, Stream: result.stream, Position: result.position,
		Timestamp: result.timestamp}
}

// write stamps the stream's next entry, adds it to the log and asks for its
// record to be persisted. The log keeps the record's copy of payload (one
// allocation holds both), never the caller's memory.
func (s *Service) write(st *stream, kind recordKind, request wire.RequestID, payload []byte,
	ready *Ready) wire.LogEntry {
	position, _ := st.head()
	entry := wire.LogEntry{Position: position + 1, Timestamp: s.stamp(kind, payload), Payload: payload}
	r := record{kind: kind, stream: st.name, entry: entry, request: request}
	data := r.appendBinary(make([]byte, 0, 64+len(r.stream)+len(payload)))
	if payload != nil {
		entry.Payload = data[len(data)-len(payload) : len(data) : len(data)]
	}
	st.add(entry)
	ready.Persist = append(ready.Persist, data)
	return entry
}

// stamp returns the next timestamp of the HLC, or with the deadline-stamp
// site on, a transaction entry's deadline when the timestamp falls less
// than StampWindow before it (the HLC moves forward to it).
func (s *Service) stamp(kind recordKind, payload []byte) clock.Timestamp {
	timestamp := s.hlc.Now()
	if kind != recordAppend || !s.sites().StampAtDeadline {
		return timestamp
	}
	deadline, ok := wire.EntryDeadline(payload)
	if !ok || timestamp.WallNanos >= deadline || deadline-timestamp.WallNanos >= int64(StampWindow) {
		return timestamp
	}
	stamped := clock.Timestamp{WallNanos: deadline, Node: s.hlc.Node()}
	s.hlc.Restore(stamped)
	s.stats.StampedAtDeadline++
	return stamped
}

// push sends a new entry to every subscription waiting for its position.
func (s *Service) push(st *stream, entry wire.LogEntry, ready *Ready) {
	var entries []wire.LogEntry
	for i := range st.subscriptions {
		subscription := &st.subscriptions[i]
		if subscription.next != entry.Position {
			continue
		}
		if entries == nil {
			entries = st.read(entry.Position, 1) // shares the log's memory
		}
		subscription.next++
		ready.Messages = append(ready.Messages, Outbound{To: subscription.subscriber,
			Message: wire.MsgEntries{Stream: st.name, Entries: entries}})
	}
}

func (s *Service) stepSubscribe(m wire.MsgSubscribe) Ready {
	if !validStreamName(m.Stream) {
		s.stats.Rejected++
		return Ready{}
	}
	s.stats.Subscribes++
	var ready Ready
	st, created := s.streamFor(m.Stream)
	index := st.subscribe(m.Subscriber, max(m.From, 1))
	s.catchUp(st, &st.subscriptions[index], &ready)
	if created {
		// A new stream's time starts with a tick.
		s.stats.Ticks++
		entry := s.write(st, recordTick, wire.RequestID{}, tickPayload, &ready)
		s.push(st, entry, &ready)
	}
	return ready
}

// catchUp pushes a subscription every entry from its next position (or the
// first retained one) to the head, in chunks of ReadCountMax.
func (s *Service) catchUp(st *stream, subscription *subscription, ready *Ready) {
	for {
		entries := st.read(subscription.next, s.readCountMax())
		if len(entries) == 0 {
			return
		}
		subscription.next = entries[len(entries)-1].Position + 1
		ready.Messages = append(ready.Messages, Outbound{To: subscription.subscriber,
			Message: wire.MsgEntries{Stream: st.name, Entries: entries}})
	}
}

func (s *Service) stepReadLog(m wire.MsgReadLog) Ready {
	s.stats.Reads++
	reply := wire.MsgReadLogReply{Request: m.Request, Stream: m.Stream}
	if st := s.streams[m.Stream]; st != nil {
		reply.Entries = st.read(m.From, min(m.CountMax, s.readCountMax()))
		reply.HeadPosition, reply.HeadTimestamp = st.head()
	}
	return Ready{Messages: []Outbound{{To: m.ReplyTo, Message: reply}}}
}

// Tick appends a tick entry to every known stream, in name order, whose
// last entry is at least TickInterval older than the HLC's time (the
// node's clock, or the HLC's last timestamp if the clock is behind it).
// The host calls it every TickInterval.
func (s *Service) Tick() Ready {
	now := max(s.clock.Now(), s.hlc.Last().WallNanos)
	var ready Ready
	for _, name := range s.names {
		st := s.streams[name]
		if _, last := st.head(); !olderBy(last.WallNanos, now, s.config.TickInterval) {
			continue
		}
		s.stats.Ticks++
		entry := s.write(st, recordTick, wire.RequestID{}, tickPayload, &ready)
		s.push(st, entry, &ready)
	}
	return ready
}

// olderBy reports whether now - last >= interval, without overflowing.
func olderBy(lastNanos, nowNanos int64, interval time.Duration) bool {
	if nowNanos < lastNanos {
		return false
	}
	return uint64(nowNanos)-uint64(lastNanos) >= uint64(interval.Nanoseconds())
}
