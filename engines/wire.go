package engines

import (
	"encoding/binary"
	"fmt"

	"github.com/proven2pc/proven/clock"
)

// Binary encodings of the protocol messages. The simulator's codec (and
// any real transport) uses them instead of JSON: every message of every
// transaction crosses the network several times, so this is the hot path.
// Each encoding is deterministic; decoding arbitrary bytes returns an
// error, never a panic, and rejects trailing bytes.

// wireWriter appends the fields of a message.
type wireWriter struct{ data []byte }

func (w *wireWriter) uvarint(v uint64) { w.data = binary.AppendUvarint(w.data, v) }
func (w *wireWriter) varint(v int64)   { w.data = binary.AppendVarint(w.data, v) }
func (w *wireWriter) bytes(b []byte)   { w.data = appendBytes(w.data, b) }
func (w *wireWriter) text(s string) {
	w.uvarint(uint64(len(s)))
	w.data = append(w.data, s...)
}
func (w *wireWriter) timestamp(t clock.Timestamp) { w.data = t.AppendKey(w.data) }
func (w *wireWriter) request(r RequestID) {
	w.uvarint(r.Origin)
	w.uvarint(r.Sequence)
}

func (r *wireReader) text() string { return string(r.bytes()) }
func (r *wireReader) request() RequestID {
	return RequestID{Origin: r.uvarint(), Sequence: r.uvarint()}
}

// finish reports the first decoding error, or trailing bytes.
func (r *wireReader) finish(kind string) error {
	if r.err == nil && len(r.data) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.data))
	}
	if r.err != nil {
		return fmt.Errorf("engines: decode %s: %w", kind, r.err)
	}
	return nil
}

// entriesMax bounds the entries one message may carry.
const entriesMax = 1 << 16

func (m MsgAppend) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.uvarint(uint64(m.ReplyTo))
	w.text(m.Stream)
	w.bytes(m.Payload)
	w.uvarint(boolWord(m.Unacknowledged))
	return w.data, nil
}

func (m *MsgAppend) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgAppend{Request: r.request(), ReplyTo: Address(r.uvarint()), Stream: r.text(), Payload: r.bytes(),
		Unacknowledged: r.uvarintMax(1) == 1}
	return r.finish("MsgAppend")
}

func (m MsgAppendReply) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.text(m.Stream)
	w.uvarint(m.Position)
	w.timestamp(m.Timestamp)
	return w.data, nil
}

func (m *MsgAppendReply) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgAppendReply{Request: r.request(), Stream: r.text(), Position: r.uvarint(), Timestamp: r.timestamp()}
	return r.finish("MsgAppendReply")
}

func (m MsgSubscribe) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.text(m.Stream)
	w.uvarint(m.From)
	w.uvarint(uint64(m.Subscriber))
	return w.data, nil
}

func (m *MsgSubscribe) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgSubscribe{Stream: r.text(), From: r.uvarint(), Subscriber: Address(r.uvarint())}
	return r.finish("MsgSubscribe")
}

func appendLogEntries(w *wireWriter, entries []LogEntry) {
	w.uvarint(uint64(len(entries)))
	for _, e := range entries {
		w.uvarint(e.Position)
		w.timestamp(e.Timestamp)
		w.bytes(e.Payload)
	}
}

func readLogEntries(r *wireReader) []LogEntry {
	count := r.uvarintMax(entriesMax)
	var entries []LogEntry
	for range count {
		e := LogEntry{Position: r.uvarint(), Timestamp: r.timestamp(), Payload: r.bytes()}
		if r.err != nil {
			return nil
		}
		entries = append(entries, e)
	}
	return entries
}

func (m MsgEntries) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.text(m.Stream)
	appendLogEntries(&w, m.Entries)
	return w.data, nil
}

func (m *MsgEntries) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgEntries{Stream: r.text(), Entries: readLogEntries(&r)}
	return r.finish("MsgEntries")
}

func (m MsgReadLog) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.uvarint(uint64(m.ReplyTo))
	w.text(m.Stream)
	w.uvarint(m.From)
	w.varint(int64(m.CountMax))
	return w.data, nil
}

func (m *MsgReadLog) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgReadLog{Request: r.request(), ReplyTo: Address(r.uvarint()), Stream: r.text(), From: r.uvarint(),
		CountMax: int(r.varint())}
	return r.finish("MsgReadLog")
}

func (m MsgReadLogReply) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.text(m.Stream)
	appendLogEntries(&w, m.Entries)
	w.uvarint(m.HeadPosition)
	w.timestamp(m.HeadTimestamp)
	return w.data, nil
}

func (m *MsgReadLogReply) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgReadLogReply{Request: r.request(), Stream: r.text(), Entries: readLogEntries(&r),
		HeadPosition: r.uvarint(), HeadTimestamp: r.timestamp()}
	return r.finish("MsgReadLogReply")
}

func (m MsgOperationReply) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.timestamp(m.Txn)
	w.text(m.Stream)
	w.uvarint(uint64(m.Status))
	w.bytes(m.Result)
	w.text(string(m.Code))
	w.text(m.Error)
	w.uvarint(m.Position)
	w.timestamp(m.Timestamp)
	return w.data, nil
}

func (m *MsgOperationReply) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgOperationReply{Request: r.request(), Txn: r.timestamp(), Stream: r.text(), Status: Status(r.uvarint()),
		Result: r.bytes(), Code: ErrorCode(r.text()), Error: r.text(), Position: r.uvarint(), Timestamp: r.timestamp()}
	return r.finish("MsgOperationReply")
}

func (m MsgVote) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.timestamp(m.Txn)
	w.text(m.Stream)
	w.uvarint(boolWord(m.Prepared))
	w.timestamp(m.PrepareTimestamp)
	w.text(string(m.Code))
	w.text(m.Reason)
	return w.data, nil
}

func (m *MsgVote) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgVote{Request: r.request(), Txn: r.timestamp(), Stream: r.text(), Prepared: r.uvarintMax(1) == 1,
		PrepareTimestamp: r.timestamp(), Code: ErrorCode(r.text()), Reason: r.text()}
	return r.finish("MsgVote")
}

func (m MsgOutcome) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.timestamp(m.Txn)
	w.text(m.Stream)
	w.uvarint(boolWord(m.Committed))
	w.timestamp(m.CommitTimestamp)
	w.text(string(m.Code))
	w.text(m.Reason)
	return w.data, nil
}

func (m *MsgOutcome) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgOutcome{Request: r.request(), Txn: r.timestamp(), Stream: r.text(), Committed: r.uvarintMax(1) == 1,
		CommitTimestamp: r.timestamp(), Code: ErrorCode(r.text()), Reason: r.text()}
	return r.finish("MsgOutcome")
}

func (m MsgSnapshotRead) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.uvarint(uint64(m.ReplyTo))
	w.text(m.Stream)
	w.timestamp(m.Snapshot)
	w.bytes(m.Operation)
	return w.data, nil
}

func (m *MsgSnapshotRead) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgSnapshotRead{Request: r.request(), ReplyTo: Address(r.uvarint()), Stream: r.text(), Snapshot: r.timestamp(),
		Operation: r.bytes()}
	return r.finish("MsgSnapshotRead")
}

func (m MsgSnapshotReadReply) AppendBinary(b []byte) ([]byte, error) {
	w := wireWriter{data: b}
	w.request(m.Request)
	w.text(m.Stream)
	w.uvarint(uint64(m.Status))
	w.bytes(m.Result)
	w.text(string(m.Code))
	w.text(m.Error)
	w.timestamp(m.AppliedTimestamp)
	return w.data, nil
}

func (m *MsgSnapshotReadReply) UnmarshalBinary(b []byte) error {
	r := wireReader{data: b}
	*m = MsgSnapshotReadReply{Request: r.request(), Stream: r.text(), Status: Status(r.uvarint()), Result: r.bytes(),
		Code: ErrorCode(r.text()), Error: r.text(), AppliedTimestamp: r.timestamp()}
	return r.finish("MsgSnapshotReadReply")
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
