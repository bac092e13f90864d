package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/proven2pc/proven/live/files"
)

// FormatVersion is the store format this build writes and reads. A store
// with a higher version is refused (ErrNewerFormat).
const FormatVersion = 1

// The store directory's fixed names.
const (
	formatFile   = "FORMAT"
	lockFile     = "LOCK"
	streamsDir   = "streams"
	formatMagic  = "proven store"
	manifestFile = "MANIFEST"
)

var (
	// ErrNotStore: the directory exists, holds something, and is not a
	// Proven store.
	ErrNotStore = errors.New("store: not a Proven store")
	// ErrNewerFormat: the store was written by a newer format version.
	ErrNewerFormat = errors.New("store: written by a newer format version")
	// ErrLocked: another process (or another open Store in this process)
	// has the store open.
	ErrLocked = errors.New("store: locked")
	// ErrEngineMismatch: a stream was reopened with another engine than
	// the one it was created with.
	ErrEngineMismatch = errors.New("store: stream reopened with a different engine")
	// ErrBadName: a stream or engine name the store cannot record.
	ErrBadName = errors.New("store: bad name")
	// ErrCorrupt: a store file that this build wrote is damaged.
	ErrCorrupt = errors.New("store: corrupt store file")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// Options tunes a Store. Zero fields take their defaults.
type Options struct {
	// FS is the file system (default files.OS).
	FS files.FS
	// Logger receives the store's and its logs' warnings (default
	// slog.Default()).
	Logger *slog.Logger
	// SegmentBytesMax is the stream logs' segment size (filelog's default
	// if zero).
	SegmentBytesMax int64
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = files.OS
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// formatContent is the FORMAT file.
type formatContent struct {
	Magic  string `json:"magic"`
	Format int    `json:"format"`
}

// Store is an open store directory. It is safe for concurrent use.
type Store struct {
	options Options
	dir     string
	lock    files.Unlocker
	mutex   sync.Mutex
	// streams by name; nil once closed.
	streams map[string]*Stream
	// Invariant: lastID >= the ID of every stream directory, complete or not.
	lastID uint32
}

// Open opens the store in dir, creating it if dir is missing or empty,
// and locks it for this process until Close. It fails, changing nothing
// on disk, when dir is not a Proven store (ErrNotStore), was written by a
// newer format (ErrNewerFormat), or is locked by another process
// (ErrLocked); each error names the directory.
func Open(dir string, options Options) (*Store, error) {
	options = options.withDefaults()
	fresh, err := inspect(options.FS, dir)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := options.FS.MkdirAll(dir); err != nil {
			return nil, err
		}
	}
	lock, err := options.FS.Lock(filepath.Join(dir, lockFile))
	if errors.Is(err, files.ErrLocked) {
		return nil, fmt.Errorf("%w: %s is open in another process, or by another Open in this one", ErrLocked, dir)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{options: options, dir: dir, lock: lock, streams: map[string]*Stream{}}
	if err := s.load(); err != nil {
		lock.Unlock()
		return nil, err
	}
	return s, nil
}

// inspect decides, reading only, whether dir is a store to open (false)
// or a place to create one (true: missing, empty, or holding only what an
// interrupted creation leaves).
func inspect(fsys files.FS, dir string) (fresh bool, err error) {
	info, err := fsys.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !info.IsDir() {
		return false, fmt.Errorf("%w: %s is a file, not a directory", ErrNotStore, dir)
	}
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return false, err
	}
	if slices.Contains(names, formatFile) {
		return false, checkFormat(fsys, dir)
	}
	leftovers := []string{lockFile, formatFile + files.TemporarySuffix}
	for _, name := range names {
		if !slices.Contains(leftovers, name) {
			return false, fmt.Errorf("%w: %s has no %s file and holds other files (%s)", ErrNotStore, dir, formatFile,
				summarize(names))
		}
	}
	return true, nil
}

func summarize(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

// checkFormat reads the FORMAT file of an existing store.
func checkFormat(fsys files.FS, dir string) error {
	path := filepath.Join(dir, formatFile)
	data, err := fsys.ReadFile(path)
	if err != nil {
		return err
	}
	var format formatContent
	if err := json.Unmarshal(data, &format); err != nil || format.Magic != formatMagic || format.Format < 1 {
		return fmt.Errorf("%w: %s is not a Proven format file", ErrNotStore, path)
	}
	if format.Format > FormatVersion {
		return fmt.Errorf("%w: %s says format %d; this build reads formats up to %d", ErrNewerFormat, path,
			format.Format, FormatVersion)
	}
	return nil
}

// load creates a new store's files, or reads an existing store's streams.
// Requires: the lock is held.
func (s *Store) load() error {
	fsys := s.options.FS
	if _, err := fsys.Stat(filepath.Join(s.dir, formatFile)); errors.Is(err, fs.ErrNotExist) {
		data, _ := json.Marshal(formatContent{Magic: formatMagic, Format: FormatVersion})
		if err := files.WriteAtomic(fsys, s.dir, formatFile, append(data, '\n')); err != nil {
			return fmt.Errorf("store: creating %s: %w", s.dir, err)
		}
	} else if err := checkFormat(fsys, s.dir); err != nil { // another process may have created it meanwhile
		return err
	}
	return s.loadStreams()
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the lock. Streams and logs opened from the store must be
// closed first; afterwards every method returns ErrClosed.
func (s *Store) Close() error {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if s.streams == nil {
		return ErrClosed
	}
	s.streams = nil
	return s.lock.Unlock()
}
