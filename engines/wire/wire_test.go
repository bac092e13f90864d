package wire

import (
	"encoding"
	"reflect"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"pgregory.net/rapid"
)

type wireMessage interface {
	encoding.BinaryAppender
}

func drawStamp(t *rapid.T, label string) clock.Timestamp {
	return clock.Timestamp{WallNanos: rapid.Int64().Draw(t, label+"Wall"), Logical: rapid.Uint32().Draw(t, label+"Logical"),
		Node: rapid.Uint32().Draw(t, label+"Node")}
}

func drawBytes(t *rapid.T, label string) []byte {
	b := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, label)
	if len(b) == 0 {
		return nil
	}
	return b
}

func drawEntries(t *rapid.T) []LogEntry {
	var entries []LogEntry
	for range rapid.IntRange(0, 3).Draw(t, "entries") {
		entries = append(entries, LogEntry{Position: rapid.Uint64().Draw(t, "position"), Timestamp: drawStamp(t, "entry"),
			Payload: drawBytes(t, "payload")})
	}
	return entries
}

// TestWireRoundTrip encodes random protocol messages and decodes them back.
func TestWireRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		request := RequestID{Origin: rapid.Uint64().Draw(t, "origin"), Sequence: rapid.Uint64().Draw(t, "sequence")}
		stream := rapid.StringN(0, 6, -1).Draw(t, "stream")
		code := engines.ErrorCode(rapid.SampledFrom([]string{"", "aborted", "deadline"}).Draw(t, "code"))
		messages := []wireMessage{
			MsgAppend{Request: request, ReplyTo: Address(rapid.Uint64().Draw(t, "replyTo")), Stream: stream,
				Payload: drawBytes(t, "payload"), Unacknowledged: rapid.Bool().Draw(t, "unacknowledged")},
			MsgAppendReply{Request: request, Stream: stream, Position: rapid.Uint64().Draw(t, "position"), Timestamp: drawStamp(t, "ts")},
			MsgSubscribe{Stream: stream, From: rapid.Uint64().Draw(t, "from"), Subscriber: Address(rapid.Uint64().Draw(t, "subscriber"))},
			MsgEntries{Stream: stream, Entries: drawEntries(t)},
			MsgReadLog{Request: request, ReplyTo: 5, Stream: stream, From: 3, CountMax: rapid.IntRange(-5, 500).Draw(t, "count")},
			MsgReadLogReply{Request: request, Stream: stream, Entries: drawEntries(t), HeadPosition: 9, HeadTimestamp: drawStamp(t, "head")},
			MsgOperationReply{Request: request, Txn: drawStamp(t, "txn"), Stream: stream, Status: engines.StatusFailed,
				Result: drawBytes(t, "result"), Code: code, Error: "why", Position: 4, Timestamp: drawStamp(t, "at")},
			MsgVote{Request: request, Txn: drawStamp(t, "txn"), Stream: stream, Prepared: rapid.Bool().Draw(t, "prepared"),
				PrepareTimestamp: drawStamp(t, "prepare"), Code: code, Reason: "r"},
			MsgOutcome{Request: request, Txn: drawStamp(t, "txn"), Stream: stream, Committed: rapid.Bool().Draw(t, "committed"),
				CommitTimestamp: drawStamp(t, "commit"), Code: code, Reason: "r"},
			MsgSnapshotRead{Request: request, ReplyTo: 2, Stream: stream, Snapshot: drawStamp(t, "snapshot"), Operation: drawBytes(t, "op")},
			MsgSnapshotReadReply{Request: request, Stream: stream, Status: engines.StatusDone, Result: drawBytes(t, "result"), Code: code, Error: "e",
				AppliedTimestamp: drawStamp(t, "applied")},
		}
		for _, message := range messages {
			data, err := message.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			decoded := reflect.New(reflect.TypeOf(message))
			if err := decoded.Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(data); err != nil {
				t.Fatalf("%T: %v", message, err)
			}
			if got := decoded.Elem().Interface(); !reflect.DeepEqual(got, message) {
				t.Fatalf("%T round trip:\n got %#v\nwant %#v", message, got, message)
			}
			if len(data) > 0 {
				if err := decoded.Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(data[:len(data)-1]); err == nil {
					t.Fatalf("%T: a truncated encoding decoded", message)
				}
			}
		}
	})
}

func FuzzWireDecode(f *testing.F) {
	seed, _ := MsgEntries{Stream: "s", Entries: []LogEntry{{Position: 1, Payload: []byte("x")}}}.AppendBinary(nil)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []encoding.BinaryUnmarshaler{&MsgAppend{}, &MsgAppendReply{}, &MsgSubscribe{}, &MsgEntries{},
			&MsgReadLog{}, &MsgReadLogReply{}, &MsgOperationReply{}, &MsgVote{}, &MsgOutcome{}, &MsgSnapshotRead{},
			&MsgSnapshotReadReply{}}
		for _, target := range targets {
			_ = target.UnmarshalBinary(data)
		}
	})
}

// An entry's header reads back what the entry holds, without the rest;
// its deadline too, except a tick's; arbitrary bytes never panic, and a
// header read from them names a known kind.
func TestEntryHeaderReadsTheStartOfAnEntry(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		entry := Entry{Kind: EntryKind(rapid.IntRange(int(EntryTick), int(entryKindEnd)-1).Draw(t, "kind")),
			Txn: drawStamp(t, "txn"), DeadlineNanos: rapid.Int64().Draw(t, "deadline"), Operation: drawBytes(t, "op"),
			Participants: []Participant{{Stream: "s", StartPosition: 3}}}
		data := entry.Encode()
		header, ok := ReadEntryHeader(data)
		if !ok || header != (EntryHeader{Kind: entry.Kind, Txn: entry.Txn, DeadlineNanos: entry.DeadlineNanos}) {
			t.Fatalf("header %+v (%t) of %+v", header, ok, entry)
		}
		deadline, ok := EntryDeadline(data)
		if ok != (entry.Kind != EntryTick) || (ok && deadline != entry.DeadlineNanos) {
			t.Fatalf("deadline %d (%t) of a %v entry with deadline %d", deadline, ok, entry.Kind, entry.DeadlineNanos)
		}
		noise := rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(t, "noise")
		if header, ok := ReadEntryHeader(noise); ok && (header.Kind == 0 || header.Kind >= entryKindEnd) {
			t.Fatalf("noise %x read as a %v header", noise, header.Kind)
		}
	})
}
