// Package kv is the key-value engine: ordered byte-string keys holding
// value.Values, read and written by transactions under strict two-phase
// locking, over the mvcc store.
//
// # What it models
//
// Operations (operation.go) are Get(key), Put(key, value), Delete(key),
// Scan(start, end, limit, reverse) and ScanPrefix(prefix, limit, reverse).
// They travel inside log entries as an value.Value list whose first
// element is the operation name (Operation.Encode, DecodeOperation); keys
// are Bytes. Results are values too: Get gives [] (absent) or [value], Put
// null, Delete whether the key existed, scans a list of [key, value] pairs
// in scan order. In the store, the key bytes are the key and the value
// bytes are value.Append of the value.
//
// Concurrency control (locks.go): Get takes a shared lock on its key, Put
// and Delete an exclusive lock (upgrading the transaction's own shared lock
// when no one else holds the key), scans a shared range lock on [start,
// end) or on the prefix range. An exclusive lock conflicts with every other
// transaction's lock on the key and every other range lock covering it; a
// range lock conflicts with other transactions' exclusive locks inside it;
// so a scan blocks a later insert into its range and an insert blocks a
// later scan: no phantoms. A conflict makes the operation Blocked
// (WaitForFinished) on every conflicting holder, having acquired nothing.
// Locks, read locks included (rule 9), last until commit or abort; a
// prepared transaction keeps them all.
//
// Reads inside a read-write transaction read the latest committed data plus
// the transaction's own writes (mvcc at MaxTimestamp with the transaction
// id); the locks keep every other transaction's intent out of the way.
// Read (a snapshot read) takes no locks: it reads mvcc at the snapshot and
// is Blocked on a prepared transaction whose intent it meets with prepare
// timestamp at or below the snapshot; Put and Delete there fail with
// CodeReadOnly.
//
// # Contract
//
// The caller (the stream's processor) drives one engine from one thread in
// log order and owns everything about time and fate: deadlines, wound-wait,
// retries of Blocked operations, and the prepare and commit timestamps,
// which must follow DESIGN.md's rules (commits in increasing timestamp
// order; each prepare timestamp above every commit and snapshot timestamp
// already served). The transaction lifecycle is mvcc.Participant's:
// transactions begin with their first Apply, even one that fails or
// blocks, and end with Commit or Abort. Prepare works with or without
// writes. Commit without Prepare is a one-phase commit. What the processor
// guarantees is asserted, not refused: an operation of a prepared
// transaction, Prepare or Commit of a transaction that is not live,
// reserved or out-of-order timestamps break an invariant (so Prepare and
// Commit return no error). Abort of an unknown transaction does nothing.
//
// Checkpoint captures everything — the store, and each live transaction's
// stage, prepare timestamp and locks — in a checksummed, canonical format;
// Restore rebuilds the lock table from it and rejects bad input with
// engines.ErrCorruptCheckpoint. NewEngine makes an empty engine; Restore(nil) too.
//
// The typed Client (client.go) encodes operations, runs them through an
// engines.Executor and decodes the results; executor errors come back
// unchanged. Typed puts and gets exist for strings, ints, bytes, maps,
// decimals, timestamps and UUIDs (PutDecimal, GetTimestamp, ...), and
// typed getters report a value of another kind as a *KindError
// (`kv: key "k" holds a string, not an int`).
//
// # Invariants
//
//   - No two transactions hold conflicting locks (Restore checks it too).
//   - A key is locked shared or exclusive by a transaction, never both.
//   - A transaction holds an exclusive lock on each key it holds an intent
//     on in the store.
//   - Held().Locks counts every point and range lock; with no live
//     transaction the lock table is empty (checked at each finish).
//   - Bad operation bytes fail with CodeInvalid and never panic; panics are
//     kept for broken invariants, such as a locked read meeting another
//     transaction's prepared intent.
//
// # What it does not do
//
// No deadlock handling (wound-wait is the processor's), no deadlines, no
// GC of old versions, no lock escalation. A limited scan locks its whole
// range, not only the part it returned: correct, but it can block writers
// beyond the last key read. Deleting an absent key writes no tombstone but
// keeps the exclusive lock, so "absent" stays true until the end.
//
// # Tests
//
// TestSerializable (rapid) runs interleaved transactions with a
// wound-wait harness, random prepares, one- and two-phase commits, aborts,
// snapshot reads and checkpoint/restore, and checks every result of every
// committed transaction against a serial model in commit order, snapshot
// reads (and their blocking) against the model's history, the final state,
// and that nothing is held at the end. TestLockTableExact (rapid) checks
// the lock table's blocker queries and segment map against a plain list of
// locks. Scenario files in testdata/ show phantom prevention, shared and
// exclusive conflicts with upgrades, read-your-writes in scans, snapshot
// reads blocked by a prepared write, and the transaction lifecycle. Fuzz
// tests feed arbitrary bytes to DecodeOperation, Apply, Read and Restore.
// Get, Put and Delete are read by a fast path (decodePointOperation: no
// Value list, key and value aliasing the operation bytes) that falls back
// to DecodeOperation on anything else; rapid properties check that it
// accepts only what DecodeOperation accepts, with the same meaning, on
// valid, reshaped and corrupted encodings, that engines.AppendListElements
// accepts exactly what DecodeValue does, and keySet against a map.
// Benchmarks measure autocommit Put and snapshot Get on the engine alone.
package kv
