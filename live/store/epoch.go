package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/live/files"
)

// epochFile holds the number of the last session of the store.
const epochFile = "EPOCH"

// epochMax bounds the epoch: a runtime puts it above its own slot
// numbers in 64-bit request origins.
const epochMax = 1 << 40

// NextEpoch counts one more opening of the store and returns its number:
// 1 for the first, and one more than any number returned before in this
// directory, across crashes (the EPOCH file is replaced atomically before
// NextEpoch returns). A runtime derives its request origins from it, so
// that no origin repeats across restarts: the log deduplicates appends per
// origin, and drops requests below an origin's window.
func (s *Store) NextEpoch() (uint64, error) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if s.streams == nil {
		return 0, ErrClosed
	}
	fsys := s.options.FS
	path := filepath.Join(s.dir, epochFile)
	last := uint64(0)
	data, err := fsys.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, err
	default:
		last, err = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || last >= epochMax {
			return 0, fmt.Errorf("%w: %s holds %q, not an epoch below %d", ErrCorrupt, path, data, uint64(epochMax))
		}
	}
	next := last + 1
	if err := files.WriteAtomic(fsys, s.dir, epochFile, []byte(strconv.FormatUint(next, 10)+"\n")); err != nil {
		return 0, fmt.Errorf("store: writing %s: %w", path, err)
	}
	return next, nil
}
