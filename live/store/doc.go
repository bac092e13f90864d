// Package store is the directory of an embedded Proven store: its format
// version, its lock, its streams (each with a manifest recording its
// engine kind), their logs and their checkpoints.
//
// # What it models
//
//	<dir>/FORMAT                       {"magic":"proven store","format":1}
//	<dir>/LOCK                         held (flock) while a process has the store open
//	<dir>/EPOCH                        the number of the last opening (NextEpoch)
//	<dir>/streams/<id>/MANIFEST        {"format":1,"id":1,"name":"users","engine":"kv"}
//	<dir>/streams/<id>/log/*.log       the stream's log (live/filelog)
//	<dir>/streams/<id>/checkpoints/<position>.checkpoint
//
// A stream's directory is named by its id (8 digits), unique in the store
// and never reused; the name lives in the manifest, so any stream name the
// log service accepts (1 to 1024 bytes) is safe on every file system. The
// id also serves as the stream's HLC node, so no two streams of a store
// issue equal timestamps.
//
// # Contract
//
//   - Open creates a store in a missing or empty directory, and otherwise
//     refuses, naming the directory or file and changing nothing on disk:
//     a directory that is not a Proven store (ErrNotStore), a store of a
//     newer format (ErrNewerFormat), a store another process has open, or
//     another Open in this process (ErrLocked). The lock is flock(2) on
//     LOCK (see live/files for systems without flock: there it holds
//     within one process only); the kernel drops it when the process dies.
//   - Stream(name, engine) opens or creates a stream; a stream reopened
//     with another engine kind is refused (ErrEngineMismatch) changing
//     nothing. Manifests and FORMAT are written atomically (temporary
//     file, fsync, rename, directory fsync).
//   - OpenLog opens a stream's filelog.Log; its owner (the log host)
//     closes it before the store is closed.
//   - WriteCheckpoint(position, data) stores a processor checkpoint covering
//     the log up to position: temporary file, fsync, rename, directory
//     fsync. It keeps the two newest checkpoints and returns the position
//     below which the stream's log may be removed (both kept checkpoints
//     restore with the log after them). NewestCheckpoint returns the
//     newest intact one, skipping a damaged one with a warning naming the
//     file.
//   - NextEpoch counts an opening and returns its number, one more than
//     any it returned before in this directory (EPOCH is replaced
//     atomically first), so that a runtime's request origins never repeat
//     across restarts.
//   - A Store is safe for concurrent use; so is each Stream's checkpoint
//     API.
//
// # Invariants
//
//   - Every FORMAT, MANIFEST and checkpoint file on disk is whole: the
//     old one or the new one, never a mix (a crash leaves at most a
//     temporary file, which readers ignore).
//   - No two streams share a name or an id.
//
// # What it does not do
//
// It does not decide when to checkpoint or what is safe to remove from a
// log (the runtime's hosts do: a checkpoint's position bounds its own
// stream's replay, but a peer's termination may still read a stream's log
// from a transaction's start position), does not migrate older formats
// (there is one), and does not delete streams.
//
// # Tests
//
// Datadriven scenario files in testdata/ show every bad input with the
// directory tree before and after (unchanged), stream creation and reopen,
// and checkpoints (kept two, damaged one skipped with its log line, a
// leftover temporary file ignored). A test takes the lock from a second
// process. A rapid property injects a failure into any step of a
// checkpoint write, crashes (live/internal/faultfs), and checks the newest
// checkpoint is the new one or the one before, whole.
package store
