// Package files is the file system the real runtime's storage writes
// through: an interface (FS, File) with the operating system's
// implementation (OS), a lock on a file, and WriteAtomic.
//
// # What it models
//
// Only what the store needs: whole-file reads, sorted directory listings,
// new files, appends to existing files, truncation, rename, removal,
// directory sync, and an exclusive lock. Tests wrap an FS to inject
// faults and model crashes (live/internal/faultfs).
//
// # Contract
//
//   - File.Sync makes every byte written durable; FS.SyncDir makes a
//     directory's creates, renames and removals durable. Nothing else is
//     durable.
//   - WriteAtomic replaces a file so that a crash leaves the old or the new
//     content whole: a temporary file (TemporarySuffix) written and synced,
//     renamed over the target, then the directory synced.
//   - Lock: on Linux, the BSDs and macOS it is flock(2) with LOCK_EX|LOCK_NB
//     on the named file; it belongs to the open file, so a second process,
//     and a second Lock of the same file in this process, fail with
//     ErrLocked; the kernel releases it when the process ends, even by
//     SIGKILL. Elsewhere (Windows, Solaris, ...) there is no flock: the lock
//     holds within this process only, and a second process is not stopped.
//
// # What it does not do
//
// It buffers nothing, retries nothing and caches nothing.
//
// # Tests
//
// Its users' tests run on it (live/filelog, live/store); the store's tests
// take the lock from a second process.
package files
