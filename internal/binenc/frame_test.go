package binenc

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

var errFrame = errors.New("bad frame")

// TestFrameRoundTripAndDamage: a sealed frame opens to its body; any
// change of one byte, any truncation, another magic or another format is
// an error wrapping the sentinel.
func TestFrameRoundTripAndDamage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		magic := rapid.StringMatching(`[A-Z]{4}`).Draw(t, "magic")
		format := rapid.Uint32().Draw(t, "format")
		body := rapid.SliceOf(rapid.Byte()).Draw(t, "body")
		frame := Seal(append(AppendFrameHeader(nil, magic, format), body...))
		reader, err := OpenFrame(frame, magic, format, errFrame)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if got := reader.Next(reader.Len()); !bytes.Equal(got, body) {
			t.Fatalf("body %x, want %x", got, body)
		}
		damaged := bytes.Clone(frame)
		index := rapid.IntRange(0, len(frame)-1).Draw(t, "index")
		damaged[index] ^= byte(rapid.IntRange(1, 255).Draw(t, "flip"))
		cut := rapid.IntRange(0, len(frame)-1).Draw(t, "cut")
		for name, bad := range map[string][]byte{"flipped": damaged, "truncated": frame[:cut]} {
			if _, err := OpenFrame(bad, magic, format, errFrame); !errors.Is(err, errFrame) {
				t.Fatalf("%s frame: err %v, want the sentinel", name, err)
			}
		}
		if _, err := OpenFrame(frame, magic, format+1, errFrame); !errors.Is(err, errFrame) {
			t.Fatalf("another format: err %v", err)
		}
		if _, err := OpenFrame(frame, "ZZZZZ"[:len(magic)], format, errFrame); magic != "ZZZZ" && !errors.Is(err, errFrame) {
			t.Fatalf("another magic: err %v", err)
		}
	})
}

// TestFrameSection: a frame whose body starts with a section opens to
// the section and a reader of the rest; a section longer than the body is
// an error wrapping the sentinel.
func TestFrameSection(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		section := rapid.SliceOf(rapid.Byte()).Draw(t, "section")
		rest := rapid.SliceOf(rapid.Byte()).Draw(t, "rest")
		w := NewWriter(AppendFrameHeader(nil, "SECT", 1))
		w.AppendUint64(uint64(len(section)))
		w.AppendRaw(section)
		w.AppendRaw(rest)
		gotSection, reader, err := OpenFrameSection(Seal(w.Data()), "SECT", 1, errFrame)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if !bytes.Equal(gotSection, section) {
			t.Fatalf("section %x, want %x", gotSection, section)
		}
		if got := reader.Next(reader.Len()); !bytes.Equal(got, rest) {
			t.Fatalf("rest %x, want %x", got, rest)
		}
		long := NewWriter(AppendFrameHeader(nil, "SECT", 1))
		long.AppendUint64(uint64(len(section) + len(rest) + 1))
		long.AppendRaw(section)
		long.AppendRaw(rest)
		if _, _, err := OpenFrameSection(Seal(long.Data()), "SECT", 1, errFrame); !errors.Is(err, errFrame) {
			t.Fatalf("section past the end: err %v, want the sentinel", err)
		}
	})
}
