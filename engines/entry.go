package engines

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
)

// Address is where a reply goes: opaque to engines, chosen by the host (the
// simulator packs a node and a process into it; the real runtime a
// connection id).
type Address uint64

// RequestID identifies one request of one client, so that a retried
// request is recognized and answered again instead of applied twice.
type RequestID struct {
	Origin   uint64 // the client (coordinator) id
	Sequence uint64 // increasing per origin
}

func (r RequestID) String() string { return fmt.Sprintf("%d:%d", r.Origin, r.Sequence) }

// EntryKind is what a stream log entry asks of the stream's processor.
type EntryKind uint8

const (
	// EntryTick only advances the stream's time (idle streams get them).
	EntryTick EntryKind = iota + 1
	// EntryOperation applies one operation of a read-write transaction.
	EntryOperation
	// EntryPrepare asks for a vote; it carries the participant list.
	EntryPrepare
	// EntryCommit commits a prepared transaction at CommitTimestamp.
	EntryCommit
	// EntryAbort aborts a transaction.
	EntryAbort
	// EntryOnePhase prepares and commits a single-participant transaction.
	EntryOnePhase
	// EntryResolve records the outcome that termination found for a
	// prepared transaction whose deadline passed (rule 5), so that replay
	// applies it at the same point of the log.
	EntryResolve
	entryKindEnd
)

var entryKindNames = [...]string{EntryTick: "tick", EntryOperation: "operation", EntryPrepare: "prepare",
	EntryCommit: "commit", EntryAbort: "abort", EntryOnePhase: "one-phase", EntryResolve: "resolve"}

func (k EntryKind) String() string {
	if k > 0 && k < entryKindEnd {
		return entryKindNames[k]
	}
	return fmt.Sprintf("entry(%d)", uint8(k))
}

// Participant is one stream of a transaction, with the log position of the
// transaction's first entry there (where termination starts reading).
type Participant struct {
	Stream        string
	StartPosition uint64
}

// Entry is the payload of a stream log entry.
type Entry struct {
	Kind EntryKind
	Txn  TxnID
	// DeadlineNanos is the transaction's deadline D, compared with log
	// timestamps' WallNanos: an entry whose timestamp has WallNanos > D is
	// after the deadline.
	DeadlineNanos int64
	Request       RequestID
	ReplyTo       Address
	// Sequence numbers the transaction's operations on this stream (from
	// 1), so a duplicated append applies once.
	Sequence     uint32
	Operation    []byte
	Participants []Participant // prepare, one-phase
	// CommitTimestamp of a commit, or of a resolve that committed.
	CommitTimestamp clock.Timestamp
	Committed       bool // resolve: the outcome found
}

// ErrBadEntry reports bytes that are not an entry.
var ErrBadEntry = errors.New("engines: bad log entry")

const entryFormat = 1

// entryFieldsMax bounds counts read from untrusted bytes.
const entryParticipantsMax = 1 << 12

// AppendBinary appends the entry's deterministic binary encoding.
func (e Entry) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, entryFormat, byte(e.Kind))
	b = e.Txn.AppendKey(b)
	b = binary.AppendVarint(b, e.DeadlineNanos)
	b = binary.AppendUvarint(b, e.Request.Origin)
	b = binary.AppendUvarint(b, e.Request.Sequence)
	b = binary.AppendUvarint(b, uint64(e.ReplyTo))
	b = binary.AppendUvarint(b, uint64(e.Sequence))
	b = appendBytes(b, e.Operation)
	b = binary.AppendUvarint(b, uint64(len(e.Participants)))
	for _, p := range e.Participants {
		b = appendBytes(b, []byte(p.Stream))
		b = binary.AppendUvarint(b, p.StartPosition)
	}
	b = e.CommitTimestamp.AppendKey(b)
	if e.Committed {
		return append(b, 1), nil
	}
	return append(b, 0), nil
}

// Encode returns the entry's encoding.
func (e Entry) Encode() []byte {
	size := 64 + len(e.Operation)
	for _, p := range e.Participants {
		size += 12 + len(p.Stream)
	}
	b, _ := e.AppendBinary(make([]byte, 0, size))
	return b
}

// DecodeEntry decodes an entry written by AppendBinary. Arbitrary input
// returns an error, never a panic.
//
// The entry's Operation aliases data (it is not copied: this runs once per
// applied log entry). Log payloads are immutable once appended, so this is
// safe as long as the caller does not modify data while the entry, or an
// operation taken from it, is in use.
func DecodeEntry(data []byte) (Entry, error) {
	r := wireReader{data: data}
	var e Entry
	if format := r.byte(); format != entryFormat && r.err == nil {
		return Entry{}, fmt.Errorf("%w: format %d, want %d", ErrBadEntry, format, entryFormat)
	}
	e.Kind = EntryKind(r.byte())
	e.Txn = r.timestamp()
	e.DeadlineNanos = r.varint()
	e.Request.Origin = r.uvarint()
	e.Request.Sequence = r.uvarint()
	e.ReplyTo = Address(r.uvarint())
	e.Sequence = uint32(r.uvarintMax(1<<32 - 1))
	e.Operation = r.bytesAliased()
	count := r.uvarintMax(entryParticipantsMax)
	for range count {
		stream := string(r.bytes())
		position := r.uvarint()
		if r.err != nil {
			break
		}
		e.Participants = append(e.Participants, Participant{Stream: stream, StartPosition: position})
	}
	e.CommitTimestamp = r.timestamp()
	e.Committed = r.byte() == 1
	if r.err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrBadEntry, r.err)
	}
	if len(r.data) != 0 {
		return Entry{}, fmt.Errorf("%w: %d trailing bytes", ErrBadEntry, len(r.data))
	}
	if e.Kind == 0 || e.Kind >= entryKindEnd {
		return Entry{}, fmt.Errorf("%w: kind %d", ErrBadEntry, e.Kind)
	}
	return e, nil
}

func appendBytes(b, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// wireReader reads the binary forms of this package; the first error
// sticks and later reads return zero values.
type wireReader struct {
	data []byte
	err  error
}

func (r *wireReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.data = nil
}

func (r *wireReader) byte() byte {
	if len(r.data) < 1 {
		r.fail("truncated")
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *wireReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *wireReader) uvarintMax(limit uint64) uint64 {
	v := r.uvarint()
	if v > limit {
		r.fail("count %d above %d", v, limit)
		return 0
	}
	return v
}

func (r *wireReader) varint() int64 {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *wireReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.fail("length %d with %d bytes left", n, len(r.data))
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]byte, n)
	copy(out, r.data)
	r.data = r.data[n:]
	return out
}

// bytesAliased is bytes without the copy: the result aliases the input
// (capped, so that appending to it cannot overwrite what follows).
func (r *wireReader) bytesAliased() []byte {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.fail("length %d with %d bytes left", n, len(r.data))
		return nil
	}
	if n == 0 {
		return nil
	}
	out := r.data[:n:n]
	r.data = r.data[n:]
	return out
}

func (r *wireReader) timestamp() clock.Timestamp {
	if len(r.data) < clock.TimestampKeyLen {
		r.fail("truncated timestamp")
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(r.data)
	r.data = r.data[clock.TimestampKeyLen:]
	return t
}
