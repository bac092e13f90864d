package processor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
)

const (
	logAddress         wire.Address = 1
	coordinatorAddress wire.Address = 7
)

// harness runs processors over an in-memory log service, delivering every
// message at once and in order. Messages to the coordinator are recorded.
type harness struct {
	// collection holds, per stream, the VersionRetention and CollectEvery
	// its processor is configured with (none: the defaults).
	collection map[string][2]int
	// wallStep, when set, advances the wall time of an entry appended
	// without one by this much (instead of a logical tick).
	wallStep    int64
	logs        map[string][]wire.LogEntry
	processors  map[string]*Processor
	checkpoints map[string][]byte
	addresses   map[wire.Address]string
	subscribed  map[string]bool
	requests    uint64
	queue       []routed
	replies     []string
	// messages are the coordinator's messages, undecorated.
	messages []any
	// lost drops every message to the coordinator while set.
	lost bool
}

type routed struct {
	from, to wire.Address
	message  any
}

func newHarness() *harness {
	return &harness{collection: map[string][2]int{}, logs: map[string][]wire.LogEntry{}, processors: map[string]*Processor{},
		checkpoints: map[string][]byte{}, addresses: map[wire.Address]string{}, subscribed: map[string]bool{}}
}

func (h *harness) config(stream string) Config {
	address := wire.Address(100 + len(h.addresses))
	for existing, name := range h.addresses { //proven:allow map-order: lookup of a unique value
		if name == stream {
			address = existing
		}
	}
	h.addresses[address] = stream
	config := Config{Stream: stream, Self: address, Log: logAddress, CheckpointEvery: 1 << 30, ReadCountMax: 4}
	if collection, ok := h.collection[stream]; ok {
		config.VersionRetention, config.CollectEvery = time.Duration(collection[0]), collection[1]
	}
	return config
}

// addProcessor starts a processor for stream (a fresh one, or from the
// stream's last checkpoint when recovering).
func (h *harness) addProcessor(stream string, recover bool) {
	var checkpoint []byte
	if recover {
		checkpoint = h.checkpoints[stream]
	}
	p, err := Recover(h.config(stream), checkpoint, restoreRegister)
	if err != nil {
		panic(err)
	}
	h.processors[stream] = p
	h.route(p.config.Self, p.Start())
	h.drain()
}

func (h *harness) route(from wire.Address, ready Ready) {
	for _, m := range ready.Messages {
		h.queue = append(h.queue, routed{from: from, to: m.To, message: m.Message})
	}
}

// drain delivers queued messages until none is left.
func (h *harness) drain() {
	for len(h.queue) > 0 {
		next := h.queue[0]
		h.queue = h.queue[1:]
		switch {
		case next.to == logAddress:
			h.logService(next.from, next.message)
		case next.to == coordinatorAddress:
			if !h.lost {
				h.replies = append(h.replies, describe(h.addresses[next.from], next.message))
				h.messages = append(h.messages, next.message)
			}
		default:
			if p := h.processors[h.addresses[next.to]]; p != nil {
				h.route(p.config.Self, p.Step(next.from, next.message))
			}
		}
	}
}

func (h *harness) logService(from wire.Address, message any) {
	switch m := message.(type) {
	case wire.MsgSubscribe:
		h.subscribed[m.Stream] = true
		log := h.logs[m.Stream]
		if m.From <= uint64(len(log)) {
			h.queue = append(h.queue, routed{from: logAddress, to: m.Subscriber,
				message: wire.MsgEntries{Stream: m.Stream, Entries: slices.Clone(log[m.From-1:])}})
		}
	case wire.MsgReadLog:
		log := h.logs[m.Stream]
		reply := wire.MsgReadLogReply{Request: m.Request, Stream: m.Stream, HeadPosition: uint64(len(log))}
		if len(log) > 0 {
			reply.HeadTimestamp = log[len(log)-1].Timestamp
		}
		for position := m.From; position <= uint64(len(log)) && len(reply.Entries) < m.CountMax; position++ {
			reply.Entries = append(reply.Entries, log[position-1])
		}
		h.queue = append(h.queue, routed{from: logAddress, to: m.ReplyTo, message: reply})
	case wire.MsgAppend:
		entry, err := wire.DecodeEntry(m.Payload)
		if err != nil {
			panic(err)
		}
		h.append(m.Stream, entry, 0)
	}
}

// append adds an entry to a stream at wall time at (0: one after the last)
// and pushes it to the stream's processor.
func (h *harness) append(stream string, entry wire.Entry, at int64) wire.LogEntry {
	log := h.logs[stream]
	if at == 0 && h.wallStep > 0 && len(log) > 0 {
		at = log[len(log)-1].Timestamp.WallNanos + h.wallStep
	}
	stamp := clock.Timestamp{WallNanos: at, Node: 1}
	if len(log) > 0 && !log[len(log)-1].Timestamp.Less(stamp) {
		stamp = log[len(log)-1].Timestamp.Next()
	}
	logEntry := wire.LogEntry{Position: uint64(len(log) + 1), Timestamp: stamp, Payload: entry.Encode()}
	h.logs[stream] = append(log, logEntry)
	if p := h.processors[stream]; p != nil && h.subscribed[stream] {
		h.queue = append(h.queue, routed{from: logAddress, to: p.config.Self,
			message: wire.MsgEntries{Stream: stream, Entries: []wire.LogEntry{logEntry}}})
	}
	h.drain()
	return logEntry
}

func (h *harness) nextRequest() wire.RequestID {
	h.requests++
	return wire.RequestID{Origin: uint64(coordinatorAddress), Sequence: h.requests}
}

func (h *harness) takeReplies() string {
	out := strings.Join(h.replies, "\n")
	h.replies = nil
	return out
}

// txnID names test transaction n: smaller n is older.
// txnID is the scenario files' txn=n: the zero id for 0.
func txnID(n int64) engines.TxnID {
	if n == 0 {
		return engines.TxnID{}
	}
	return engines.TxnID{WallNanos: n, Node: 9}
}

func describe(stream string, message any) string {
	switch m := message.(type) {
	case wire.MsgOperationReply:
		if m.Status == engines.StatusFailed {
			return fmt.Sprintf("%s: txn=%d @%d failed %s: %s", stream, m.Txn.WallNanos, m.Position, m.Code, m.Error)
		}
		return fmt.Sprintf("%s: txn=%d @%d done %s", stream, m.Txn.WallNanos, m.Position, m.Result)
	case wire.MsgVote:
		if m.Prepared {
			return fmt.Sprintf("%s: txn=%d prepared at %v", stream, m.Txn.WallNanos, m.PrepareTimestamp)
		}
		return fmt.Sprintf("%s: txn=%d vote no, %s: %s", stream, m.Txn.WallNanos, m.Code, m.Reason)
	case wire.MsgOutcome:
		if m.Committed {
			return fmt.Sprintf("%s: txn=%d committed at %v", stream, m.Txn.WallNanos, m.CommitTimestamp)
		}
		return fmt.Sprintf("%s: txn=%d aborted, %s: %s", stream, m.Txn.WallNanos, m.Code, m.Reason)
	case wire.MsgSnapshotReadReply:
		if m.Status == engines.StatusFailed {
			return fmt.Sprintf("%s: read failed %s: %s", stream, m.Code, m.Error)
		}
		return fmt.Sprintf("%s: read %s", stream, m.Result)
	}
	return fmt.Sprintf("%s: %T", stream, message)
}

// statusLine summarizes every processor, for scenario files.
func (h *harness) statusLine() string {
	var lines []string
	for _, stream := range slices.Sorted(maps.Keys(h.processors)) {
		s := h.processors[stream].Status()
		lines = append(lines, fmt.Sprintf("%s: applied=%d active=%d prepared=%d deferred=%d reads=%d terminations=%d locks=%d",
			stream, h.processors[stream].AppliedPosition(), s.Active, s.Prepared, s.Deferred, s.PendingReads,
			s.Terminations, s.Held.Locks))
	}
	return strings.Join(lines, "\n")
}
