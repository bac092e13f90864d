package wire

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/internal/enum"
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

func (k EntryKind) String() string { return enum.Name(k, entryKindNames[:], "entry") }

// Participant is one stream of a transaction, with the log position of the
// transaction's first entry there (where termination starts reading).
type Participant struct {
	Stream        string
	StartPosition uint64
}

// Entry is the payload of a stream log entry.
type Entry struct {
	Kind EntryKind
	Txn  engines.TxnID
	// DeadlineNanos is the transaction's deadline D, compared with log
	// timestamps' WallNanos: an entry whose timestamp has WallNanos > D is
	// after the deadline.
	DeadlineNanos int64
	Request       RequestID
	ReplyTo       Address
	// Sequence numbers the transaction's operations on this stream (from
	// 1), so a duplicated append applies once, and operations sent
	// together run in order. On a prepare or a one-phase commit (no
	// Operation) from a coordinator that speculated, it is the number of
	// operations the coordinator used on this stream: later ones were
	// predictions it did not use (engines/processor discards them, or
	// refuses the vote if one ran). Zero: no such claim.
	Sequence     uint32
	Operation    []byte
	Participants []Participant // prepare, one-phase
	// CommitTimestamp of a commit, or of a resolve that committed.
	CommitTimestamp clock.Timestamp
	Committed       bool // resolve: the outcome found
}

// ErrBadEntry reports bytes that are not an entry.
var ErrBadEntry = errors.New("wire: bad log entry")

const entryFormat = 1

// entryFieldsMax bounds counts read from untrusted bytes.
const entryParticipantsMax = 1 << 12

// AppendBinary appends the entry's deterministic binary encoding.
func (e Entry) AppendBinary(b []byte) ([]byte, error) {
	w := binenc.NewWriter(b)
	w.AppendByte(entryFormat)
	w.AppendByte(byte(e.Kind))
	w.AppendTimestamp(e.Txn)
	w.AppendVarint(e.DeadlineNanos)
	appendRequest(&w, e.Request)
	w.AppendUvarint(uint64(e.ReplyTo))
	w.AppendUvarint(uint64(e.Sequence))
	w.AppendBytes(e.Operation)
	w.AppendUvarint(uint64(len(e.Participants)))
	for _, p := range e.Participants {
		w.AppendString(p.Stream)
		w.AppendUvarint(p.StartPosition)
	}
	w.AppendTimestamp(e.CommitTimestamp)
	w.AppendBool(e.Committed)
	return w.Data(), nil
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

// EntryHeader is the start of an encoded entry: what it asks, of which
// transaction, before which deadline.
type EntryHeader struct {
	Kind          EntryKind
	Txn           engines.TxnID
	DeadlineNanos int64
}

// ReadEntryHeader reads an encoded entry's header without decoding the
// rest of it; ok is false for bytes that do not start like an entry.
func ReadEntryHeader(data []byte) (header EntryHeader, ok bool) {
	r := binenc.NewReader(data, ErrBadEntry)
	format, kind := r.Byte(), EntryKind(r.Byte())
	header = EntryHeader{Kind: kind, Txn: r.Timestamp(), DeadlineNanos: r.Varint()}
	if r.Err() != nil || format != entryFormat || kind == 0 || kind >= entryKindEnd {
		return EntryHeader{}, false
	}
	return header, true
}

// EntryDeadline reads the deadline of an encoded transaction entry
// without decoding the rest of it; ok is false for a tick and for bytes
// that do not start like an entry.
func EntryDeadline(data []byte) (deadlineNanos int64, ok bool) {
	header, ok := ReadEntryHeader(data)
	if !ok || header.Kind == EntryTick {
		return 0, false
	}
	return header.DeadlineNanos, true
}

// DecodeEntry decodes an entry written by AppendBinary. Arbitrary input
// returns an error, never a panic.
//
// The entry's Operation aliases data (it is not copied: this runs once per
// applied log entry). Log payloads are immutable once appended, so this is
// safe as long as the caller does not modify data while the entry, or an
// operation taken from it, is in use.
func DecodeEntry(data []byte) (Entry, error) {
	r := binenc.NewReader(data, ErrBadEntry)
	var e Entry
	if format := r.Byte(); format != entryFormat && r.Err() == nil {
		return Entry{}, fmt.Errorf("%w: format %d, want %d", ErrBadEntry, format, entryFormat)
	}
	e.Kind = EntryKind(r.Byte())
	e.Txn = r.Timestamp()
	e.DeadlineNanos = r.Varint()
	e.Request = readRequest(&r)
	e.ReplyTo = Address(r.Uvarint())
	e.Sequence = uint32(r.UvarintMax(1<<32 - 1))
	e.Operation = r.BytesAliased()
	count := r.UvarintMax(entryParticipantsMax)
	for range count {
		stream := r.Text()
		position := r.Uvarint()
		if r.Err() != nil {
			break
		}
		e.Participants = append(e.Participants, Participant{Stream: stream, StartPosition: position})
	}
	e.CommitTimestamp = r.Timestamp()
	e.Committed = r.Byte() == 1
	if err := r.Finish(); err != nil {
		return Entry{}, err
	}
	if e.Kind == 0 || e.Kind >= entryKindEnd {
		return Entry{}, fmt.Errorf("%w: kind %d", ErrBadEntry, e.Kind)
	}
	return e, nil
}
