package faultfs

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/proven2pc/proven/internal/enum"
	"github.com/proven2pc/proven/live/files"
)

// ErrInjected is the error of every injected fault.
var ErrInjected = errors.New("faultfs: injected fault")

// Op is a kind of file-system operation a fault can hit.
type Op uint8

const (
	OpWrite Op = iota + 1
	OpSync
	OpSyncDir
	OpCreate
	OpRename
	OpRemove
	OpTruncate
	opEnd
)

var opNames = [...]string{OpWrite: "write", OpSync: "sync", OpSyncDir: "syncdir", OpCreate: "create",
	OpRename: "rename", OpRemove: "remove", OpTruncate: "truncate"}

func (op Op) String() string { return enum.Name(op, opNames[:], "op") }

// Fault is one armed failure.
type Fault struct {
	Op Op
	// Countdown: the fault fires on the Countdown-th matching operation
	// after Inject (1: the next one).
	Countdown int
	// PathContains limits the fault to paths containing it ("": any).
	PathContains string
	// ShortBytes: a failing write first writes this many bytes of its
	// buffer (capped at its length), as a full disk does.
	ShortBytes int
}

// FS wraps a files.FS. It fails the operations that armed faults name,
// and models a crash (Crash): bytes written but not synced may be lost,
// cut or garbled, and files created or renamed since their directory's
// last SyncDir may be undone. It is safe for concurrent use.
type FS struct {
	inner  files.FS
	mutex  sync.Mutex
	faults []*Fault
	counts [opEnd]int
	// files tracks every file written through FS since its open.
	files map[string]*fileState
	// undo lists, in order, the directory changes a crash may revert.
	undo []directoryChange
}

type fileState struct {
	size, synced int64
}

// directoryChange is a create or rename whose directory was not synced
// since. A rename remembers what it replaced, so a crash can put it back.
type directoryChange struct {
	dir         string
	created     string // the created file, or "" for a rename
	from, to    string
	fromContent []byte // what was renamed
	toContent   []byte // what the destination held (nil: nothing)
	toExisted   bool
}

var _ files.FS = (*FS)(nil)

// New returns a fault-free wrapper of inner.
func New(inner files.FS) *FS { return &FS{inner: inner, files: map[string]*fileState{}} }

// Inject arms a fault.
func (f *FS) Inject(fault Fault) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.faults = append(f.faults, &fault)
}

// Clear disarms every fault that has not fired.
func (f *FS) Clear() {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.faults = nil
}

// Count returns how many operations of kind op ran (failed or not).
func (f *FS) Count(op Op) int {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	return f.counts[op]
}

// hit counts an operation and reports the fault it fires, if any.
func (f *FS) hit(op Op, path string) *Fault {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.counts[op]++
	for i, fault := range f.faults {
		if fault.Op != op || !strings.Contains(path, fault.PathContains) {
			continue
		}
		fault.Countdown--
		if fault.Countdown <= 0 {
			f.faults = slices.Delete(f.faults, i, i+1)
			return fault
		}
	}
	return nil
}

func injected(op Op, path string) error {
	return &fs.PathError{Op: op.String(), Path: path, Err: ErrInjected}
}

func (f *FS) ReadFile(name string) ([]byte, error)  { return f.inner.ReadFile(name) }
func (f *FS) ReadDir(name string) ([]string, error) { return f.inner.ReadDir(name) }
func (f *FS) Stat(name string) (fs.FileInfo, error) { return f.inner.Stat(name) }
func (f *FS) MkdirAll(name string) error            { return f.inner.MkdirAll(name) }
func (f *FS) Lock(name string) (files.Unlocker, error) {
	return f.inner.Lock(name)
}

func (f *FS) Create(name string) (files.File, error) {
	if f.hit(OpCreate, name) != nil {
		return nil, injected(OpCreate, name)
	}
	file, err := f.inner.Create(name)
	if err != nil {
		return nil, err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.files[name] = &fileState{}
	f.undo = append(f.undo, directoryChange{dir: filepath.Dir(name), created: name})
	return &faultFile{fs: f, name: name, inner: file}, nil
}

func (f *FS) OpenAppend(name string) (files.File, error) {
	info, err := f.inner.Stat(name)
	if err != nil {
		return nil, err
	}
	file, err := f.inner.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if f.files[name] == nil {
		f.files[name] = &fileState{size: info.Size(), synced: info.Size()}
	}
	return &faultFile{fs: f, name: name, inner: file}, nil
}

func (f *FS) Truncate(name string, size int64) error {
	if f.hit(OpTruncate, name) != nil {
		return injected(OpTruncate, name)
	}
	if err := f.inner.Truncate(name, size); err != nil {
		return err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if state := f.files[name]; state != nil {
		state.size = min(state.size, size)
		state.synced = min(state.synced, size)
	}
	return nil
}

func (f *FS) Rename(from, to string) error {
	if f.hit(OpRename, from) != nil {
		return injected(OpRename, from)
	}
	change := directoryChange{dir: filepath.Dir(to), from: from, to: to}
	var err error
	if change.fromContent, err = f.inner.ReadFile(from); err != nil {
		return err
	}
	change.toContent, err = f.inner.ReadFile(to)
	change.toExisted = err == nil
	if err := f.inner.Rename(from, to); err != nil {
		return err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.files[to] = f.files[from]
	delete(f.files, from)
	f.undo = append(f.undo, change)
	return nil
}

func (f *FS) Remove(name string) error {
	if f.hit(OpRemove, name) != nil {
		return injected(OpRemove, name)
	}
	if err := f.inner.Remove(name); err != nil {
		return err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	delete(f.files, name)
	return nil
}

// SyncDir makes the directory's creates and renames durable: a crash no
// longer reverts them.
func (f *FS) SyncDir(name string) error {
	if f.hit(OpSyncDir, name) != nil {
		return injected(OpSyncDir, name)
	}
	if err := f.inner.SyncDir(name); err != nil {
		return err
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.undo = slices.DeleteFunc(f.undo, func(change directoryChange) bool { return change.dir == name })
	return nil
}

// faultFile is a file open for writing through FS.
type faultFile struct {
	fs    *FS
	name  string
	inner files.File
}

func (file *faultFile) Write(data []byte) (int, error) {
	if fault := file.fs.hit(OpWrite, file.name); fault != nil {
		written, _ := file.inner.Write(data[:min(fault.ShortBytes, len(data))])
		file.grow(int64(written))
		return written, injected(OpWrite, file.name)
	}
	written, err := file.inner.Write(data)
	file.grow(int64(written))
	return written, err
}

func (file *faultFile) grow(written int64) {
	file.fs.mutex.Lock()
	defer file.fs.mutex.Unlock()
	if state := file.fs.files[file.name]; state != nil {
		state.size += written
	}
}

// Sync fails when a fault says so; the bytes then stay unsynced (a crash
// may still lose them), whatever later syncs do.
func (file *faultFile) Sync() error {
	if file.fs.hit(OpSync, file.name) != nil {
		return injected(OpSync, file.name)
	}
	if err := file.inner.Sync(); err != nil {
		return err
	}
	file.fs.mutex.Lock()
	defer file.fs.mutex.Unlock()
	if state := file.fs.files[file.name]; state != nil {
		state.synced = state.size
	}
	return nil
}

func (file *faultFile) Close() error { return file.inner.Close() }
