package streamlog

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/binenc"
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

// StreamNameLenMax bounds stream names, in messages and in records: the
// service drops a message naming a longer (or empty) stream.
const StreamNameLenMax = 1024

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
	entry   wire.LogEntry
	request wire.RequestID
}

func (r record) appendBinary(b []byte) []byte {
	w := binenc.NewWriter(b)
	w.AppendByte(recordFormat)
	w.AppendByte(byte(r.kind))
	w.AppendString(r.stream)
	w.AppendUvarint(r.entry.Position)
	w.AppendTimestamp(r.entry.Timestamp)
	if r.kind == recordAppend {
		w.AppendUvarint(r.request.Origin)
		w.AppendUvarint(r.request.Sequence)
	}
	w.AppendBytes(r.entry.Payload)
	return w.Data()
}

// decodeRecord decodes what appendBinary wrote. Arbitrary input returns an
// error wrapping ErrBadRecord, never a panic.
func decodeRecord(data []byte) (record, error) {
	reader := binenc.NewReader(data, ErrBadRecord)
	var r record
	if format := reader.Byte(); format != recordFormat && reader.Err() == nil {
		return record{}, fmt.Errorf("%w: format %d, want %d", ErrBadRecord, format, recordFormat)
	}
	r.kind = recordKind(reader.Byte())
	if reader.Err() == nil && r.kind != recordAppend && r.kind != recordTick {
		return record{}, fmt.Errorf("%w: kind %d", ErrBadRecord, r.kind)
	}
	offset := reader.Offset()
	r.stream = reader.Text()
	if len(r.stream) > StreamNameLenMax {
		reader.Failf("stream name of %d bytes at offset %d, at most %d", len(r.stream), offset, StreamNameLenMax)
	}
	r.entry.Position = reader.Uvarint()
	r.entry.Timestamp = reader.Timestamp()
	if r.kind == recordAppend {
		r.request.Origin = reader.Uvarint()
		r.request.Sequence = reader.Uvarint()
	}
	r.entry.Payload = reader.Bytes()
	if err := reader.Finish(); err != nil {
		return record{}, err
	}
	if r.stream == "" || r.entry.Position == 0 {
		return record{}, fmt.Errorf("%w: empty stream name or position 0", ErrBadRecord)
	}
	return r, nil
}
