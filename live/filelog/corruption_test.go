package filelog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"
)

// frameLayout is where one frame of a healthy log lies.
type frameLayout struct {
	segment    int
	offset     int64
	size       int64
	batchStart int64
}

// segmentLayout is one healthy segment: its file, size and frames.
type segmentLayout struct {
	path   string
	size   int64
	frames []frameLayout
}

// layoutOf walks a healthy log's segments.
func layoutOf(t *rapid.T, dir string) []segmentLayout {
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var layout []segmentLayout
	for _, entry := range names {
		path := filepath.Join(dir, entry.Name())
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		segment := segmentLayout{path: path, size: int64(len(content))}
		for offset := int64(segmentHeaderLen); offset < int64(len(content)); {
			size := frameHeaderLen + int64(binary.BigEndian.Uint32(content[offset+4:]))
			segment.frames = append(segment.frames, frameLayout{segment: len(layout), offset: offset, size: size,
				batchStart: int64(binary.BigEndian.Uint64(content[offset+8:]))})
			offset += size
		}
		layout = append(layout, segment)
	}
	return layout
}

// damageOutcome is what Open must do after a bit flip: fail naming file
// and offset, or cut the log to keep records.
type damageOutcome struct {
	errorFile   string
	errorOffset int64
	keep        int
}

// expectedOutcome predicts Open after flipping a bit at offset of segment
// index s: damage in a segment followed by another, or followed in its
// own segment by a frame written after it was synced, is an error; damage
// in the last synced batch of the last segment is indistinguishable from
// a torn write and is cut.
func expectedOutcome(layout []segmentLayout, s int, offset int64) damageOutcome {
	before := 0
	for _, segment := range layout[:s] {
		before += len(segment.frames)
	}
	segment := layout[s]
	last := s == len(layout)-1
	if offset < segmentHeaderLen {
		if last && segment.size <= segmentHeaderLen {
			return damageOutcome{keep: before}
		}
		return damageOutcome{errorFile: segment.path, errorOffset: 0}
	}
	for i, frame := range segment.frames {
		if offset >= frame.offset+frame.size {
			continue
		}
		if !last {
			return damageOutcome{errorFile: segment.path, errorOffset: frame.offset}
		}
		for _, later := range segment.frames[i+1:] {
			if later.batchStart > frame.offset {
				return damageOutcome{errorFile: segment.path, errorOffset: frame.offset}
			}
		}
		return damageOutcome{keep: before + i}
	}
	panic("offset beyond the segment")
}

// TestCorruptionIsReportedNotRead: after one bit flips anywhere in a
// durable log, Open either reports a *CorruptError naming the segment file
// and the damaged frame's offset, changing nothing on disk, or — when the
// damage is in the last synced batch and so looks like a torn write — cuts
// the log there; it never returns a damaged record.
func TestCorruptionIsReportedNotRead(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dir := tempDir(t)
		options := Options{SegmentBytesMax: rapid.Int64Range(48, 400).Draw(t, "segmentBytesMax"), Logger: quiet}
		log, _, err := Open(dir, options)
		if err != nil {
			t.Fatal(err)
		}
		var written [][]byte
		for batch := range rapid.IntRange(1, 12).Draw(t, "batches") {
			for i := range rapid.IntRange(1, 4).Draw(t, "batchLen") {
				record := fmt.Appendf(nil, "batch-%d-record-%d-%s", batch, i,
					bytes.Repeat([]byte{'y'}, rapid.IntRange(0, 40).Draw(t, "padding")))
				written = append(written, record)
				if err := log.Append(record); err != nil {
					t.Fatal(err)
				}
			}
			if err := log.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		layout := layoutOf(t, dir)
		s := rapid.IntRange(0, len(layout)-1).Draw(t, "segment")
		bit := rapid.Int64Range(0, layout[s].size*8-1).Draw(t, "bit")
		flipBit(t, layout[s].path, bit)
		want := expectedOutcome(layout, s, bit/8)
		before := snapshot(t, dir)
		reopened, records, err := Open(dir, options)
		if want.errorFile != "" {
			checkCorruptError(t, err, want)
			if after := snapshot(t, dir); after != before {
				t.Fatalf("a failed Open changed the files:\n%s\nbecame\n%s", before, after)
			}
			return
		}
		if err != nil {
			t.Fatalf("Open: %v, want the log cut to %d records", err, want.keep)
		}
		defer reopened.Close()
		if len(records) != want.keep {
			t.Fatalf("%d records after damage at %s offset %d, want %d", len(records), layout[s].path, bit/8, want.keep)
		}
		for i, record := range records {
			if !bytes.Equal(record, written[i]) {
				t.Fatalf("record %d is %q, want %q", i+1, record, written[i])
			}
		}
	})
}

func checkCorruptError(t *rapid.T, err error, want damageOutcome) {
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want a CorruptError in %s at offset %d", err, want.errorFile, want.errorOffset)
	}
	if corrupt.File != want.errorFile || corrupt.Offset != want.errorOffset {
		t.Fatalf("Open: %v, want the damage in %s at offset %d", err, want.errorFile, want.errorOffset)
	}
}

func flipBit(t *rapid.T, path string, bit int64) {
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	content[bit/8] ^= 1 << (bit % 8)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot describes every file of dir: name, size and content digest.
func snapshot(t *rapid.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, entry := range entries {
		content, err := os.ReadFile(filepath.Join(dir, entry.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %x\n", entry.Name(), len(content), content)
	}
	return b.String()
}
