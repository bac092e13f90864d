package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEpochsIncreaseAcrossReopens: each NextEpoch returns one more than
// the last, also after the store is closed and reopened; a damaged EPOCH
// file is refused with ErrCorrupt naming it, and left as it was.
func TestEpochsIncreaseAcrossReopens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	for want := uint64(1); want <= 4; want++ {
		s, err := Open(dir, Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.NextEpoch()
		if err != nil || got != want {
			t.Fatalf("epoch %d: got %d, %v", want, got, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, epochFile)
	if err := os.WriteFile(path, []byte("four\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.NextEpoch(); !errors.Is(err, ErrCorrupt) || !strings.Contains(fmt.Sprint(err), path) {
		t.Fatalf("damaged epoch: %v, want ErrCorrupt naming %s", err, path)
	}
	if data, _ := os.ReadFile(path); string(data) != "four\n" {
		t.Fatalf("the damaged file changed to %q", data)
	}
}
