package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/live/files"
	"github.com/proven2pc/proven/live/internal/faultfs"
	"pgregory.net/rapid"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// lockHelperEnv names the store directory a child process opens.
const lockHelperEnv = "PROVEN_STORE_LOCK_HELPER_DIR"

// TestLockHelperProcess is not a test: it is the second process of
// TestSecondProcessIsLockedOut, which runs this binary with lockHelperEnv
// set. It prints Open's error and exits.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		return
	}
	store, err := Open(dir, Options{Logger: quiet})
	if err == nil {
		store.Close()
		fmt.Println("opened")
		os.Exit(0)
	}
	fmt.Printf("error: %v locked=%t\n", err, errors.Is(err, ErrLocked))
	os.Exit(3)
}

// TestSecondProcessIsLockedOut: while this process holds a store, a second
// process opening it gets ErrLocked and changes nothing; once it is
// closed, the second process opens it.
func TestSecondProcessIsLockedOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	store, err := Open(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stream("users", "kv"); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	output, err := runLockHelper(dir)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || !strings.Contains(output, "locked=true") ||
		!strings.Contains(output, dir) {
		t.Fatalf("second process while locked: %v, output %q", err, output)
	}
	if after := tree(t, dir); after != before {
		t.Fatalf("the refused second process changed the store:\n%s\nbecame\n%s", before, after)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if output, err := runLockHelper(dir); err != nil || output != "opened\n" {
		t.Fatalf("second process after Close: %v, output %q", err, output)
	}
}

func runLockHelper(dir string) (string, error) {
	command := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	command.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	output, err := command.Output()
	return string(output), err
}

// TestBadNames: names the store cannot record are refused without
// creating anything.
func TestBadNames(t *testing.T) {
	store, err := Open(filepath.Join(t.TempDir(), "store"), Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, names := range [][2]string{{"", "kv"}, {strings.Repeat("n", 1025), "kv"}, {"users", ""},
		{"users", "k\nv"}, {"users", "k\xffv"}, {"users", strings.Repeat("e", 65)}} {
		if _, err := store.Stream(names[0], names[1]); !errors.Is(err, ErrBadName) {
			t.Errorf("Stream(%.20q, %q): %v, want ErrBadName", names[0], names[1], err)
		}
	}
	if infos, _ := store.Streams(); len(infos) != 0 {
		t.Fatalf("bad names created streams %v", infos)
	}
	if _, err := store.Stream(strings.Repeat("n", 1024), "kv"); err != nil {
		t.Fatalf("a 1024-byte name: %v", err)
	}
}

// TestClosedStoreRefuses: after Close every method returns ErrClosed.
func TestClosedStoreRefuses(t *testing.T) {
	store, err := Open(filepath.Join(t.TempDir(), "store"), Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stream("users", "kv"); !errors.Is(err, ErrClosed) {
		t.Errorf("Stream after Close: %v", err)
	}
	if _, err := store.Streams(); !errors.Is(err, ErrClosed) {
		t.Errorf("Streams after Close: %v", err)
	}
	if err := store.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

// TestCheckpointsSurviveFaultsAndCrashes: a checkpoint write that fails
// at any file-system operation, followed by a crash, leaves the newest
// intact checkpoint either the one being written (whole) or the one
// before it; a completed write is always found after a crash; and the
// store reopens.
func TestCheckpointsSurviveFaultsAndCrashes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		root, err := os.MkdirTemp("", "store-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(root)
		dir := filepath.Join(root, "store")
		fsys := faultfs.New(files.OS)
		store, stream := openStream(t, dir, fsys)
		var durable []byte // the newest checkpoint a completed write made durable
		var durablePosition uint64
		for position := uint64(1); position <= uint64(rapid.IntRange(1, 6).Draw(t, "checkpoints")); position++ {
			data := fmt.Appendf(nil, "checkpoint-%d-%s", position, bytes.Repeat([]byte{'c'}, int(position)*rapid.IntRange(1, 40).Draw(t, "length")))
			// The data goes to the file in pieces, as a frozen
			// checkpoint's does, so a fault can hit any of its writes.
			pieces := pieceStream{data: data, piece: rapid.IntRange(1, 64).Draw(t, "piece")}
			faulty := rapid.Bool().Draw(t, "faulty")
			if faulty {
				fsys.Inject(faultfs.Fault{Op: rapid.SampledFrom([]faultfs.Op{faultfs.OpWrite, faultfs.OpSync,
					faultfs.OpRename, faultfs.OpSyncDir, faultfs.OpCreate}).Draw(t, "op"),
					Countdown: rapid.IntRange(1, 3).Draw(t, "countdown"), ShortBytes: rapid.IntRange(0, 40).Draw(t, "shortBytes")})
			}
			_, err := stream.WriteCheckpointFrom(position, pieces)
			fsys.Clear()
			if err == nil {
				durable, durablePosition = data, position
			} else if !errors.Is(err, faultfs.ErrInjected) {
				t.Fatalf("WriteCheckpoint: %v", err)
			}
			if !faulty && !rapid.Bool().Draw(t, "crash") {
				continue
			}
			store.Close()
			if _, err := fsys.Crash(rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))); err != nil {
				t.Fatal(err)
			}
			store, stream = openStream(t, dir, fsys)
			found, got, ok, err := stream.NewestCheckpoint()
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case ok && found == position && bytes.Equal(got, data):
				durable, durablePosition = data, position // the failed write's rename had landed
			case durable == nil && !ok:
			case ok && found == durablePosition && bytes.Equal(got, durable):
			default:
				t.Fatalf("after a crash: checkpoint %d %q (found %t), want %d %q or %d %q", found, got, ok,
					durablePosition, durable, position, data)
			}
		}
		store.Close()
	})
}

// pieceStream writes data in pieces of at most piece bytes.
type pieceStream struct {
	data  []byte
	piece int
}

func (p pieceStream) Len() int { return len(p.data) }

func (p pieceStream) WriteTo(w io.Writer) (int64, error) {
	var written int64
	for rest := p.data; len(rest) > 0; {
		n, err := w.Write(rest[:min(p.piece, len(rest))])
		written += int64(n)
		if err != nil {
			return written, err
		}
		rest = rest[n:]
	}
	return written, nil
}

// TestCheckpointDataThatMisbehaves: data that writes fewer or more bytes
// than it announces, or fails, is an error, and leaves the newest
// checkpoint as it was; data whose second writing differs from its first
// (its checksum) leaves a file that reading skips as damaged.
func TestCheckpointDataThatMisbehaves(t *testing.T) {
	store, stream := openStream(t, filepath.Join(t.TempDir(), "store"), files.OS)
	defer store.Close()
	if _, err := stream.WriteCheckpoint(1, []byte("good")); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]CheckpointData{
		"short":  lyingStream{pieceStream{data: []byte("abc"), piece: 2}, 1},
		"long":   lyingStream{pieceStream{data: []byte("abc"), piece: 2}, -1},
		"failed": failingStream{},
	} {
		if _, err := stream.WriteCheckpointFrom(2, data); err == nil {
			t.Fatalf("%s data: no error", name)
		}
		if position, got, ok, err := stream.NewestCheckpoint(); err != nil || !ok || position != 1 || string(got) != "good" {
			t.Fatalf("after %s data: newest checkpoint %d %q (%t, %v), want 1 \"good\"", name, position, got, ok, err)
		}
	}
	if _, err := stream.WriteCheckpointFrom(3, &changingStream{}); err != nil {
		t.Fatal(err)
	}
	if position, got, ok, err := stream.NewestCheckpoint(); err != nil || !ok || position != 1 || string(got) != "good" {
		t.Fatalf("after data that changed: newest checkpoint %d %q (%t, %v), want 1 \"good\"", position, got, ok, err)
	}
}

// lyingStream announces by more (or less, when negative) bytes than it
// writes.
type lyingStream struct {
	pieceStream
	by int
}

func (l lyingStream) Len() int { return l.pieceStream.Len() + l.by }

type failingStream struct{}

func (failingStream) Len() int { return 10 }

func (failingStream) WriteTo(w io.Writer) (int64, error) {
	n, _ := w.Write([]byte("12345"))
	return int64(n), errors.New("encoding failed")
}

// changingStream writes other bytes each time.
type changingStream struct{ writes byte }

func (c *changingStream) Len() int { return 4 }

func (c *changingStream) WriteTo(w io.Writer) (int64, error) {
	c.writes++
	n, err := w.Write([]byte{'d', 'a', 't', c.writes})
	return int64(n), err
}

func openStream(t interface{ Fatalf(string, ...any) }, dir string, fsys files.FS) (*Store, *Stream) {
	store, err := Open(dir, Options{FS: fsys, Logger: quiet})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	stream, err := store.Stream("users", "kv")
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return store, stream
}
