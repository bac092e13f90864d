package streamlog

import (
	"bytes"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

func fuzzSeedRecords() [][]byte {
	return [][]byte{
		record{kind: recordAppend, stream: "a", request: wire.RequestID{Origin: 1, Sequence: 2},
			entry: wire.LogEntry{Position: 1, Timestamp: clock.Timestamp{WallNanos: 5, Logical: 1, Node: 2},
				Payload: []byte("payload")}}.appendBinary(nil),
		record{kind: recordTick, stream: "stream", entry: wire.LogEntry{Position: 9,
			Timestamp: clock.Timestamp{WallNanos: -5}, Payload: tickPayload}}.appendBinary(nil),
		{recordFormat, byte(recordAppend), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		{},
	}
}

// FuzzDecodeRecord: arbitrary bytes never panic, and whatever decodes
// encodes back to bytes that decode to the same record.
func FuzzDecodeRecord(f *testing.F) {
	for _, seed := range fuzzSeedRecords() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeRecord(data)
		if err != nil {
			return
		}
		again, err := decodeRecord(r.appendBinary(nil))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if again.kind != r.kind || again.stream != r.stream || again.request != r.request ||
			again.entry.Position != r.entry.Position || again.entry.Timestamp != r.entry.Timestamp ||
			!bytes.Equal(again.entry.Payload, r.entry.Payload) {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}

// FuzzRecover: Recover on arbitrary records (the fuzz input split at 0xfe
// bytes) returns a service or an error, never a panic.
func FuzzRecover(f *testing.F) {
	f.Add(bytes.Join(fuzzSeedRecords()[:2], []byte{0xfe}))
	f.Add([]byte{0xfe, 0xfe})
	f.Fuzz(func(t *testing.T, data []byte) {
		records := bytes.Split(data, []byte{0xfe})
		service, err := Recover(Config{}, &scriptedClock{}, 1, records)
		if err != nil {
			return
		}
		for _, name := range service.Streams() {
			head, _ := service.Head(name)
			if head == 0 {
				t.Fatalf("recovered stream %q is empty", name)
			}
		}
		service.Tick()
	})
}
