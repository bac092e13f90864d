package streamlog

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

var propertyStreams = []string{"a", "b", "c"}

type subscriptionKey struct {
	stream     string
	subscriber wire.Address
}

// logHarness drives a Service with random inputs, plays its host (keeping
// every persisted record as the disk), and checks each Ready against the
// package's invariants.
type logHarness struct {
	t       *rapid.T
	config  Config
	clock   *scriptedClock
	service *Service
	records [][]byte

	// Over the whole run, across recoveries.
	lastPosition     map[string]uint64
	lastTimestamp    map[string]clock.Timestamp
	persisted        map[wire.RequestID]bool
	replies          map[wire.RequestID]wire.MsgAppendReply
	appendsPerOrigin map[uint64]int
	nextSequence     map[uint64]uint64
	sent             []wire.RequestID
	late             []wire.RequestID // sequences skipped, to be sent out of order
	// removed holds the requests whose records RemoveBelow dropped from the
	// disk; once any record was (pruned), crashes recover with RecoverSuffix.
	removed map[wire.RequestID]bool
	pruned  bool

	// Since the last recovery.
	starts   map[subscriptionKey]uint64
	received map[subscriptionKey][]wire.LogEntry
}

func newLogHarness(t *rapid.T) *logHarness {
	h := &logHarness{
		t: t,
		config: Config{TickInterval: time.Duration(rapid.Int64Range(1, 1000).Draw(t, "tickNanos")),
			ReadCountMax: rapid.IntRange(1, 4).Draw(t, "readCountMax"),
			DedupeWindow: rapid.IntRange(1, 6).Draw(t, "dedupeWindow")},
		clock:            &scriptedClock{nowNanos: rapid.Int64Range(-1e6, 1e6).Draw(t, "clockStart")},
		lastPosition:     map[string]uint64{},
		lastTimestamp:    map[string]clock.Timestamp{},
		persisted:        map[wire.RequestID]bool{},
		replies:          map[wire.RequestID]wire.MsgAppendReply{},
		appendsPerOrigin: map[uint64]int{},
		nextSequence:     map[uint64]uint64{},
		removed:          map[wire.RequestID]bool{},
	}
	h.service = New(h.config, h.clock, 7)
	h.forgetSubscriptions()
	return h
}

func (h *logHarness) forgetSubscriptions() {
	h.starts = map[subscriptionKey]uint64{}
	h.received = map[subscriptionKey][]wire.LogEntry{}
}

// apply plays the host for one Ready and checks it.
func (h *logHarness) apply(ready Ready) {
	for _, data := range ready.Persist {
		h.checkRecord(data)
		h.records = append(h.records, data)
	}
	for _, out := range ready.Messages {
		switch m := out.Message.(type) {
		case wire.MsgAppendReply:
			h.checkAppendReply(m)
		case wire.MsgEntries:
			key := subscriptionKey{m.Stream, out.To}
			if _, ok := h.starts[key]; !ok {
				h.t.Fatalf("entries of %q pushed to %d, which is not subscribed", m.Stream, out.To)
			}
			h.received[key] = append(h.received[key], m.Entries...)
		case wire.MsgReadLogReply:
		default:
			h.t.Fatalf("unexpected message %T", out.Message)
		}
	}
}

// checkRecord: positions contiguous from 1 and timestamps strictly
// increasing per stream, across recoveries; each request appended once.
func (h *logHarness) checkRecord(data []byte) {
	r, err := decodeRecord(data)
	if err != nil {
		h.t.Fatalf("persisted record does not decode: %v", err)
	}
	if want := h.lastPosition[r.stream] + 1; r.entry.Position != want {
		h.t.Fatalf("stream %q: position %d, want %d", r.stream, r.entry.Position, want)
	}
	if last, ok := h.lastTimestamp[r.stream]; ok && !last.Less(r.entry.Timestamp) {
		h.t.Fatalf("stream %q: timestamp %v not after %v", r.stream, r.entry.Timestamp, last)
	}
	h.lastPosition[r.stream] = r.entry.Position
	h.lastTimestamp[r.stream] = r.entry.Timestamp
	if r.kind == recordAppend {
		if h.persisted[r.request] {
			h.t.Fatalf("request %v appended twice", r.request)
		}
		h.persisted[r.request] = true
		h.appendsPerOrigin[r.request.Origin]++
	}
}

// checkAppendReply: every answer to a request is the same, and names the
// entry in the log.
func (h *logHarness) checkAppendReply(reply wire.MsgAppendReply) {
	if earlier, ok := h.replies[reply.Request]; ok && earlier != reply {
		h.t.Fatalf("request %v answered %+v, earlier %+v", reply.Request, reply, earlier)
	}
	h.replies[reply.Request] = reply
	if reply.Position < h.service.First(reply.Stream) {
		return // a retry of a removed entry, answered from the dedupe window
	}
	entries := h.service.Read(reply.Stream, reply.Position, 1)
	if len(entries) != 1 || entries[0].Timestamp != reply.Timestamp {
		h.t.Fatalf("reply %+v names no such entry (found %v)", reply, entries)
	}
}

// checkSubscriptions: each subscription received every entry from its
// start (or the first retained entry) to the head exactly once, in order.
func (h *logHarness) checkSubscriptions() {
	for _, key := range sortedKeys(h.starts) {
		first := h.service.First(key.stream)
		want := h.service.Read(key.stream, h.starts[key], 1<<30)
		received := slices.DeleteFunc(slices.Clone(h.received[key]), func(entry wire.LogEntry) bool {
			return entry.Position < first // removed after it was pushed
		})
		if !sameEntries(received, want) {
			h.t.Fatalf("subscriber %d of %q from %d received %s, want %s", key.subscriber, key.stream,
				h.starts[key], formatEntries(h.received[key]), formatEntries(want))
		}
	}
}

func sortedKeys(m map[subscriptionKey]uint64) []subscriptionKey {
	keys := make([]subscriptionKey, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b subscriptionKey) int {
		if a.stream != b.stream {
			return bytes.Compare([]byte(a.stream), []byte(b.stream))
		}
		return int(a.subscriber) - int(b.subscriber)
	})
	return keys
}

func sameEntries(a, b []wire.LogEntry) bool {
	return slices.EqualFunc(a, b, func(x, y wire.LogEntry) bool {
		return x.Position == y.Position && x.Timestamp == y.Timestamp && bytes.Equal(x.Payload, y.Payload)
	})
}

func (h *logHarness) appendMessage(request wire.RequestID, stream string) wire.MsgAppend {
	return wire.MsgAppend{Request: request, ReplyTo: 100, Stream: stream,
		Payload: []byte(request.String())}
}

func (h *logHarness) appendNew(t *rapid.T) {
	origin := rapid.Uint64Range(1, 3).Draw(t, "origin")
	if rapid.IntRange(0, 4).Draw(t, "skip") == 0 {
		h.late = append(h.late, wire.RequestID{Origin: origin, Sequence: h.nextSequence[origin]})
		h.nextSequence[origin]++
	}
	request := wire.RequestID{Origin: origin, Sequence: h.nextSequence[origin]}
	h.nextSequence[origin]++
	h.send(request, rapid.SampledFrom(propertyStreams).Draw(t, "stream"))
}

// appendLate sends a skipped sequence: appended if above the origin's
// window, dropped otherwise.
func (h *logHarness) appendLate(t *rapid.T) {
	if len(h.late) == 0 {
		t.Skip("no late request")
	}
	index := rapid.IntRange(0, len(h.late)-1).Draw(t, "late")
	request := h.late[index]
	h.late = slices.Delete(h.late, index, index+1)
	h.send(request, rapid.SampledFrom(propertyStreams).Draw(t, "stream"))
}

func (h *logHarness) send(request wire.RequestID, stream string) {
	h.sent = append(h.sent, request)
	ready := h.service.Step(100, h.appendMessage(request, stream))
	h.apply(ready)
	if _, answered := h.replies[request]; answered != h.persisted[request] {
		h.t.Fatalf("new request %v: answered=%t persisted=%t", request, answered, h.persisted[request])
	}
}

// retry resends an earlier request: it is never appended again, and is
// answered as before while the origin's window still holds it.
func (h *logHarness) retry(t *rapid.T) {
	retained := slices.DeleteFunc(slices.Clone(h.sent), h.forgettable)
	if len(retained) == 0 {
		t.Skip("nothing sent")
	}
	request := rapid.SampledFrom(retained).Draw(t, "request")
	ready := h.service.Step(100, h.appendMessage(request, rapid.SampledFrom(propertyStreams).Draw(t, "stream")))
	if len(ready.Persist) != 0 {
		t.Fatalf("retry of %v persisted %d records", request, len(ready.Persist))
	}
	_, answered := h.replies[request]
	mustAnswer := answered && h.appendsPerOrigin[request.Origin] <= h.config.DedupeWindow
	if mustAnswer && len(ready.Messages) != 1 {
		t.Fatalf("retry of %v inside the window answered with %d messages", request, len(ready.Messages))
	}
	h.apply(ready)
}

func (h *logHarness) subscribe(t *rapid.T) {
	stream := rapid.SampledFrom(propertyStreams).Draw(t, "stream")
	key := subscriptionKey{stream, wire.Address(rapid.Uint64Range(1, 3).Draw(t, "subscriber"))}
	head, _ := h.service.Head(stream)
	from := rapid.Uint64Range(0, head+2).Draw(t, "from")
	h.starts[key] = max(from, 1)
	h.received[key] = nil
	h.apply(h.service.Step(key.subscriber, wire.MsgSubscribe{Stream: stream, From: from, Subscriber: key.subscriber}))
}

func (h *logHarness) read(t *rapid.T) {
	stream := rapid.SampledFrom(propertyStreams).Draw(t, "stream")
	from := rapid.Uint64Range(0, 10).Draw(t, "from")
	countMax := rapid.IntRange(-1, 10).Draw(t, "countMax")
	ready := h.service.Step(5, wire.MsgReadLog{ReplyTo: 5, Stream: stream, From: from, CountMax: countMax})
	reply := ready.Messages[0].Message.(wire.MsgReadLogReply)
	want := h.service.Read(stream, from, min(countMax, h.config.ReadCountMax))
	position, timestamp := h.service.Head(stream)
	if !sameEntries(reply.Entries, want) || reply.HeadPosition != position || reply.HeadTimestamp != timestamp {
		t.Fatalf("read %q from %d count %d: %+v", stream, from, countMax, reply)
	}
	h.apply(ready)
}

// remove drops a stream's entries below a random position, from the
// service and from the disk, as a host removing old segments does.
func (h *logHarness) remove(t *rapid.T) {
	stream := rapid.SampledFrom(propertyStreams).Draw(t, "stream")
	head, _ := h.service.Head(stream)
	first := h.service.RemoveBelow(stream, rapid.Uint64Range(0, head+2).Draw(t, "below"))
	if head > 0 && (first < 1 || first > head) {
		t.Fatalf("stream %q: first retained %d outside [1, %d]", stream, first, head)
	}
	if entries := h.service.Read(stream, 0, 1); head > 0 && (len(entries) != 1 || entries[0].Position != first) {
		t.Fatalf("stream %q: read from 0 gives %s, want #%d", stream, formatEntries(entries), first)
	}
	h.records = slices.DeleteFunc(h.records, func(data []byte) bool {
		r, _ := decodeRecord(data)
		if r.stream != stream || r.entry.Position >= first {
			return false
		}
		if r.kind == recordAppend {
			h.removed[r.request] = true
		}
		h.pruned = true
		return true
	})
}

// forgettable reports whether a recovered service may have forgotten a
// request: its record was removed, or it was never appended (dropped as
// older than the window) and records were removed, so the recovered
// window cannot tell it was stale (RecoverSuffix's documented limit).
func (h *logHarness) forgettable(request wire.RequestID) bool {
	return h.removed[request] || (h.pruned && !h.persisted[request])
}

// crash rebuilds the service from the records and checks it holds the same
// streams and gives the same dedupe answers (with removed records: answers
// a retry the old service answered the same way, and appends no retry).
func (h *logHarness) crash(t *rapid.T) {
	h.checkSubscriptions()
	recover, suffix := Recover, h.pruned || rapid.Bool().Draw(t, "suffix")
	if suffix {
		recover = RecoverSuffix
	}
	recovered, err := recover(h.config, h.clock, 7, h.records)
	if err != nil {
		t.Fatalf("Recover (suffix %t): %v", suffix, err)
	}
	if !slices.Equal(recovered.Streams(), h.service.Streams()) {
		t.Fatalf("recovered streams %v, want %v", recovered.Streams(), h.service.Streams())
	}
	for _, name := range h.service.Streams() {
		if recovered.First(name) != h.service.First(name) ||
			!sameEntries(recovered.Read(name, 1, 1<<30), h.service.Read(name, 1, 1<<30)) {
			t.Fatalf("stream %q recovered differently", name)
		}
	}
	for _, request := range h.sent {
		if h.forgettable(request) {
			continue
		}
		message := h.appendMessage(request, "a")
		before, afterReady := h.service.Step(100, message), recovered.Step(100, message)
		if len(afterReady.Persist) != 0 {
			t.Fatalf("retry of %v after the crash appended again", request)
		}
		after := formatReady(afterReady)
		if !h.pruned || len(before.Messages) > 0 {
			if formatted := formatReady(before); formatted != after {
				t.Fatalf("retry of %v: before the crash %q, after %q", request, formatted, after)
			}
		}
	}
	h.service = recovered
	h.forgetSubscriptions()
}

// tick: afterwards no stream is TickInterval behind the HLC's time.
func (h *logHarness) tick(t *rapid.T) {
	h.apply(h.service.Tick())
	now := max(h.clock.nowNanos, h.service.hlc.Last().WallNanos)
	for _, name := range h.service.Streams() {
		if _, last := h.service.Head(name); olderBy(last.WallNanos, now, h.config.TickInterval) {
			t.Fatalf("stream %q: last entry %v is %v behind %d after a tick", name, last, h.config.TickInterval, now)
		}
	}
}

func TestServiceProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newLogHarness(t)
		t.Repeat(map[string]func(*rapid.T){
			"append":    h.appendNew,
			"late":      h.appendLate,
			"retry":     h.retry,
			"subscribe": h.subscribe,
			"read":      h.read,
			"tick":      h.tick,
			"advance": func(t *rapid.T) {
				h.clock.nowNanos += rapid.Int64Range(0, 2*int64(h.config.TickInterval)).Draw(t, "advance")
			},
			"jump":   func(t *rapid.T) { h.clock.nowNanos += rapid.Int64Range(-1e4, 1e4).Draw(t, "jump") },
			"crash":  h.crash,
			"remove": h.remove,
			"": func(t *rapid.T) {
				h.checkSubscriptions()
			},
		})
	})
}
