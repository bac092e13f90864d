package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is the file system the store writes through. OS is the real one;
// tests wrap it to inject faults (live/internal/faultfs). Names are
// operating-system paths. Every error names the path it concerns.
type FS interface {
	// ReadFile returns a whole file.
	ReadFile(name string) ([]byte, error)
	// ReadDir returns the names of a directory's entries, sorted.
	ReadDir(name string) ([]string, error)
	// Stat describes a file or directory.
	Stat(name string) (fs.FileInfo, error)
	// MkdirAll creates a directory and its missing parents.
	MkdirAll(name string) error
	// Create creates a new file for writing; it fails if name exists.
	Create(name string) (File, error)
	// OpenAppend opens an existing file for writing at its end.
	OpenAppend(name string) (File, error)
	// Truncate cuts a file to size bytes.
	Truncate(name string, size int64) error
	// Rename moves a file, replacing the destination.
	Rename(from, to string) error
	// Remove deletes a file or an empty directory.
	Remove(name string) error
	// SyncDir makes a directory's entries (files created, renamed or
	// removed in it) durable.
	SyncDir(name string) error
	// Lock takes an exclusive lock on the file name (created if missing)
	// for this process, or fails with an error wrapping ErrLocked if
	// another holder has it. Unlock releases it.
	Lock(name string) (Unlocker, error)
}

// File is a file open for writing.
type File interface {
	Write(data []byte) (int, error)
	// Sync makes every byte written so far durable.
	Sync() error
	Close() error
}

// Unlocker releases a lock taken with FS.Lock.
type Unlocker interface {
	Unlock() error
}

// ErrLocked reports a lock another process (or another open store in this
// process) holds.
var ErrLocked = errors.New("files: locked by another holder")

// OS is the operating system's file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

func (osFS) ReadDir(name string) ([]string, error) {
	entries, err := os.ReadDir(name)
	names := make([]string, len(entries))
	for i, entry := range entries {
		names[i] = entry.Name()
	}
	return names, err
}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (osFS) MkdirAll(name string) error { return os.MkdirAll(name, 0o755) }

func (osFS) Create(name string) (File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

func (osFS) OpenAppend(name string) (File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
}

func (osFS) Truncate(name string, size int64) error { return os.Truncate(name, size) }

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) SyncDir(name string) error {
	dir, err := os.Open(name)
	if err != nil {
		return err
	}
	syncErr := dir.Sync()
	closeErr := dir.Close()
	if syncErr != nil {
		return &fs.PathError{Op: "sync", Path: name, Err: syncErr}
	}
	return closeErr
}

func (osFS) Lock(name string) (Unlocker, error) { return lockFile(name) }

// WriteAtomic replaces the file dir/name with data (the parts one after
// the other, so that a caller need not copy a header and a large body into
// one buffer) so that a crash leaves either the old file or the new one,
// whole: it writes dir/name.tmp, syncs it, renames it over dir/name and
// syncs dir. A leftover .tmp file from an earlier crash is replaced.
func WriteAtomic(fsys FS, dir, name string, data ...[]byte) error {
	return WriteAtomicFunc(fsys, dir, name, func(w io.Writer) error {
		for _, part := range data {
			if _, err := w.Write(part); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteAtomicFunc is WriteAtomic of what write writes to the temporary
// file, in as many pieces as it likes (content too large to hold in one
// buffer).
func WriteAtomicFunc(fsys FS, dir, name string, write func(io.Writer) error) error {
	path := filepath.Join(dir, name)
	temporary := path + TemporarySuffix
	if err := fsys.Remove(temporary); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	file, err := fsys.Create(temporary)
	if err != nil {
		return err
	}
	if err := writeAndSync(file, write); err != nil {
		return fmt.Errorf("writing %s: %w", temporary, err)
	}
	if err := fsys.Rename(temporary, path); err != nil {
		return err
	}
	return fsys.SyncDir(dir)
}

// TemporarySuffix ends the name of a file WriteAtomic has not finished;
// readers ignore such files.
const TemporarySuffix = ".tmp"

// writeAndSync writes to file, syncs and closes it.
func writeAndSync(file File, write func(io.Writer) error) error {
	err := write(file)
	if err == nil {
		err = file.Sync()
	}
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	return err
}
