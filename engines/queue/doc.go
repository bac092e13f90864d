// Package queue is the queue engine: named FIFO queues of value.Value
// items within one stream, behind the engines.Engine contract, and its
// typed client.
//
// # What it models
//
// Operations: Enqueue(queue, value), Dequeue(queue) (the head, or empty),
// Peek(queue), Size(queue), IsEmpty(queue) and Clear(queue). A queue exists
// once named; an unknown queue is empty. Operations travel as the value
// encoding of an value.Value list (layout in operation.go); Client
// encodes them and decodes the answers.
//
// FIFO order is commit order. Per stream, commits apply in increasing
// commit timestamp order and every unfinished transaction will commit above
// everything committed so far, so an item gets its final position when its
// enqueuing transaction commits: the transaction's enqueues are appended to
// the committed tail in the order it made them. An enqueue reserves an id
// (a per-queue sequence number) when applied; the ids of aborted enqueues
// never appear. Committed positions have no gaps.
//
// # Concurrency control
//
// Three kinds of claim per queue, all held until commit or abort (also
// while prepared):
//   - the head lock: exclusive for a transaction that dequeued committed
//     items or cleared the queue, shared for one that peeked at a committed
//     item;
//   - the count lock (shared): taken by whatever observed the queue's count
//     or emptiness — Size, IsEmpty, and a Dequeue or Peek that found no
//     committed item left (it answered empty, or read its own uncommitted
//     enqueue); Clear takes it too;
//   - uncommitted enqueues.
//
// Conflicts, each answered Blocked(WaitForFinished) on every other
// transaction in the way, with no change:
//   - Enqueue waits for other count-lock holders. It never waits for other
//     enqueuers or dequeuers. Without this, "Size answered n" followed by
//     another transaction's enqueue that commits first would put the Size
//     after the enqueue in commit order but report the count before it;
//     with another engine in the same transactions that is a serialization
//     cycle.
//   - Dequeue waits for another exclusive head holder. If committed items
//     remain (beyond those it took itself) it also waits for other head
//     sharers and count-lock holders (its commit changes what they saw),
//     then takes the next committed item and the head lock exclusively. An
//     aborted dequeue puts nothing back: the item was never removed, and it
//     is the head again. With no committed item left it waits for others'
//     uncommitted enqueues (one of them may commit first and be the head);
//     then it takes the count lock and returns its own first uncommitted
//     enqueue (read-your-writes; that item is then never committed) or
//     empty.
//   - Peek: as Dequeue without taking: a shared head lock on a committed
//     item, or the count lock when it finds none.
//   - Size and IsEmpty wait for others' uncommitted enqueues and for another
//     exclusive head holder, then answer the committed count less what the
//     transaction took, plus its own uncommitted enqueues, and take the
//     count lock.
//   - Clear waits for every other claim on the queue, then takes the head
//     lock exclusively and the count lock and drops its own earlier
//     enqueues; at commit every committed item is removed, then its later
//     enqueues are appended.
//
// The rules make every read-write transaction's answers equal to running
// the committed transactions serially in commit order (strict
// serializability in commit order), which is what lets the checkers
// combine this engine with the others. Deadlocks are the processor's
// business (wound-wait).
//
// # Snapshot reads
//
// Read runs Peek, Size and IsEmpty at a snapshot timestamp: the queue as
// committed at or before it. Committed items are kept in an mvcc.Store, a
// key per item position, written at commit time with the commit timestamp
// (the store never holds intents between calls). Each queue's extent (head
// and tail positions) is not a store key: every commit that changes it
// appends {commit timestamp, head, tail} to the queue's extent list, and a
// read at T takes the last one stamped at or before T (a binary search).
// This is exact because commits apply in increasing timestamp order, and
// it saves a second store write (a version install) per commit; the list
// is checkpointed with the queue, and Restore checks that its last extent
// matches the items in the store. A read is Blocked(WaitForFinished)
// on every prepared transaction with prepare timestamp <= snapshot that
// enqueues to, dequeues from or clears the queue. Dequeue, Enqueue and
// Clear in Read are refused with CodeReadOnly.
//
// # Contract
//
// The processor calls Apply, Prepare, Commit, Abort and Read in log order
// from one thread, with nonzero transaction ids, and commits on this stream
// in commit timestamp order; two commits that change one queue at the same
// timestamp break an invariant (its extents need increasing timestamps),
// checked before anything changes. The transaction lifecycle
// is mvcc.Participant's, which asserts what the processor guarantees (an
// operation of a prepared transaction, Prepare or Commit of a transaction
// that is not live, reserved or out-of-order timestamps break an
// invariant), so Prepare and Commit return no error. Commit writes the
// transaction's items as store intents (the participant's Write step)
// and the participant commits them. Bad operation bytes are refused with
// CodeInvalid; Restore of bad bytes returns engines.ErrCorruptCheckpoint.
//
// # Invariants
//
//   - Per queue, the committed items sit at positions [head, tail) and
//     the store holds exactly those at the latest timestamp.
//   - At most one transaction holds a queue's head exclusively, and then
//     nobody else holds it shared.
//   - A transaction that dequeued committed items or cleared holds the head
//     exclusively; the items it dequeued are the first of [head, tail).
//   - Held() counts every known transaction, head and count lock, reserved
//     enqueue and dequeued item: it is zero once every transaction has
//     committed or aborted.
//
// # What it does not do
//
// No deadlines, no wound-wait, no retries of blocked operations (the
// processor does them); no priorities or delayed delivery; no garbage
// collection of old versions; Clear removes items one store key at a time.
//
// # Tests
//
// A rapid property runs interleaved transactions (operations, prepare,
// one-phase and two-phase commit, abort, wound-wait in the harness,
// checkpoint and restore at random points, snapshot reads at random
// timestamps) and checks every answer of every committed transaction, and
// every snapshot read, against a serial model replayed in commit order;
// that snapshot reads are blocked exactly by the prepared transactions
// that change the queue; that blockers are exact (wounding them unblocks);
// and that Held is zero at the end. Scenario files in testdata/ show the
// named cases (aborted dequeue, a dequeue waiting for an enqueue, FIFO in
// commit order, Size and Enqueue blocking each other, prepared enqueues
// blocking snapshot reads). Fuzz tests feed arbitrary bytes to Apply, Read
// and Restore. Operations are read by a fast path that builds no Value
// list and falls back to the full decoder on anything unusual; a rapid
// property checks that it agrees with the full decoder on valid, reshaped
// and corrupted encodings and creates no queue. Benchmarks measure enqueue
// transactions on the engine alone.
package queue
