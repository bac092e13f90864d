package wire

import (
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/binenc"
)

// Binary encodings of the protocol messages. The simulator's codec (and
// any real transport) uses them instead of JSON: every message of every
// transaction crosses the network several times, so this is the hot path.
// Each encoding is deterministic; decoding arbitrary bytes returns an
// error, never a panic, and rejects trailing bytes.

func appendRequest(w *binenc.Writer, r RequestID) {
	w.AppendUvarint(r.Origin)
	w.AppendUvarint(r.Sequence)
}

func readRequest(r *binenc.Reader) RequestID {
	return RequestID{Origin: r.Uvarint(), Sequence: r.Uvarint()}
}

// finish reports the first decoding error, or trailing bytes.
func finish(r *binenc.Reader, kind string) error {
	if err := r.Finish(); err != nil {
		return fmt.Errorf("wire: decode %s: %w", kind, err)
	}
	return nil
}

// entriesMax bounds the entries one message may carry.
const entriesMax = 1 << 16

func (m MsgAppend) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendUvarint(uint64(m.ReplyTo))
	w.AppendString(m.Stream)
	w.AppendBytes(m.Payload)
	w.AppendBool(m.Unacknowledged)
	return w.Data(), nil
}

func (m *MsgAppend) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgAppend{Request: readRequest(&r), ReplyTo: Address(r.Uvarint()), Stream: r.Text(), Payload: r.Bytes(),
		Unacknowledged: r.UvarintMax(1) == 1}
	return finish(&r, "MsgAppend")
}

func (m MsgAppendReply) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendString(m.Stream)
	w.AppendUvarint(m.Position)
	w.AppendTimestamp(m.Timestamp)
	return w.Data(), nil
}

func (m *MsgAppendReply) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgAppendReply{Request: readRequest(&r), Stream: r.Text(), Position: r.Uvarint(), Timestamp: r.Timestamp()}
	return finish(&r, "MsgAppendReply")
}

func (m MsgSubscribe) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	w.AppendString(m.Stream)
	w.AppendUvarint(m.From)
	w.AppendUvarint(uint64(m.Subscriber))
	return w.Data(), nil
}

func (m *MsgSubscribe) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgSubscribe{Stream: r.Text(), From: r.Uvarint(), Subscriber: Address(r.Uvarint())}
	return finish(&r, "MsgSubscribe")
}

func appendLogEntries(w *binenc.Writer, entries []LogEntry) {
	w.AppendUvarint(uint64(len(entries)))
	for _, e := range entries {
		w.AppendUvarint(e.Position)
		w.AppendTimestamp(e.Timestamp)
		w.AppendBytes(e.Payload)
	}
}

func readLogEntries(r *binenc.Reader) []LogEntry {
	count := r.UvarintMax(entriesMax)
	var entries []LogEntry
	for range count {
		e := LogEntry{Position: r.Uvarint(), Timestamp: r.Timestamp(), Payload: r.Bytes()}
		if r.Err() != nil {
			return nil
		}
		entries = append(entries, e)
	}
	return entries
}

func (m MsgEntries) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	w.AppendString(m.Stream)
	appendLogEntries(&w, m.Entries)
	return w.Data(), nil
}

func (m *MsgEntries) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgEntries{Stream: r.Text(), Entries: readLogEntries(&r)}
	return finish(&r, "MsgEntries")
}

func (m MsgReadLog) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendUvarint(uint64(m.ReplyTo))
	w.AppendString(m.Stream)
	w.AppendUvarint(m.From)
	w.AppendVarint(int64(m.CountMax))
	return w.Data(), nil
}

func (m *MsgReadLog) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgReadLog{Request: readRequest(&r), ReplyTo: Address(r.Uvarint()), Stream: r.Text(), From: r.Uvarint(),
		CountMax: int(r.Varint())}
	return finish(&r, "MsgReadLog")
}

func (m MsgReadLogReply) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendString(m.Stream)
	appendLogEntries(&w, m.Entries)
	w.AppendUvarint(m.HeadPosition)
	w.AppendTimestamp(m.HeadTimestamp)
	return w.Data(), nil
}

func (m *MsgReadLogReply) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgReadLogReply{Request: readRequest(&r), Stream: r.Text(), Entries: readLogEntries(&r),
		HeadPosition: r.Uvarint(), HeadTimestamp: r.Timestamp()}
	return finish(&r, "MsgReadLogReply")
}

func (m MsgOperationReply) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendTimestamp(m.Txn)
	w.AppendString(m.Stream)
	w.AppendUvarint(uint64(m.Status))
	w.AppendBytes(m.Result)
	w.AppendString(string(m.Code))
	w.AppendString(m.Error)
	w.AppendUvarint(m.Position)
	w.AppendTimestamp(m.Timestamp)
	return w.Data(), nil
}

func (m *MsgOperationReply) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgOperationReply{Request: readRequest(&r), Txn: r.Timestamp(), Stream: r.Text(), Status: engines.Status(r.Uvarint()),
		Result: r.Bytes(), Code: engines.ErrorCode(r.Text()), Error: r.Text(), Position: r.Uvarint(), Timestamp: r.Timestamp()}
	return finish(&r, "MsgOperationReply")
}

// A verdict is the layout MsgVote and MsgOutcome share: a participant's
// answer on a transaction (prepared, committed), its timestamp, and why
// not.
type verdict struct {
	request   RequestID
	txn       engines.TxnID
	stream    string
	yes       bool
	timestamp clock.Timestamp
	code      engines.ErrorCode
	reason    string
}

func (v verdict) append(b []byte) []byte {
	w := binenc.NewWriter(b)
	appendRequest(&w, v.request)
	w.AppendTimestamp(v.txn)
	w.AppendString(v.stream)
	w.AppendBool(v.yes)
	w.AppendTimestamp(v.timestamp)
	w.AppendString(string(v.code))
	w.AppendString(v.reason)
	return w.Data()
}

func readVerdict(b []byte, kind string) (verdict, error) {
	r := binenc.NewReader(b, nil)
	v := verdict{request: readRequest(&r), txn: r.Timestamp(), stream: r.Text(), yes: r.UvarintMax(1) == 1,
		timestamp: r.Timestamp(), code: engines.ErrorCode(r.Text()), reason: r.Text()}
	return v, finish(&r, kind)
}

func (m MsgVote) AppendBinary(b []byte) ([]byte, error) {
	return verdict{m.Request, m.Txn, m.Stream, m.Prepared, m.PrepareTimestamp, m.Code, m.Reason}.append(b), nil
}

func (m *MsgVote) UnmarshalBinary(b []byte) error {
	v, err := readVerdict(b, "MsgVote")
	*m = MsgVote{Request: v.request, Txn: v.txn, Stream: v.stream, Prepared: v.yes,
		PrepareTimestamp: v.timestamp, Code: v.code, Reason: v.reason}
	return err
}

func (m MsgOutcome) AppendBinary(b []byte) ([]byte, error) {
	return verdict{m.Request, m.Txn, m.Stream, m.Committed, m.CommitTimestamp, m.Code, m.Reason}.append(b), nil
}

func (m *MsgOutcome) UnmarshalBinary(b []byte) error {
	v, err := readVerdict(b, "MsgOutcome")
	*m = MsgOutcome{Request: v.request, Txn: v.txn, Stream: v.stream, Committed: v.yes,
		CommitTimestamp: v.timestamp, Code: v.code, Reason: v.reason}
	return err
}

func (m MsgSnapshotRead) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendUvarint(uint64(m.ReplyTo))
	w.AppendString(m.Stream)
	w.AppendTimestamp(m.Snapshot)
	w.AppendBytes(m.Operation)
	return w.Data(), nil
}

func (m *MsgSnapshotRead) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgSnapshotRead{Request: readRequest(&r), ReplyTo: Address(r.Uvarint()), Stream: r.Text(), Snapshot: r.Timestamp(),
		Operation: r.Bytes()}
	return finish(&r, "MsgSnapshotRead")
}

func (m MsgSnapshotReadReply) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	appendRequest(&w, m.Request)
	w.AppendString(m.Stream)
	w.AppendUvarint(uint64(m.Status))
	w.AppendBytes(m.Result)
	w.AppendString(string(m.Code))
	w.AppendString(m.Error)
	w.AppendTimestamp(m.AppliedTimestamp)
	return w.Data(), nil
}

func (m *MsgSnapshotReadReply) UnmarshalBinary(b []byte) error {
	r := binenc.NewReader(b, nil)
	*m = MsgSnapshotReadReply{Request: readRequest(&r), Stream: r.Text(), Status: engines.Status(r.Uvarint()), Result: r.Bytes(),
		Code: engines.ErrorCode(r.Text()), Error: r.Text(), AppliedTimestamp: r.Timestamp()}
	return finish(&r, "MsgSnapshotReadReply")
}
