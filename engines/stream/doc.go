// Package stream is the Stream engine: one append-only stream table per
// stream, behind the engines.Engine contract, and its typed client. (A
// stream, in the rest of Proven, is the log an engine is fed from; the
// Stream engine keeps a table of its own that only grows, on top of one.)
//
// # What it models
//
// Operations: Append(values...) adds items at the end of the table;
// ReadFrom(position, limit) returns the items at position, position+1,
// ... (at most limit of them, fewer at the end); LatestPosition returns
// the position of the last item (0 when empty). Operations travel as the
// value encoding of a value.Value list (layout in operation.go); Client
// encodes them and decodes the answers.
//
// Positions are given at commit, gap-free, in commit order: the items of
// the transaction that commits first are numbered first, 1, 2, 3, ...,
// each transaction's in the order it appended them. Per stream, commits
// apply in increasing commit timestamp order, so positions increase with
// commit timestamps. An Append only records its values in the
// transaction; an aborted transaction's items never get a position, so
// they leave no gap. Committed items never change.
//
// # Concurrency control
//
// Two kinds of claim, held until commit or abort (also while prepared):
//   - uncommitted appends;
//   - the tail lock (shared), taken by whatever observed where the table
//     ends: LatestPosition, and a ReadFrom that asked for a position past
//     the last committed one.
//
// Conflicts, each answered Blocked(WaitForFinished) on every other
// transaction in the way, with no change:
//   - Append waits for other tail-lock holders. It never waits for other
//     appenders or readers of committed items. Without this, "LatestPosition
//     answered n" followed by another transaction's append that commits
//     first would put the read after that append in commit order but
//     report the end before it (the way Queue's Size and Enqueue exclude
//     each other).
//   - LatestPosition, and a ReadFrom past the last committed position,
//     wait for other transactions' uncommitted appends (one of them may
//     commit first and move the end), then take the tail lock. They count
//     the transaction's own appends: LatestPosition answers the committed
//     end plus them, and ReadFrom sees them at the positions they will take
//     (while it holds the tail lock and its appends, no other transaction
//     can append, so those positions are certain).
//   - A ReadFrom within the committed positions takes nothing and waits
//     for nobody: what it reads never changes.
//
// So a transaction holding the tail lock is the only one with uncommitted
// appends, if any. The rules make every read-write transaction's answers
// equal to running the committed transactions serially in commit order
// (strict serializability in commit order), which is what lets the
// checkers combine this engine with the others. Deadlocks (an appender
// and a tail holder waiting for each other) are the processor's business
// (wound-wait).
//
// # Snapshot reads
//
// Read runs ReadFrom and LatestPosition at a snapshot timestamp T: the
// table as committed at or before T, a prefix of it. Items are kept in a
// slice by position, not in an mvcc.Store: they never change, so one
// number per commit says what a snapshot sees. Every commit that appends
// records {commit timestamp, latest position}; the latest position at T
// is that of the last commit stamped at or before T (a binary search).
// This is exact because commits apply in increasing timestamp order. A
// read that looks past that prefix (LatestPosition, or a ReadFrom asking
// for a later position) is Blocked(WaitForFinished) on every prepared
// transaction with prepare timestamp <= T that appends: it may still
// commit at or before T. A ReadFrom inside the prefix answers at once.
// Append in Read is refused with CodeReadOnly.
//
// # Contract
//
// The processor calls Apply, Prepare, Commit, Abort and Read in log order
// from one thread, with nonzero transaction ids, and commits on this
// stream in commit timestamp order; two appending commits at one
// timestamp break an invariant (the commit versions need increasing
// timestamps), checked before anything changes. The transaction lifecycle
// is mvcc.Participant's (over a store that stays empty), which asserts
// what the processor guarantees (an operation of a prepared transaction,
// Prepare or Commit of a transaction that is not live, reserved or
// out-of-order timestamps break an invariant), so Prepare and Commit
// return no error. Bad operation bytes, and operations beyond the limits
// (AppendValuesMax values per Append, TransactionAppendsMax per
// transaction, ReadLimitMax per ReadFrom, positions from 1, values of at
// most mvcc.ValueLenMax bytes) are refused with CodeInvalid; Restore of
// bad bytes returns an error matching engines.ErrCorruptCheckpoint.
//
// # Invariants
//
//   - Committed items sit at positions 1 .. latest, with no gap; the
//     commit versions' timestamps and latest positions strictly increase,
//     and the last latest position is the number of items.
//   - When some transaction holds the tail lock and some transaction has
//     uncommitted appends, they are one and the same transaction.
//   - Held() counts every known transaction, tail lock and uncommitted
//     appended value: it is zero once every transaction has committed or
//     aborted.
//
// # What it does not do
//
// One table per stream, no names; no deletion, truncation or compaction
// of items; no subscriptions (a reader polls with ReadFrom). Deadlines,
// wound-wait and retries of blocked operations are the processor's.
//
// # Tests
//
// A rapid property runs interleaved transactions (appends, reads, prepare,
// one-phase and two-phase commit, abort, wound-wait in the harness,
// checkpoint and restore at random points, snapshot reads at random
// timestamps) and checks every answer of every committed transaction, and
// every snapshot read, against a serial model replayed in commit order;
// that every blocked operation waits for exactly the transactions the
// rules name; that snapshot reads are blocked exactly by the prepared
// appenders when they look past their prefix; and that Held is zero at
// the end. Scenario files in testdata/ show the named cases (positions at
// commit with no gap, LatestPosition and Append excluding each other,
// reads of the committed prefix taking nothing, snapshot reads, the
// contract's assertions and bad operations). Fuzz tests feed arbitrary
// bytes to Apply, Read and Restore. engines/processor checks the engine
// through the processor (serial order, no deadlock, crash and replay
// equivalence), and the workloads package's stream workload checks it in
// the simulated cluster under faults. Benchmarks measure append and read
// transactions on the engine alone.
package stream
