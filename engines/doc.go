// Package engines holds what every storage engine shares: the engine
// contract and the error vocabulary. Values live in engines/value, the
// stream log entries and protocol messages in engines/wire.
//
// # The engine contract
//
// What it models: an Engine is a deterministic transactional state machine
// for one stream (engine.go). A processor (package engines/processor)
// drives it in log order from one thread: Apply runs one operation of a
// read-write transaction and answers Done, Failed (no effect on data) or
// Blocked on named transactions, saying whether to retry after they prepare
// or after they finish; Prepare fixes a transaction's effects at a prepare
// timestamp; Commit makes them visible at a commit timestamp; Abort
// discards them; Read serves a read-only operation at a snapshot, Blocked
// only by prepared writes at or below it; Checkpoint serializes everything;
// Held counts what live transactions hold (zero when all have finished).
//
// Contract the processor keeps for the engines: commits reach an engine in
// commit-timestamp order (strictly increasing while coordinators keep the
// 2PC rules: a commit timestamp is a prepare timestamp, which one stream
// gives one transaction); every prepare timestamp is
// above every commit timestamp applied; wound-wait, deadlines and retries
// of Blocked operations are the processor's business, and the engine never
// decides a transaction's fate on its own. The engines in this module run
// their transactions' lifecycle with mvcc.Participant, which asserts the
// processor's side of the contract (internal/assert): an operation of a
// prepared transaction, Prepare or Commit of a transaction that is not
// live, reserved or out-of-order timestamps are broken invariants, not
// errors, so their Prepare and Commit return nil. Contract engines keep:
// every call is a pure function of state and arguments; Failed and Blocked
// leave data untouched (locks taken may stay until the transaction ends);
// bad operation bytes and corrupt checkpoints return errors, never panics.
//
// An engine may also be a Collector (collector.go): the processor then
// raises its garbage-collection watermark as the log advances, never
// above a timestamp a commit or an operation still needs, and refuses
// snapshot reads below it (ErrSnapshotTooOld). Proven's four engines are.
//
// Domain errors travel as a Refusal with an ErrorCode and match sentinels
// with errors.Is; an engine declares its own with Sentinel (a message that
// names the engine, matching a code's sentinel). Every engine's Restore
// refuses bad bytes with an error matching ErrCorruptCheckpoint, and every
// typed client reports result bytes it cannot read with one matching
// ErrBadResult. Typed clients (kv.Client, queue.Client, resource.Client)
// are written against Executor, which the coordinator implements.
package engines
