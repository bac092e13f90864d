package files

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteAtomicReplaces: the target holds the new content and no
// temporary file is left, even when an earlier crash left one.
func TestWriteAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"+TemporarySuffix), []byte("leftover"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"first", "second"} {
		if err := WriteAtomic(OS, dir, "file", []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "file")); err != nil || string(got) != content {
			t.Fatalf("file holds %q (%v), want %q", got, err, content)
		}
	}
	if names, _ := OS.ReadDir(dir); len(names) != 1 {
		t.Fatalf("directory holds %v, want the file alone", names)
	}
}

// TestLockIsExclusive: a second Lock of the same file fails with ErrLocked
// (in this process too) until the first is released.
func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "LOCK")
	first, err := OS.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OS.Lock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := OS.Lock(path)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	again.Unlock()
}
