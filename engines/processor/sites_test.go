package processor

import (
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// logEntryAt is an entry of a stream's log at a wall time.
func logEntryAt(position uint64, wall int64, entry wire.Entry) wire.LogEntry {
	return wire.LogEntry{Position: position, Timestamp: clock.Timestamp{WallNanos: wall, Node: 1}, Payload: entry.Encode()}
}

// sentOf returns the messages of a step of type M, with where they go.
func sentOf[M any](ready Ready) (messages []M, to []wire.Address) {
	for _, out := range ready.Messages {
		if m, ok := out.Message.(M); ok {
			messages, to = append(messages, m), append(to, out.To)
		}
	}
	return messages, to
}

// With logs spread over nodes (Config.LogOf), a processor subscribes to
// its own stream's node, reads a peer's log for termination from the
// peer's node, and appends its resolve entry to its own; with the
// tiny-batch site on, each termination read asks for one entry.
func TestLogsOnSeveralNodesAndTinyTerminationReads(t *testing.T) {
	const ownLog, peerLog wire.Address = 1, 2
	logOf := func(stream string) wire.Address {
		if stream == "t" {
			return peerLog
		}
		return ownLog
	}
	p := New(Config{Stream: "s", Self: 100, Log: 99, LogOf: logOf, Sites: func() Sites { return Sites{TinyBatches: true} }},
		newRegisterEngine())
	if _, to := sentOf[wire.MsgSubscribe](p.Start()); len(to) != 1 || to[0] != ownLog {
		t.Fatalf("subscribed at %v, want the own log node %d", to, ownLog)
	}
	txn := txnID(1)
	participants := []wire.Participant{{Stream: "s", StartPosition: 1}, {Stream: "t", StartPosition: 1}}
	p.Step(ownLog, wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{
		logEntryAt(1, 10, wire.Entry{Kind: wire.EntryOperation, Txn: txn, DeadlineNanos: 100, Sequence: 1,
			Operation: []byte("put a 1"), ReplyTo: 7}),
		logEntryAt(2, 20, wire.Entry{Kind: wire.EntryPrepare, Txn: txn, DeadlineNanos: 100, Participants: participants,
			ReplyTo: 7})}})
	ready := p.Step(ownLog, wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{
		logEntryAt(3, 130, wire.Entry{Kind: wire.EntryTick})}})
	reads, to := sentOf[wire.MsgReadLog](ready)
	if len(reads) != 1 || to[0] != peerLog || reads[0].Stream != "t" || reads[0].From != 1 || reads[0].CountMax != 1 {
		t.Fatalf("termination read %+v to %v, want t from 1, one entry, at the peer's log node %d", reads, to, peerLog)
	}
	p.Step(peerLog, wire.MsgReadLogReply{Request: reads[0].Request, Stream: "t", HeadPosition: 3,
		Entries: []wire.LogEntry{logEntryAt(1, 10, wire.Entry{Kind: wire.EntryOperation, Txn: txn, DeadlineNanos: 100})}})
	reads, to = sentOf[wire.MsgReadLog](p.Tick())
	if len(reads) != 1 || to[0] != peerLog || reads[0].From != 2 || reads[0].CountMax != 1 {
		t.Fatalf("the next termination read %+v to %v, want t from 2, one entry", reads, to)
	}
	ready = p.Step(peerLog, wire.MsgReadLogReply{Request: reads[0].Request, Stream: "t", HeadPosition: 3,
		Entries: []wire.LogEntry{logEntryAt(2, 90, wire.Entry{Kind: wire.EntryCommit, Txn: txn, DeadlineNanos: 100,
			CommitTimestamp: clock.Timestamp{WallNanos: 20, Logical: 1, Node: 1}})}})
	appends, to := sentOf[wire.MsgAppend](ready)
	if len(appends) != 1 || to[0] != ownLog || appends[0].Stream != "s" {
		t.Fatalf("resolve append %+v to %v, want one on s at the own log node %d", appends, to, ownLog)
	}
	if entry, err := wire.DecodeEntry(appends[0].Payload); err != nil || entry.Kind != wire.EntryResolve || !entry.Committed {
		t.Fatalf("resolve entry %+v (%v), want a commit", entry, err)
	}
}
