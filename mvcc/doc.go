// Package mvcc is the in-memory multi-version store under every engine,
// and the one participant lifecycle (begin, prepare, commit, abort) the
// engines share.
//
// # What it models
//
// Ordered byte-string keys, each with a history of versions stamped with
// commit timestamps (clock.Timestamp), plus per-transaction intents: the
// uncommitted writes and deletes of Active or Prepared transactions. A
// snapshot read at timestamp T sees, for each key, the newest version whose
// commit timestamp is <= T; a tombstone version means "absent" and hides the
// older ones. The newest version of each key lives in a "latest" btree
// ordered by key; older versions live in a "history" btree ordered by (key
// ascending, commit timestamp descending). A read at T looks the key up in
// latest and, only when that version is newer than T, seeks history to
// (key, T). Reads at recent snapshots (the processor reads at the latest
// timestamp, read-only transactions near the present) therefore touch a
// tree as small as the key count, however many versions each key has; a
// read far in the past costs one more seek. Intents live in a third btree
// ordered by (key, transaction id).
//
// Memory: each version is one allocation of its key and value bytes and a
// 32-byte btree item (a pointer, two lengths, the commit timestamp). GC
// rebuilds latest, packed, once it has grown by a quarter (see compaction
// in versions.go), and Restore builds it packed: about 35 bytes a key
// beyond the key and value (BenchmarkMemoryPerKey).
//
// # Transactions
//
// A transaction id (TxnID) is an HLC timestamp; smaller is older; zero means
// "no transaction". The store knows a transaction from its first Put or Delete
// until its Commit or Abort; Prepare, Commit and Abort of any other id return
// ErrUnknownTransaction (the processor above makes them idempotent).
//
//	unknown           --Put/Delete--> Active
//	Active            --Prepare(p)--> Prepared
//	Active            --Commit(c)-->  committed (one-phase commit)
//	Prepared          --Commit(c)-->  committed
//	Active, Prepared  --Abort-->      aborted
//
// Committed and aborted transactions are forgotten: the store holds no
// record of them, only the versions a commit produced.
//
// The Store's rules are checked and refused as errors, because the Store
// is usable on its own (tests, benchmarks, the processor's test engine).
// The Participant below applies the same rules (Lifecycle's checks, written
// once) to engines, as assertions.
//
// Rules, each checked before anything changes (a failed call changes nothing):
//   - Put/Delete: the id is not zero (ErrInvalidTransaction), the key is at
//     most KeyLenMax bytes and the value at most ValueLenMax, and the
//     transaction is not Prepared (ErrTransactionPrepared). A second write of
//     the same key by the same transaction replaces its intent.
//   - Prepare(p): the transaction is known, p is neither zero nor
//     MaxTimestamp (ErrInvalidTimestamp), and it is Active, or Prepared at
//     exactly p (then a no-op); another p returns ErrTransactionPrepared.
//   - Commit(c): the transaction is known; c is neither zero nor
//     MaxTimestamp; c >= p when Prepared (ErrCommitBeforePrepare); c is above
//     the GC watermark (ErrCommitBelowWatermark); c is strictly above the
//     newest version of every key it wrote (ErrWriteTooOld). Then every
//     intent becomes a version at c, in one step.
//   - Abort: the transaction is known; its intents disappear.
//
// # Reads
//
// Get and Scan take a snapshot timestamp At (MaxTimestamp reads the latest
// state) and an optional reading transaction Txn:
//   - At below the GC watermark returns ErrBelowWatermark.
//   - Txn's own intent on a key overrides the versions (its delete hides
//     the key): read-your-own-writes.
//   - An Active transaction's intents are invisible to everyone else: the
//     processor guarantees that its commit timestamp will exceed every
//     snapshot already served.
//   - A Prepared transaction's intent with prepare timestamp <= At may
//     commit at or below At, so a read of that key cannot answer: it returns
//     a *BlockedError (errors.Is(err, ErrBlocked)) naming the smallest such
//     transaction id. Prepared intents above At are ignored.
//   - Scan applies the same rules to every key in [Start, End), including
//     keys that exist only as intents, in order (or reverse order), up to
//     Limit delivered keys. It stops at the first blocked key and returns its
//     *BlockedError, after fn has seen the keys before it.
//
// Several transactions may hold intents on the same key: the engines above do
// their own locking, and mvcc does not assume exclusivity.
//
// # Ownership
//
// Put copies key and value. Reads return slices owned by the store: the
// caller must not modify them. The store never modifies a slice after
// storing it, so a returned slice stays valid (and unchanged) for as long as
// the caller holds it.
//
// # GC, views, checkpoints
//
// GC(w) raises the watermark to w (it never lowers it) and keeps, per key,
// every version above w and the newest version at or below w unless that one
// is a tombstone. Reads at or above w are unchanged by it. A key's newest
// version leaves latest only when it is a tombstone at or below w; every
// older version of the key then goes too, and the key disappears.
//
// View returns a copy-on-write snapshot (a btree Clone of each tree) that
// stays valid and unchanged while the store keeps changing, for the embedded
// runtime where reads run beside the apply loop.
//
// Checkpoint serializes everything (versions, intents, transaction states and
// prepare timestamps, the watermark) in a versioned, CRC-32C checksummed
// format; the same state always gives the same bytes. Versions are written in
// one (key, timestamp descending) sequence, the same as before the
// latest/history split, so the format (version 1) did not change; Restore
// puts each key's first version in latest and the rest in history. Restore validates
// every byte and returns ErrCorruptCheckpoint on bad input, never panics.
//
// AppendKeyPart and DecodeKeyPart build composite keys whose bytewise order
// is the order of their part tuples.
//
// # The participant lifecycle
//
// Participant is the bookkeeping every engine needs on its stream, written
// once: the table of live transactions (Active or Prepared), each an
// engine's record embedding Lifecycle (id, stage, prepare timestamp), from
// the first operation to Commit or Abort:
//
//	unknown   --Begin (each Apply)-->  Active
//	Active    --Prepare(p)-->          Prepared   (the store's intents too)
//	Active    --Commit(c)-->           forgotten  (one-phase commit)
//	Prepared  --Commit(c)-->           forgotten
//	Active, Prepared --Abort-->        forgotten  (not live: a no-op)
//
// Commit runs the engine's Steps.Write (engines that keep effects outside
// the store until commit write them there now, as intents), commits the
// transaction's intents in the store if it holds any, then Steps.Release
// (the engine drops locks and reservations); Abort aborts the intents and
// releases. Forgotten records are reset (Steps.Reset, or zeroed) and
// reused, at most 64 of them.
//
// Contract: the caller is the stream's processor, which guarantees what
// the Participant asserts (internal/assert; a violation panics before
// anything changes): Begin only for an Active transaction; Prepare of a
// live Active transaction at a timestamp that is neither zero nor
// MaxTimestamp and above every commit timestamp applied (rule 3); Commit
// of a live transaction at a valid timestamp, at or above its prepare
// timestamp and at or above the previous commit (the processor applies
// commits in timestamp order); the store never refuses such a commit
// (when a coordinator breaks the rules and two commits share a timestamp,
// it refuses two versions of one key at it: asserted too, after the
// engine's Write step). So an engine's Prepare and Commit never fail. Abort of a transaction that is not live
// does nothing. Lifecycle.PreparedAtOrBefore is rule 8's blocking test for
// engines that keep effects outside the store.
//
// Checkpoints: Lifecycle.AppendCheckpoint is the 33-byte form of a
// transaction's id and stage, the same in the store's checkpoint; Participant.AppendCheckpoint and RestoreCheckpoint write and
// read every live transaction with the engine's part of its record
// (internal/binenc); RestoreTransaction and CheckRestored serve engines
// with a format of their own. Restore rejects a zero or repeated id, ids
// out of order, a stage inconsistent with its prepare timestamp, and
// transactions holding intents in the store that are not live, or in
// another stage there.
//
// # Invariants
//
//   - At most one version per (key, commit timestamp); per key, at most one
//     version is at or below the watermark, and it is not a tombstone.
//   - latest holds exactly one version per key that has any: the newest.
//     history holds the others, each strictly older than its key's version
//     in latest (so a key in history is always in latest).
//   - A transaction is known iff it holds at least one intent; its record
//     lists exactly the keys of its intents.
//   - prepared mirrors the Prepared transactions and their timestamps.
//   - A Participant's transaction that holds intents has the same stage
//     and prepare timestamp in the store; the store holds intents of live
//     transactions only. Prepare and commit timestamps since the last
//     commit are above it.
//   - Live values are non-nil (possibly empty); nil means a tombstone or a
//     delete intent.
//
// # What it does not do
//
// No locking, no conflict detection between concurrent writers, no deadline
// handling: engines and processors above do that. No durability: Checkpoint
// returns bytes and the caller persists them. Not safe for concurrent use,
// except that a View may be read from other goroutines. GC walks every
// version.
//
// # Tests
//
// Participant scenarios (testdata/participant) show the lifecycle, the
// assertions and the checkpoint; a rapid test runs random lifecycle calls
// against a model of stages and checks the store agrees and that every
// violation changes nothing.
//
// A rapid state-machine test runs interleaved transactions, snapshot reads at
// random timestamps, scans both ways with bounds and limits, GC, views and
// checkpoint/restore against a dumb model (a map from key to a version list,
// plus per-transaction intents), across btree degrees. A second rapid test
// runs the same actions and checks the latest/history invariants after each,
// in the store and in its views. Datadriven scenarios in
// testdata/ show read-your-writes, blocking by a prepared intent, abort
// invisibility, GC boundaries and time travel. FuzzRestore feeds arbitrary
// bytes to Restore. A test checks that mvcc imports none of sim, net,
// engines or coordinator. Benchmarks compare against raw google/btree in the
// same run (BENCHMARKS.md).
package mvcc
