package streamlog

import (
	"fmt"
	"strings"

	"github.com/proven2pc/proven/engines/wire"
)

// scriptedClock is a physical clock the test sets and jumps.
type scriptedClock struct{ nowNanos int64 }

func (c *scriptedClock) Now() int64 { return c.nowNanos }

// formatPayload shows a tick as "tick" and anything else quoted.
func formatPayload(payload []byte) string {
	if entry, err := wire.DecodeEntry(payload); err == nil {
		if entry.Kind == wire.EntryTick {
			return "tick"
		}
		return fmt.Sprintf("%s deadline=%d", entry.Kind, entry.DeadlineNanos)
	}
	return fmt.Sprintf("%q", payload)
}

func formatEntries(entries []wire.LogEntry) string {
	parts := make([]string, len(entries))
	for i, entry := range entries {
		parts[i] = fmt.Sprintf("[#%d %v %s]", entry.Position, entry.Timestamp, formatPayload(entry.Payload))
	}
	return strings.Join(parts, " ")
}

// formatRecord decodes a persisted record for display.
func formatRecord(data []byte) string {
	r, err := decodeRecord(data)
	if err != nil {
		return fmt.Sprintf("undecodable record: %v", err)
	}
	text := fmt.Sprintf("%s#%d %v", r.stream, r.entry.Position, r.entry.Timestamp)
	if r.kind == recordAppend {
		text += fmt.Sprintf(" append %v", r.request)
	}
	return text + " " + formatPayload(r.entry.Payload)
}

func formatMessage(message any) string {
	switch m := message.(type) {
	case wire.MsgAppendReply:
		return fmt.Sprintf("MsgAppendReply %v %s#%d %v", m.Request, m.Stream, m.Position, m.Timestamp)
	case wire.MsgEntries:
		return fmt.Sprintf("MsgEntries %s %s", m.Stream, formatEntries(m.Entries))
	case wire.MsgReadLogReply:
		text := fmt.Sprintf("MsgReadLogReply %v %s head=#%d %v", m.Request, m.Stream, m.HeadPosition, m.HeadTimestamp)
		if len(m.Entries) > 0 {
			text += " " + formatEntries(m.Entries)
		}
		return text
	}
	return fmt.Sprintf("%T %+v", message, message)
}

// formatReady prints a Ready one line per record and message.
func formatReady(ready Ready) string {
	var b strings.Builder
	for _, data := range ready.Persist {
		fmt.Fprintf(&b, "persist %s\n", formatRecord(data))
	}
	for _, out := range ready.Messages {
		fmt.Fprintf(&b, "send %d %s\n", out.To, formatMessage(out.Message))
	}
	if b.Len() == 0 {
		return "nothing\n"
	}
	return b.String()
}
