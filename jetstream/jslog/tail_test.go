package jslog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// TestTailScenarios runs testdata/tail/*. Commands:
//
//	new [node=N] [read-max=N] [acks-max=N]   a fresh tail of stream "s"
//	observe pos=N at=T [payload=P]           JetStream's message at sequence N, stored at T
//	ack origin=O seq=Q to=A pos=N            a stored append waiting for its reply
//	subscribe to=A [from=N]
//	unsubscribe to=A
//	read [from=N] [count=N] [to=A]
//	head
func TestTailScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/tail", func(t *testing.T, path string) {
		var tail *Tail
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "new" && tail == nil {
				d.Fatalf(t, "%s before new", d.Cmd)
			}
			switch d.Cmd {
			case "new":
				var node uint32 = 7
				var config TailConfig
				d.MaybeScanArgs(t, "node", &node)
				d.MaybeScanArgs(t, "read-max", &config.ReadCountMax)
				d.MaybeScanArgs(t, "acks-max", &config.AcknowledgementsMax)
				tail = NewTail("s", node, config)
				return ""
			case "observe":
				var position uint64
				var at int64
				payload := ""
				d.ScanArgs(t, "pos", &position)
				d.ScanArgs(t, "at", &at)
				d.MaybeScanArgs(t, "payload", &payload)
				ready, err := tail.Observe(position, at, []byte(payload))
				if err != nil {
					return fmt.Sprintf("error: %v\n", err)
				}
				return formatReady(ready)
			case "ack":
				var origin, sequence, to, position uint64
				d.ScanArgs(t, "origin", &origin)
				d.ScanArgs(t, "seq", &sequence)
				d.ScanArgs(t, "to", &to)
				d.ScanArgs(t, "pos", &position)
				ready := tail.Acknowledge(wire.RequestID{Origin: origin, Sequence: sequence}, wire.Address(to), position)
				return formatReady(ready) + fmt.Sprintf("waiting=%d dropped=%d\n", len(tail.acknowledgements), tail.Dropped())
			case "subscribe":
				var to, from uint64
				d.ScanArgs(t, "to", &to)
				d.MaybeScanArgs(t, "from", &from)
				return formatReady(tail.Subscribe(wire.MsgSubscribe{Stream: "s", From: from, Subscriber: wire.Address(to)}))
			case "unsubscribe":
				var to uint64
				d.ScanArgs(t, "to", &to)
				tail.Unsubscribe(wire.Address(to))
				return ""
			case "read":
				var from, to uint64
				count := 100
				d.MaybeScanArgs(t, "from", &from)
				d.MaybeScanArgs(t, "count", &count)
				d.MaybeScanArgs(t, "to", &to)
				return formatReady(tail.ReadLog(wire.MsgReadLog{Stream: "s", From: from, CountMax: count, ReplyTo: wire.Address(to)}))
			case "head":
				position, timestamp := tail.Head()
				return fmt.Sprintf("head=%d@%v\n", position, timestamp)
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

func formatReady(ready Ready) string {
	var b strings.Builder
	for _, out := range ready.Messages {
		fmt.Fprintf(&b, "-> %d %s\n", out.To, formatMessage(out.Message))
	}
	return b.String()
}

func formatMessage(message any) string {
	switch m := message.(type) {
	case wire.MsgEntries:
		return "MsgEntries " + formatEntries(m.Entries)
	case wire.MsgAppendReply:
		return fmt.Sprintf("MsgAppendReply req=%v pos=%d ts=%v", m.Request, m.Position, m.Timestamp)
	case wire.MsgReadLogReply:
		return fmt.Sprintf("MsgReadLogReply head=%d@%v %s", m.HeadPosition, m.HeadTimestamp, formatEntries(m.Entries))
	}
	return fmt.Sprintf("%T", message)
}

func formatEntries(entries []wire.LogEntry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = fmt.Sprintf("%d@%v", e.Position, e.Timestamp)
		if len(e.Payload) > 0 {
			parts[i] += ":" + string(e.Payload)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestStampIsAFunctionOfTheLog: two tails fed the same messages, one
// whole and one as redeliveries interleaved with subscriptions, reads and
// acknowledgements, hold the same entries; timestamps strictly increase
// and are never below the stored time.
func TestStampIsAFunctionOfTheLog(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		stored := rapid.SliceOfN(rapid.Int64Range(0, 50), 1, 60).Draw(t, "stored")
		whole := NewTail("s", 3, TailConfig{})
		for i, at := range stored {
			if _, err := whole.Observe(uint64(i+1), at, nil); err != nil {
				t.Fatal(err)
			}
		}
		other := NewTail("s", 3, TailConfig{ReadCountMax: 4})
		for next := 1; next <= len(stored); {
			switch rapid.IntRange(0, 4).Draw(t, "input") {
			case 0: // a redelivery of an earlier message
				position := rapid.IntRange(1, next).Draw(t, "redelivered")
				if position < next {
					if _, err := other.Observe(uint64(position), 999, nil); err != nil {
						t.Fatal(err)
					}
				}
			case 1:
				other.Subscribe(wire.MsgSubscribe{Stream: "s", From: uint64(rapid.IntRange(0, next).Draw(t, "from")), Subscriber: 9})
			case 2:
				other.Acknowledge(wire.RequestID{Origin: 1, Sequence: uint64(next)}, 5, uint64(rapid.IntRange(0, len(stored)).Draw(t, "ack")))
			default:
				if _, err := other.Observe(uint64(next), stored[next-1], nil); err != nil {
					t.Fatal(err)
				}
				next++
			}
		}
		var previous clock.Timestamp
		for i, entry := range whole.entries {
			if entry.Position != other.entries[i].Position || entry.Timestamp != other.entries[i].Timestamp {
				t.Fatalf("position %d: %v and %v", i+1, entry, other.entries[i])
			}
			if !previous.Less(entry.Timestamp) || entry.Timestamp.WallNanos < stored[i] {
				t.Fatalf("position %d: timestamp %v after %v, stored at %d", i+1, entry.Timestamp, previous, stored[i])
			}
			previous = entry.Timestamp
		}
		if len(other.acknowledgements) != 0 {
			t.Fatalf("%d acknowledgements still wait with every position reached", len(other.acknowledgements))
		}
	})
}
