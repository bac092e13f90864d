package faultfs

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven/live/files"
)

func write(t *testing.T, fsys files.FS, path, content string, sync bool) {
	t.Helper()
	file, err := fsys.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := file.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCrashKeepsExactlyWhatWasSynced: over many seeds, a synced file in a
// synced directory survives whole; an unsynced tail is kept, cut or
// garbled but never touches the synced bytes; an unsynced rename is
// either kept or put back, never half done.
func TestCrashKeepsExactlyWhatWasSynced(t *testing.T) {
	for seed := range uint64(40) {
		dir := t.TempDir()
		fsys := New(files.OS)
		durable, renamed := filepath.Join(dir, "durable"), filepath.Join(dir, "renamed")
		write(t, fsys, durable, "synced", true)
		write(t, fsys, renamed, "old", true)
		if err := fsys.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
		file, err := fsys.OpenAppend(durable)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := file.Write([]byte("-unsynced-tail")); err != nil {
			t.Fatal(err)
		}
		write(t, fsys, renamed+".tmp", "new", true)
		if err := fsys.Rename(renamed+".tmp", renamed); err != nil {
			t.Fatal(err)
		}
		if _, err := fsys.Crash(rand.New(rand.NewPCG(seed, 1))); err != nil {
			t.Fatal(err)
		}
		content, err := os.ReadFile(durable)
		if err != nil || len(content) < len("synced") || string(content[:6]) != "synced" {
			t.Fatalf("seed %d: durable file holds %q (%v)", seed, content, err)
		}
		content, err = os.ReadFile(renamed)
		if err != nil || (string(content) != "old" && string(content) != "new") {
			t.Fatalf("seed %d: renamed file holds %q (%v)", seed, content, err)
		}
	}
}

// TestShortWriteWritesAPrefixAndFails: the armed write writes its prefix
// and fails with ErrInjected; the next write succeeds.
func TestShortWriteWritesAPrefixAndFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	fsys := New(files.OS)
	fsys.Inject(Fault{Op: OpWrite, Countdown: 2, ShortBytes: 3})
	file, err := fsys.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Write([]byte("first-")); err != nil {
		t.Fatal(err)
	}
	if written, err := file.Write([]byte("second")); written != 3 || !errors.Is(err, ErrInjected) {
		t.Fatalf("short write wrote %d bytes, error %v", written, err)
	}
	if _, err := file.Write([]byte("-third")); err != nil {
		t.Fatal(err)
	}
	if content, _ := os.ReadFile(path); string(content) != "first-sec-third" {
		t.Fatalf("file holds %q", content)
	}
	if fsys.Count(OpWrite) != 3 {
		t.Fatalf("counted %d writes", fsys.Count(OpWrite))
	}
}
