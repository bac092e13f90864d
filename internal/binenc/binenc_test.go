package binenc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proven2pc/proven/clock"
	"pgregory.net/rapid"
)

// field is one value of one kind, written by Writer and read back by
// Reader.
type field struct {
	Kind      int
	Unsigned  uint64
	Signed    int64
	Raw       []byte
	Text      string
	Timestamp clock.Timestamp
}

const (
	kindByte = iota
	kindBool
	kindUvarint
	kindVarint
	kindUint32
	kindUint64
	kindBytes
	kindBytesAliased
	kindString
	kindRaw
	kindTimestamp
	kindCount
	kindEnd
)

func drawField(t *rapid.T, label string) field {
	f := field{Kind: rapid.IntRange(0, kindEnd-1).Draw(t, label+" kind")}
	switch f.Kind {
	case kindByte, kindBool:
		f.Unsigned = uint64(rapid.Byte().Draw(t, label+" byte"))
		if f.Kind == kindBool {
			f.Unsigned &= 1
		}
	case kindUvarint, kindUint64:
		f.Unsigned = rapid.Uint64().Draw(t, label+" uint64")
	case kindUint32:
		f.Unsigned = uint64(rapid.Uint32().Draw(t, label+" uint32"))
	case kindVarint:
		f.Signed = rapid.Int64().Draw(t, label+" int64")
	case kindBytes, kindBytesAliased, kindRaw:
		f.Raw = rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(t, label+" bytes")
	case kindString:
		f.Text = rapid.String().Draw(t, label+" text")
	case kindTimestamp:
		f.Timestamp = clock.Timestamp{WallNanos: rapid.Int64().Draw(t, label+" wall"),
			Logical: rapid.Uint32().Draw(t, label+" logical"), Node: rapid.Uint32().Draw(t, label+" node")}
	case kindCount:
		f.Unsigned = uint64(rapid.IntRange(0, 3).Draw(t, label+" count"))
		f.Raw = bytes.Repeat([]byte{7}, int(f.Unsigned)) // the counted items
	}
	return f
}

func (f field) write(w *Writer) {
	switch f.Kind {
	case kindByte:
		w.AppendByte(byte(f.Unsigned))
	case kindBool:
		w.AppendBool(f.Unsigned == 1)
	case kindUvarint:
		w.AppendUvarint(f.Unsigned)
	case kindVarint:
		w.AppendVarint(f.Signed)
	case kindUint32:
		w.AppendUint32(uint32(f.Unsigned))
	case kindUint64:
		w.AppendUint64(f.Unsigned)
	case kindBytes, kindBytesAliased:
		w.AppendBytes(f.Raw)
	case kindString:
		w.AppendString(f.Text)
	case kindRaw:
		w.AppendRaw(f.Raw)
	case kindTimestamp:
		w.AppendTimestamp(f.Timestamp)
	case kindCount:
		w.AppendUvarint(f.Unsigned)
		w.AppendRaw(f.Raw)
	}
}

// read reads a field of the same kind (and, for raw bytes, length) as f.
func (f field) read(r *Reader) field {
	out := field{Kind: f.Kind}
	switch f.Kind {
	case kindByte:
		out.Unsigned = uint64(r.Byte())
	case kindBool:
		out.Unsigned = r.UvarintMax(1)
	case kindUvarint:
		out.Unsigned = r.Uvarint()
	case kindVarint:
		out.Signed = r.Varint()
	case kindUint32:
		out.Unsigned = uint64(r.Uint32())
	case kindUint64:
		out.Unsigned = r.Uint64()
	case kindBytes:
		out.Raw = r.Bytes()
	case kindBytesAliased:
		out.Raw = r.BytesAliased()
	case kindString:
		out.Text = r.Text()
	case kindRaw:
		out.Raw = r.Next(len(f.Raw))
	case kindTimestamp:
		out.Timestamp = r.Timestamp()
	case kindCount:
		out.Unsigned = r.Count(1)
		out.Raw = r.Next(int(out.Unsigned))
	}
	return out
}

func encodeFields(fields []field) []byte {
	w := NewWriter(nil)
	for _, f := range fields {
		f.write(&w)
	}
	return w.Data()
}

func readFields(data []byte, fields []field) ([]field, *Reader) {
	r := NewReader(data, nil)
	var out []field
	for _, f := range fields {
		out = append(out, f.read(&r))
	}
	return out, &r
}

func emptyAsNil(f field) field {
	if len(f.Raw) == 0 {
		f.Raw = nil
	}
	return f
}

// Property: any sequence of fields reads back equal, with no error and no
// bytes left.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fields := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) field { return drawField(t, "field") }), 0, 12).Draw(t, "fields")
		data := encodeFields(fields)
		got, r := readFields(data, fields)
		if err := r.Finish(); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		want := make([]field, 0, len(fields))
		for _, f := range fields {
			want = append(want, emptyAsNil(f))
		}
		for index := range got {
			got[index] = emptyAsNil(got[index])
		}
		if len(fields) == 0 {
			got = []field{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("read back differs (-want +got):\n%s", diff)
		}
	})
}

// Property: every strict prefix of an encoding fails (its last field
// cannot be complete), with a sticky error wrapping the sentinel and no
// bytes left; and every encoding with bytes appended fails Finish.
func TestTruncationFails(t *testing.T) {
	sentinel := errors.New("test: bad input")
	rapid.Check(t, func(t *rapid.T) {
		fields := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) field { return drawField(t, "field") }), 1, 8).Draw(t, "fields")
		data := encodeFields(fields)
		cut := rapid.IntRange(0, len(data)-1).Draw(t, "cut")
		r := NewReader(data[:cut], sentinel)
		for _, f := range fields {
			f.read(&r)
		}
		first := r.Err()
		if !errors.Is(first, sentinel) {
			t.Fatalf("truncated to %d of %d bytes: err %v, want one wrapping the sentinel", cut, len(data), first)
		}
		if r.Len() != 0 {
			t.Fatalf("%d bytes left after an error", r.Len())
		}
		r.Failf("a later error")
		if r.Finish() != first {
			t.Fatalf("the first error did not stick: %v", r.Finish())
		}
		extra := NewReader(append(bytes.Clone(data), 0), sentinel)
		for _, f := range fields {
			f.read(&extra)
		}
		if err := extra.Finish(); !errors.Is(err, sentinel) || !strings.Contains(err.Error(), "1 trailing bytes") {
			t.Fatalf("one byte appended: Finish %v", err)
		}
	})
}

// Property: a count larger than the bytes left could hold is refused.
func TestCountBounded(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := rapid.IntRange(1, 20).Draw(t, "size")
		left := rapid.IntRange(0, 100).Draw(t, "left")
		count := rapid.Uint64().Draw(t, "count")
		for _, bigEndian := range []bool{false, true} {
			w := NewWriter(nil)
			if bigEndian {
				w.AppendUint64(count)
			} else {
				w.AppendUvarint(count)
			}
			w.AppendRaw(make([]byte, left))
			r := NewReader(w.Data(), nil)
			var got uint64
			if bigEndian {
				got = r.CountUint64(size)
			} else {
				got = r.Count(size)
			}
			fits := count <= uint64(left/size)
			if fits != (r.Err() == nil) || (fits && got != count) || (!fits && got != 0) {
				t.Fatalf("count %d of %d-byte items with %d bytes left (big-endian %v): %d, %v", count, size, left, bigEndian, got, r.Err())
			}
		}
	})
}

func TestErrorMessages(t *testing.T) {
	sentinel := errors.New("kv: corrupt checkpoint")
	cases := []struct {
		name string
		data []byte
		read func(r *Reader)
		want string
	}{
		{"short fixed", []byte{1, 2}, func(r *Reader) { r.Byte(); r.Uint32() }, "kv: corrupt checkpoint: need 4 bytes at offset 1, have 1"},
		{"bad uvarint", []byte{0xff}, func(r *Reader) { r.Uvarint() }, "kv: corrupt checkpoint: bad uvarint at offset 0"},
		{"bad varint", []byte{5, 0x80}, func(r *Reader) { r.Byte(); r.Varint() }, "kv: corrupt checkpoint: bad varint at offset 1"},
		{"big count", []byte{0, 0, 0, 0, 0, 0, 0, 9, 1}, func(r *Reader) { r.CountUint64(1) },
			"kv: corrupt checkpoint: count 9 at offset 0 exceeds the 1 bytes left"},
		{"long bytes", []byte{1, 3, 'a'}, func(r *Reader) { r.Byte(); r.Bytes() },
			"kv: corrupt checkpoint: length 3 at offset 1 exceeds the 1 bytes left"},
		{"above limit", []byte{2}, func(r *Reader) { r.UvarintMax(1) }, "kv: corrupt checkpoint: value 2 at offset 0 exceeds 1"},
		{"trailing", []byte{1, 2, 3}, func(r *Reader) { r.Byte() }, "kv: corrupt checkpoint: 2 trailing bytes at offset 1"},
		{"caller check", []byte{1}, func(r *Reader) { r.Failf("state %d", r.Byte()); r.Byte() }, "kv: corrupt checkpoint: state 1"},
	}
	for _, c := range cases {
		r := NewReader(c.data, sentinel)
		c.read(&r)
		if err := r.Finish(); err == nil || err.Error() != c.want || !errors.Is(err, sentinel) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	r := NewReader([]byte{0x80}, nil)
	r.Uvarint()
	if err := r.Finish(); err == nil || err.Error() != "bad uvarint at offset 0" {
		t.Errorf("no sentinel: %v", err)
	}
}

// TestAliasing checks that aliased reads are capped and copying reads are
// copies.
func TestAliasing(t *testing.T) {
	w := NewWriter(nil)
	w.AppendBytes([]byte("ab"))
	w.AppendBytes([]byte("cd"))
	w.AppendRaw([]byte("ef"))
	data := w.Data()
	r := NewReader(data, nil)
	aliased := r.BytesAliased()
	copied := r.Bytes()
	raw := r.Next(2)
	if cap(aliased) != 2 || cap(raw) != 2 {
		t.Fatalf("aliased capacities %d and %d, want 2", cap(aliased), cap(raw))
	}
	data[1], data[4] = 'X', 'Y'
	if string(aliased) != "Xb" || string(copied) != "cd" {
		t.Fatalf("after modifying the input: aliased %q, copied %q", aliased, copied)
	}
	if empty := NewReader(nil, nil); empty.Next(0) == nil {
		t.Fatal("Next(0) returned nil on success")
	}
}

// FuzzReader reads arbitrary bytes as the fields an arbitrary program
// names: no panic, no read longer than the input, the first error sticks
// and leaves no bytes.
func FuzzReader(f *testing.F) {
	w := NewWriter(nil)
	w.AppendString("stream")
	w.AppendUvarint(300)
	w.AppendTimestamp(clock.Timestamp{WallNanos: 5, Logical: 1, Node: 2})
	w.AppendBytes([]byte{1, 2, 3})
	f.Add([]byte{kindString, kindUvarint, kindTimestamp, kindBytes}, w.Data())
	f.Add([]byte{kindCount, kindCount, kindUint64}, []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1})
	f.Fuzz(func(t *testing.T, program, data []byte) {
		r := NewReader(data, nil)
		var first error
		for _, op := range program {
			fields := field{Kind: int(op) % kindEnd, Raw: make([]byte, int(op)/kindEnd)}
			got := fields.read(&r)
			if len(got.Raw) > len(data) || len(got.Text) > len(data) {
				t.Fatalf("read %d bytes from %d", max(len(got.Raw), len(got.Text)), len(data))
			}
			if first == nil {
				first = r.Err()
			} else if r.Err() != first {
				t.Fatalf("error changed from %v to %v", first, r.Err())
			}
			if r.Offset() > len(data) || (first != nil && r.Len() != 0) {
				t.Fatalf("offset %d of %d after error %v", r.Offset(), len(data), first)
			}
		}
		_ = r.Finish()
	})
}
