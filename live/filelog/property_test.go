package filelog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven/live/files"
	"github.com/proven2pc/proven/live/internal/faultfs"
	"pgregory.net/rapid"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// logModel is what a log must hold: the acknowledged records (synced) from
// number first, and the records appended since the last Sync.
type logModel struct {
	first        uint64
	acknowledged [][]byte
	pending      [][]byte
}

// logHarness drives a Log over a fault-injecting file system on a real
// directory, against a logModel.
type logHarness struct {
	t       *rapid.T
	dir     string
	fs      *faultfs.FS
	options Options
	log     *Log
	model   logModel
	// serial numbers the records, so every record differs.
	serial int
}

func newLogHarness(t *rapid.T, dir string) *logHarness {
	h := &logHarness{t: t, dir: dir, fs: faultfs.New(files.OS), model: logModel{first: 1}}
	h.options = Options{FS: h.fs, SegmentBytesMax: rapid.Int64Range(48, 600).Draw(t, "segmentBytesMax"), Logger: quiet}
	h.reopen()
	return h
}

func (h *logHarness) reopen() {
	log, records, err := Open(h.dir, h.options)
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.check(log, records)
	h.log = log
}

// check: the reopened log holds every acknowledged record in order, then
// at most a prefix of the pending ones, and nothing else.
func (h *logHarness) check(log *Log, records [][]byte) {
	if log.First() != h.model.first {
		h.t.Fatalf("first record %d, want %d", log.First(), h.model.first)
	}
	acknowledged := len(h.model.acknowledged)
	if len(records) < acknowledged || len(records) > acknowledged+len(h.model.pending) {
		h.t.Fatalf("%d records, want %d acknowledged and at most %d pending", len(records), acknowledged,
			len(h.model.pending))
	}
	want := append(append([][]byte{}, h.model.acknowledged...), h.model.pending...)
	for i, record := range records {
		if !bytes.Equal(record, want[i]) {
			h.t.Fatalf("record %d is %q, want %q", h.model.first+uint64(i), record, want[i])
		}
	}
	if log.Next() != h.model.first+uint64(len(records)) {
		h.t.Fatalf("next %d after %d records from %d", log.Next(), len(records), h.model.first)
	}
	h.model.acknowledged, h.model.pending = records, nil
}

func (h *logHarness) record(t *rapid.T) []byte {
	h.serial++
	padding := rapid.IntRange(0, 90).Draw(t, "padding")
	return fmt.Appendf(nil, "record-%d-%s", h.serial, bytes.Repeat([]byte{'x'}, padding))
}

func (h *logHarness) append(t *rapid.T) {
	record := h.record(t)
	if err := h.log.Append(record); err != nil {
		t.Fatalf("Append: %v", err)
	}
	h.model.pending = append(h.model.pending, record)
}

func (h *logHarness) sync(t *rapid.T) {
	if err := h.log.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	h.model.acknowledged = append(h.model.acknowledged, h.model.pending...)
	h.model.pending = nil
}

// remove: RemoveBelow drops whole segments only, never the last record,
// and never a record at or above the position.
func (h *logHarness) remove(t *rapid.T) {
	position := rapid.Uint64Range(0, h.log.Next()+1).Draw(t, "below")
	head := h.log.Next() - 1
	first, err := h.log.RemoveBelow(position)
	if err != nil {
		t.Fatalf("RemoveBelow: %v", err)
	}
	if first < h.model.first || (first > position && first > h.model.first) || (head >= h.model.first && first > head) {
		t.Fatalf("RemoveBelow(%d) with records %d..%d: first %d", position, h.model.first, head, first)
	}
	if durableHead := h.model.first + uint64(len(h.model.acknowledged)) - 1; len(h.model.acknowledged) > 0 &&
		first > durableHead {
		t.Fatalf("RemoveBelow(%d) removed the last durable record %d (first now %d)", position, durableHead, first)
	}
	dropped := int(first - h.model.first)
	if dropped > len(h.model.acknowledged) {
		t.Fatalf("RemoveBelow dropped %d records, only %d acknowledged", dropped, len(h.model.acknowledged))
	}
	h.model.acknowledged = h.model.acknowledged[dropped:]
	h.model.first = first
}

// crash loses the process (the log is dropped unclosed), damages what was
// not synced, and reopens.
func (h *logHarness) crash(t *rapid.T) {
	seed := rapid.Uint64().Draw(t, "crashSeed")
	if _, err := h.fs.Crash(rand.New(rand.NewPCG(seed, 0))); err != nil {
		t.Fatalf("Crash: %v", err)
	}
	h.reopen()
}

// failThenCrash: a fault stops the log in the middle of a sync (the
// write fails, is cut short, or lands but its fsync fails; or starting a
// segment fails), every later append and sync is refused, and the crash
// that follows may lose, cut or garble what was written.
func (h *logHarness) failThenCrash(t *rapid.T) {
	fault := faultfs.Fault{Op: rapid.SampledFrom([]faultfs.Op{faultfs.OpWrite, faultfs.OpSync, faultfs.OpCreate,
		faultfs.OpSyncDir}).Draw(t, "fault"), Countdown: 1}
	if fault.Op == faultfs.OpWrite {
		fault.ShortBytes = rapid.IntRange(0, 200).Draw(t, "shortBytes")
	}
	h.fs.Inject(fault)
	for range rapid.IntRange(1, 20).Draw(t, "appends") {
		record := h.record(t)
		if err := h.log.Append(record); err != nil {
			h.checkStopped(t, err)
			break
		}
		h.model.pending = append(h.model.pending, record)
	}
	if err := h.log.Sync(); err != nil {
		h.checkStopped(t, err)
	} else {
		h.model.acknowledged = append(h.model.acknowledged, h.model.pending...)
		h.model.pending = nil
	}
	h.fs.Clear()
	h.crash(t)
}

// checkStopped: the failure is ErrFailed with the injected cause, and the
// log refuses everything afterwards.
func (h *logHarness) checkStopped(t *rapid.T, err error) {
	if !errors.Is(err, ErrFailed) || !errors.Is(err, faultfs.ErrInjected) {
		t.Fatalf("failure %v is not ErrFailed with the injected cause", err)
	}
	if err := h.log.Append([]byte("after")); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append after a failure: %v", err)
	}
	if err := h.log.Sync(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Sync after a failure: %v", err)
	}
}

func (h *logHarness) close(t *rapid.T) {
	if err := h.log.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.log.Append([]byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	h.model.acknowledged = append(h.model.acknowledged, h.model.pending...)
	h.model.pending = nil
	h.reopen()
}

// TestLogAgainstModel: across appends, syncs, segment removals, clean
// closes and crashes that lose, cut or garble unsynced bytes (and revert
// unsynced directory changes), a reopened log holds every acknowledged
// record in order, then at most a prefix of the unacknowledged ones, and
// nothing else: a torn tail is cut, never read.
func TestLogAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newLogHarness(t, tempDir(t))
		t.Repeat(map[string]func(*rapid.T){
			"append": h.append,
			"sync":   h.sync,
			"remove": h.remove,
			"crash":  h.crash,
			"fail":   h.failThenCrash,
			"close":  h.close,
		})
		h.log.Close()
	})
}

// tempDir makes a directory that a rapid check removes at its end.
func tempDir(t *rapid.T) string {
	dir, err := os.MkdirTemp("", "filelog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "log")
}
