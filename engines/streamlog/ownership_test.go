package streamlog

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// The log keeps its own copy of every appended payload: a caller that
// reuses its message's bytes after Step changes nothing in the log, in the
// pushed or read entries, or in the records a host already took (Readys
// reuse their arrays from append to append, never the records).
func TestAppendedPayloadsAreTheLogsOwn(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		service := New(Config{}, &scriptedClock{nowNanos: 1}, 7)
		service.Step(200, wire.MsgSubscribe{Stream: "s", Subscriber: 200, From: 1})
		count := rapid.IntRange(1, 30).Draw(t, "appends")
		buffer := make([]byte, 0, 64)
		var records [][]byte
		var pushed []wire.LogEntry
		for i := range count {
			buffer = fmt.Appendf(buffer[:0], "payload-%d-%s", i, bytes.Repeat([]byte{'p'}, i))
			ready := service.Step(100, wire.MsgAppend{Request: wire.RequestID{Origin: 1, Sequence: uint64(i)},
				ReplyTo: 100, Stream: "s", Payload: buffer})
			records = append(records, ready.Persist...)
			for _, out := range ready.Messages {
				if entries, ok := out.Message.(wire.MsgEntries); ok {
					pushed = append(pushed, entries.Entries...)
				}
			}
			clear(buffer[:cap(buffer)]) // the caller reuses its buffer
		}
		reply := service.Step(100, wire.MsgReadLog{Request: wire.RequestID{Origin: 2, Sequence: 1},
			ReplyTo: 100, Stream: "s", From: 2, CountMax: count}).Messages[0].Message.(wire.MsgReadLogReply)
		if len(records) != count || len(pushed) != count || len(reply.Entries) != count {
			t.Fatalf("%d records, %d pushed, %d read; want %d", len(records), len(pushed),
				len(reply.Entries), count)
		}
		for i := range count {
			want := fmt.Sprintf("payload-%d-%s", i, bytes.Repeat([]byte{'p'}, i))
			record, err := decodeRecord(records[i])
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			for j, payload := range [][]byte{record.entry.Payload, pushed[i].Payload, reply.Entries[i].Payload} {
				if string(payload) != want {
					t.Fatalf("append %d: %s payload %q, want %q", i, []string{"record", "pushed", "read"}[j], payload, want)
				}
			}
		}
	})
}
