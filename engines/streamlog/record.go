package streamlog

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// ErrBadRecord reports bytes that are not a record of this package.
var ErrBadRecord = errors.New("streamlog: bad record")

// ErrInconsistentLog reports records that decode but cannot be a log this
// package wrote: a position out of sequence, a timestamp that does not
// increase, an append recorded twice.
var ErrInconsistentLog = errors.New("streamlog: inconsistent log")

const recordFormat = 1

// recordKind says whether a record came from a client's append (and so
// enters the dedupe table) or from a tick.
type recordKind uint8

const (
	recordAppend recordKind = iota + 1
	recordTick
)

// streamNameLenMax bounds stream names, in messages and in records.
const streamNameLenMax = 1024

// record is one durable entry of one stream. Its binary form is
//
//	format(1) kind(1) uvarint(len(stream)) stream uvarint(position)
//	timestamp(16, clock key order) [uvarint(origin) uvarint(sequence)]
//	uvarint(len(payload)) payload
//
// where the request id is present only for appends.
type record struct {
	kind    recordKind
	stream  string
	entry   engines.LogEntry
	request engines.RequestID
}

func (r record) appendBinary(b []byte) []byte {
	b = append(b, recordFormat, byte(r.kind))
	b = binary.AppendUvarint(b, uint64(len(r.stream)))
	b = append(b, r.stream...)
	b = binary.AppendUvarint(b, r.entry.Position)
	b = r.entry.Timestamp.AppendKey(b)
	if r.kind == recordAppend {
		b = binary.AppendUvarint(b, r.request.Origin)
		b = binary.AppendUvarint(b, r.request.Sequence)
	}
	b = binary.AppendUvarint(b, uint64(len(r.entry.Payload)))
	return append(b, r.entry.Payload...)
}

// decodeRecord decodes what appendBinary wrote. Arbitrary input returns an
// error wrapping ErrBadRecord, never a panic.
func decodeRecord(data []byte) (record, error) {
	reader := recordReader{data: data}
	var r record
	if format := reader.byte(); format != recordFormat && reader.err == nil {
		return record{}, fmt.Errorf("%w: format %d, want %d", ErrBadRecord, format, recordFormat)
	}
	r.kind = recordKind(reader.byte())
	if reader.err == nil && r.kind != recordAppend && r.kind != recordTick {
		return record{}, fmt.Errorf("%w: kind %d", ErrBadRecord, r.kind)
	}
	r.stream = string(reader.bytes(streamNameLenMax))
	r.entry.Position = reader.uvarint()
	r.entry.Timestamp = reader.timestamp()
	if r.kind == recordAppend {
		r.request.Origin = reader.uvarint()
		r.request.Sequence = reader.uvarint()
	}
	r.entry.Payload = reader.bytes(len(data))
	if reader.err != nil {
		return record{}, fmt.Errorf("%w: %v", ErrBadRecord, reader.err)
	}
	if len(reader.data) != 0 {
		return record{}, fmt.Errorf("%w: %d trailing bytes", ErrBadRecord, len(reader.data))
	}
	if r.stream == "" || r.entry.Position == 0 {
		return record{}, fmt.Errorf("%w: empty stream name or position 0", ErrBadRecord)
	}
	return r, nil
}

// recordReader reads the binary form; the first error sticks and later
// reads return zero values.
type recordReader struct {
	data []byte
	err  error
}

func (r *recordReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.data = nil
}

func (r *recordReader) byte() byte {
	if len(r.data) < 1 {
		r.fail("truncated")
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.data = r.data[n:]
	return v
}

// bytes reads a length-prefixed byte string of at most lenMax bytes.
func (r *recordReader) bytes(lenMax int) []byte {
	n := r.uvarint()
	if n > uint64(lenMax) || n > uint64(len(r.data)) {
		r.fail("length %d with %d bytes left (at most %d)", n, len(r.data), lenMax)
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

func (r *recordReader) timestamp() clock.Timestamp {
	if len(r.data) < clock.TimestampKeyLen {
		r.fail("truncated timestamp")
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(r.data)
	r.data = r.data[clock.TimestampKeyLen:]
	return t
}
