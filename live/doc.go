// Package live is Proven's real runtime: the same log service,
// processors, engines and coordinator that the simulator proves, run on
// goroutines with the wall clock and files, embedded in an application's
// process (DESIGN.md, "Outside the simulator"). proven.Open is this
// package's Open.
//
// # What it models
//
// Open(dir, options) opens (or creates) a store directory (live/store)
// and runs every stream the options name:
//
//   - a log host per stream (live/loghost: the streamlog service over the
//     stream's segment files, live/filelog, with group commit: an append
//     is acknowledged after the fsync that made it durable);
//   - a processor host per stream (here): the stream's processor on a
//     goroutine, restored from its newest intact checkpoint and replaying
//     the log after it, ticked every 50ms; the checkpoints it asks for
//     come frozen (processor.FrozenCheckpoint: copy-on-write) and
//     a checkpointer goroutine per stream encodes each as it writes it
//     (store.Stream.WriteCheckpointFrom), so that no copy of the state is
//     held; while one is being written the host holds the next
//     (processor.HoldCheckpoints), which comes when the write ends;
//   - sessions: a transaction (or one call of a read-only transaction or
//     of the ad-hoc executor) borrows a session — a coordinator with a
//     mailbox address and a request origin of its own — from a pool of at
//     most TransactionsMax, so many transactions run at once with no lock
//     held while they wait. All sessions share one hybrid logical clock
//     (coordinator.Config.Timestamps), restored at Open above the newest
//     timestamp of every log, so transaction ids never repeat;
//   - a router that hands each message to its recipient's queue without
//     blocking (log messages to the host of the stream they name): a full
//     queue drops the message and its sender retries it, as the protocol
//     does for any lost message, so no goroutine ever waits on another in
//     a cycle;
//   - a janitor that removes old log segments after a checkpoint, only
//     below what every processor's replay and every peer's termination
//     read may still need (janitor.go reasons it out).
//
// The handle gives Begin(ctx, timeout), BeginReadOnly(ctx) and AdHoc(),
// each an engines.Executor, so the typed clients (kv.New(tx, "users"),
// sql.New(tx, "orders"), queue.New, resource.New) work unchanged. A
// database/sql driver or a workload runner sits on the same three.
//
// A read-only transaction's snapshot is the newest timestamp the store's
// transactions received: at or after the commit of every transaction
// acknowledged before it began (votes and outcomes carry commit
// timestamps), and a time the logs have reached, so reads seldom wait for
// a log to pass the wall clock. A point read the stream's processor can
// answer at once (processor.ReadNow: its log passed the snapshot, no
// undecided prepared write in the way) is answered on the caller's
// goroutine under the processor's lock, which the processor's goroutine
// holds while it steps; any other read goes through the coordinator's
// read machine to the processor's inbox and waits as rule 8 says. When
// such a read is ahead of its stream's log, the processor host appends a
// tick to that log at once instead of waiting for the log service's own.
//
// Memory stays bounded on a long run: each stream keeps its log on disk
// only from the older of its two newest checkpoints (CheckpointEvery) or
// what a pending termination pins, removed whole segment by segment
// (SegmentBytesMax), and in memory only from what its processor has not
// applied or a termination pins (dropped at each checkpoint's janitor
// round); processors raise their engines' garbage-collection watermark to
// VersionRetention behind the log (engines/processor), so old versions
// go; the log remembers 64 requests per session. A checkpoint is frozen
// copy-on-write and encoded as it is written, so it adds no copy of the
// state. Go's collector lets the heap reach twice what was live at its
// last collection; an application that must hold its resident set to a
// budget sets GOMEMLIMIT (BENCHMARKS.md: 1.89x the live data at 1000-byte
// values with a limit of 1.86x, about 3.2x without one).
//
// # Contract
//
//   - Open refuses, naming what is wrong and changing nothing on disk: a
//     directory that is not a store, a store of a newer format, a store
//     another process (or DB) has open, a stream reopened with another
//     engine kind, options no store could run.
//   - A DB is safe for concurrent use by many goroutines; a Txn is used by
//     one goroutine at a time and ends with Commit or Rollback (until then
//     it holds a session). Commit's answers are the coordinator's: nil
//     only after a Commit append was acknowledged, durable, at or before
//     the deadline; an *coordinator.AbortedError when committed nowhere;
//     coordinator.ErrIndeterminate when the outcome could not be learned.
//   - Request origins derive from an epoch the store counts at every Open
//     (store.NextEpoch), so they never repeat across restarts (the log
//     deduplicates appends per origin).
//   - A failed write or fsync of a log, or of a checkpoint, stops the
//     store: every later call returns an error wrapping ErrFailed and the
//     cause (Err reports it), and Close returns it. Nothing acknowledged
//     is lost: reopening reads back what reached the disk.
//   - Close refuses new calls, waits for calls in progress, writes a last
//     checkpoint of every stream, flushes and closes the logs and stops
//     every goroutine it started.
//
// # Invariants
//
//   - Nothing in the runtime waits on another goroutine's queue: sends
//     never block.
//   - A segment is removed only below both of its stream's kept
//     checkpoints and below every position a termination read may still
//     need.
//
// # What it does not do
//
// It runs every stream in this one process (no replication), keeps each
// stream's retained log in memory (bounded by segment removal), and does
// not retry a failed fsync. Real concurrency is not deterministic: the
// simulator proves the step machines; this package's tests check the
// hosting (crashes with SIGKILL, injected file faults, concurrency).
//
// # Tests
//
// Tests (with goleak) run transactions across streams through reopen,
// concurrent bank transfers checked for conservation at every snapshot,
// bad input at Open, segment removal under pending terminations, and a
// crash test that runs a workload in a child process, kills it with
// SIGKILL at random moments and checks after every restart that every
// acknowledged commit is present, nothing aborted is visible, transfers
// conserve money and list appends keep their order across streams.
// Fault-injection tests fail writes, fsyncs and short writes under the
// store (live/internal/faultfs) and check it stops cleanly and loses
// nothing acknowledged. Benchmarks measure commits/s and latency.
package live
