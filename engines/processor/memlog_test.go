package processor_test

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
)

const (
	memLogAddress         wire.Address = 1
	memProcessorAddress   wire.Address = 2
	memCoordinatorAddress wire.Address = 3
	memStream                          = "s"
	// memEntryGapNanos is the wall-time step between consecutive entries.
	memEntryGapNanos = 10
)

// memLog is an in-memory stream log wired straight into one processor: it
// stamps each appended entry with a strictly larger timestamp, pushes it
// with Step(MsgEntries) and keeps what the processor sent to the
// coordinator. Messages to the log service (subscriptions, termination
// reads and resolve appends) are dropped: deadlines in these tests are
// never reached, so termination never starts.
type memLog struct {
	entries   []wire.LogEntry
	processor *processor.Processor
	requests  uint64
	// messages are the processor's messages to the coordinator, in order.
	messages []any
}

func memConfig() processor.Config {
	return processor.Config{Stream: memStream, Self: memProcessorAddress, Log: memLogAddress, CheckpointEvery: 1 << 30}
}

func newMemLog(engine engines.Engine) *memLog {
	p := processor.New(memConfig(), engine)
	p.Start()
	return &memLog{processor: p}
}

// nextRequest returns a fresh request id of the test coordinator.
func (l *memLog) nextRequest() wire.RequestID {
	l.requests++
	return wire.RequestID{Origin: uint64(memCoordinatorAddress), Sequence: l.requests}
}

// append stamps entry (with a fresh request id and the coordinator as its
// reply address), applies it and returns its request id.
func (l *memLog) append(entry wire.Entry) wire.RequestID {
	entry.Request = l.nextRequest()
	entry.ReplyTo = memCoordinatorAddress
	position := uint64(len(l.entries) + 1)
	logEntry := wire.LogEntry{Position: position, Payload: entry.Encode(),
		Timestamp: clock.Timestamp{WallNanos: int64(position) * memEntryGapNanos, Node: 1}}
	l.entries = append(l.entries, logEntry)
	l.collect(l.processor.Step(memLogAddress, wire.MsgEntries{Stream: memStream, Entries: []wire.LogEntry{logEntry}}))
	return entry.Request
}

func (l *memLog) collect(ready processor.Ready) {
	for _, m := range ready.Messages {
		if m.To == memCoordinatorAddress {
			l.messages = append(l.messages, m.Message)
		}
	}
}

// take returns and forgets the messages received so far.
func (l *memLog) take() []any {
	messages := l.messages
	l.messages = nil
	return messages
}

// replay feeds entries to a processor one at a time.
func replay(p *processor.Processor, entries []wire.LogEntry) {
	for _, entry := range entries {
		p.Step(memLogAddress, wire.MsgEntries{Stream: memStream, Entries: []wire.LogEntry{entry}})
	}
}
