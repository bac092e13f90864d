package binenc

import (
	"encoding/binary"
	"fmt"

	"github.com/proven2pc/proven/clock"
)

// Writer appends fields to a byte slice. The zero value starts an empty
// one.
type Writer struct{ data []byte }

// NewWriter returns a writer that appends to buffer (which may be nil, or
// hold bytes already written).
func NewWriter(buffer []byte) Writer { return Writer{data: buffer} }

// Data returns everything written, including the initial buffer.
func (w *Writer) Data() []byte { return w.data }

// AppendByte appends one byte.
func (w *Writer) AppendByte(b byte) { w.data = append(w.data, b) }

// AppendBool appends one byte, 1 for true and 0 for false: the same byte
// as AppendUvarint of 1 or 0.
func (w *Writer) AppendBool(b bool) {
	if b {
		w.data = append(w.data, 1)
		return
	}
	w.data = append(w.data, 0)
}

// AppendUvarint appends v as an unsigned varint.
func (w *Writer) AppendUvarint(v uint64) { w.data = binary.AppendUvarint(w.data, v) }

// AppendVarint appends v as a zig-zag signed varint.
func (w *Writer) AppendVarint(v int64) { w.data = binary.AppendVarint(w.data, v) }

// AppendUint32 appends v big-endian, in 4 bytes.
func (w *Writer) AppendUint32(v uint32) { w.data = binary.BigEndian.AppendUint32(w.data, v) }

// AppendUint64 appends v big-endian, in 8 bytes.
func (w *Writer) AppendUint64(v uint64) { w.data = binary.BigEndian.AppendUint64(w.data, v) }

// AppendBytes appends a uvarint length and the bytes.
func (w *Writer) AppendBytes(b []byte) {
	w.data = binary.AppendUvarint(w.data, uint64(len(b)))
	w.data = append(w.data, b...)
}

// AppendString appends a uvarint length and the text: the same bytes as
// AppendBytes([]byte(s)), without the conversion.
func (w *Writer) AppendString(s string) {
	w.data = binary.AppendUvarint(w.data, uint64(len(s)))
	w.data = append(w.data, s...)
}

// AppendRaw appends the bytes with no length prefix.
func (w *Writer) AppendRaw(b []byte) { w.data = append(w.data, b...) }

// AppendTimestamp appends t's 16-byte key (clock.Timestamp.AppendKey).
func (w *Writer) AppendTimestamp(t clock.Timestamp) { w.data = t.AppendKey(w.data) }

// Reader reads fields from a byte slice, keeping the first error. The zero
// value reads nothing and reports no error.
type Reader struct {
	data []byte
	// Invariant: 0 <= offset <= len(data); offset == len(data) once err
	// is set.
	offset   int
	err      error
	sentinel error
}

// NewReader returns a reader of data whose errors wrap sentinel (none when
// nil).
func NewReader(data []byte, sentinel error) Reader {
	return Reader{data: data, sentinel: sentinel}
}

// Err returns the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Offset returns how many bytes have been read.
func (r *Reader) Offset() int { return r.offset }

// Len returns how many bytes are left (none after an error).
func (r *Reader) Len() int { return len(r.data) - r.offset }

// Failf records an error (unless one is already recorded) and drops the
// rest of the input. Callers use it for their own checks, so that their
// errors stick and wrap the sentinel like the reader's own.
func (r *Reader) Failf(format string, args ...any) {
	if r.err == nil {
		if r.sentinel != nil {
			r.err = fmt.Errorf("%w: %s", r.sentinel, fmt.Sprintf(format, args...))
		} else {
			r.err = fmt.Errorf(format, args...)
		}
	}
	r.offset = len(r.data)
}

// Finish returns the first error or, when there is none, an error if any
// bytes are left.
func (r *Reader) Finish() error {
	if r.err == nil && r.offset != len(r.data) {
		r.Failf("%d trailing bytes at offset %d", len(r.data)-r.offset, r.offset)
	}
	return r.err
}

// Next returns the next n bytes, aliasing the input and capped at n. It
// returns a non-nil slice (empty when n is 0) on success and nil on
// failure.
func (r *Reader) Next(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.data)-r.offset {
		r.failNeed(n)
		return nil
	}
	if n == 0 {
		return []byte{} // not nil: nil means failure
	}
	start := r.offset
	r.offset += n
	return r.data[start:r.offset:r.offset]
}

// failNeed is kept out of line so that the reads that call it stay small
// enough to inline.
//
//go:noinline
func (r *Reader) failNeed(n int) {
	r.Failf("need %d bytes at offset %d, have %d", n, r.offset, len(r.data)-r.offset)
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.offset >= len(r.data) { // also after an error
		r.failNeed(1)
		return 0
	}
	b := r.data[r.offset]
	r.offset++
	return b
}

// Uint32 reads 4 bytes big-endian.
func (r *Reader) Uint32() uint32 {
	if b := r.Next(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// Uint64 reads 8 bytes big-endian.
func (r *Reader) Uint64() uint64 {
	if b := r.Next(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Timestamp reads a 16-byte timestamp key.
func (r *Reader) Timestamp() clock.Timestamp {
	b := r.Next(clock.TimestampKeyLen)
	if b == nil {
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(b) // fails only on a short slice
	return t
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.offset < len(r.data) && r.data[r.offset] < 0x80 { // one byte: the common case
		v := uint64(r.data[r.offset])
		r.offset++
		return v
	}
	return r.uvarintLong()
}

func (r *Reader) uvarintLong() uint64 { return readVarint(r, binary.Uvarint, "uvarint") }

// Varint reads a signed varint.
func (r *Reader) Varint() int64 { return readVarint(r, binary.Varint, "varint") }

// readVarint reads one varint with decode; what names its kind in errors.
func readVarint[T uint64 | int64](r *Reader, decode func([]byte) (T, int), what string) T {
	v, n := decode(r.data[r.offset:])
	if n <= 0 {
		r.Failf("bad %s at offset %d", what, r.offset)
		return 0
	}
	r.offset += n
	return v
}

// UvarintMax reads an unsigned varint and refuses one above limit.
func (r *Reader) UvarintMax(limit uint64) uint64 {
	offset := r.offset
	v := r.Uvarint()
	if v > limit {
		r.Failf("value %d at offset %d exceeds %d", v, offset, limit)
		return 0
	}
	return v
}

// Count reads a uvarint count of items that each take at least
// minBytesPerItem bytes, refusing a count the bytes left cannot hold, so
// that a caller may allocate for it.
//
// Requires: minBytesPerItem >= 1.
func (r *Reader) Count(minBytesPerItem int) uint64 {
	offset := r.offset
	return r.boundCount(r.Uvarint(), offset, minBytesPerItem)
}

// CountUint64 is Count for a count stored as a big-endian uint64.
//
// Requires: minBytesPerItem >= 1.
func (r *Reader) CountUint64(minBytesPerItem int) uint64 {
	offset := r.offset
	return r.boundCount(r.Uint64(), offset, minBytesPerItem)
}

func (r *Reader) boundCount(count uint64, offset, minBytesPerItem int) uint64 {
	if minBytesPerItem < 1 {
		panic(fmt.Sprintf("binenc: count item size %d, want at least 1", minBytesPerItem))
	}
	if r.err != nil {
		return 0
	}
	left := len(r.data) - r.offset
	if count > uint64(left/minBytesPerItem) {
		r.Failf("count %d at offset %d exceeds the %d bytes left", count, offset, left)
		return 0
	}
	return count
}

// Section reads a big-endian uint64 length and that many bytes, aliasing
// the input: a part written with AppendUint64(length) and AppendRaw.
func (r *Reader) Section() []byte { return r.Next(int(r.CountUint64(1))) }

// Bytes reads a uvarint length and that many bytes, copied; empty is nil.
func (r *Reader) Bytes() []byte {
	raw := r.BytesAliased()
	if raw == nil {
		return nil
	}
	out := make([]byte, len(raw))
	copy(out, raw)
	return out
}

// BytesAliased is Bytes without the copy: the result aliases the input,
// capped so that appending to it cannot overwrite what follows.
func (r *Reader) BytesAliased() []byte {
	offset := r.offset
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if left := len(r.data) - r.offset; n > uint64(left) {
		r.Failf("length %d at offset %d exceeds the %d bytes left", n, offset, left)
		return nil
	}
	if n == 0 {
		return nil
	}
	start := r.offset
	r.offset += int(n)
	return r.data[start:r.offset:r.offset]
}

// Text reads what AppendString wrote.
func (r *Reader) Text() string {
	raw := r.BytesAliased()
	if raw == nil {
		return ""
	}
	return string(raw)
}
