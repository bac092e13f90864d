// Package engines holds what every storage engine shares: the engine
// contract and the data model the engines store and exchange.
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
// strictly increasing commit-timestamp order; every prepare timestamp is
// above every commit timestamp applied; wound-wait, deadlines and retries
// of Blocked operations are the processor's business, and the engine never
// decides a transaction's fate on its own. Contract engines keep: every
// call is a pure function of state and arguments; Failed and Blocked leave
// data untouched (locks taken may stay until the transaction ends); bad
// operation bytes and corrupt checkpoints return errors, never panics.
//
// The wire: a stream log entry's payload is an Entry (entry.go: operation,
// prepare, commit, abort, one-phase, resolve, tick); the stream log and
// reply messages are in stream.go, with binary encodings in wire.go.
// Domain errors travel as a Refusal with an ErrorCode and match sentinels
// with errors.Is. Typed clients (kv.Client, queue.Client, resource.Client)
// are written against Executor, which the coordinator implements.
//
// # Values and their encodings
//
// What it models: a Value is an immutable, dynamically typed datum of one of
// eight kinds — Null, Bool, Int (int64), Float (float64), String, Bytes,
// List and Map (string keys). Engines store values, operations and replies
// carry them, histories record them. The zero Value is Null. A Value is a
// small struct, cheap to copy; scalars hold no pointers; Maps keep their
// entries sorted by key, so iteration, text, JSON and encodings never depend
// on Go's map order.
//
// Contract:
//   - Values never share memory with callers: Bytes, List and
//     MapFromEntries copy their arguments; AsBytes and MapEntries return
//     fresh slices; decoders never alias their input.
//   - Compare is a total order (see Value.Compare for the order of kinds and
//     within each kind). Ints and Floats never compare numerically with each
//     other. Floats order -Inf < ... < -0 < +0 < ... < +Inf < NaN; every NaN
//     is stored as one canonical NaN, so Equal (bitwise for floats) makes NaN
//     equal to NaN, and Equal(b) is exactly Compare(b) == 0.
//   - Nesting of lists and maps is limited to NestingDepthMax (64). List and
//     Map panic beyond it (a programmer error); every reader of outside input
//     (DecodeKey, DecodeValue, ParseValue, UnmarshalJSON) returns
//     ErrNestingTooDeep instead.
//
// Four representations, each round-tripping every value exactly:
//   - Key encoding (AppendKey, DecodeKey, AppendKeyTuple, DecodeKeyTuple):
//     order preserving — bytes.Compare of two encodings equals Compare of
//     the values — and self-delimiting with no encoding a prefix of another,
//     so concatenated encodings sort as tuples. Used for MVCC keys.
//     Layout in keyenc.go.
//   - Value encoding (AppendValue, DecodeValue, DecodeValuePrefix): compact
//     and canonical — equal values give identical bytes and decoding accepts
//     only those bytes — for storage, messages and fingerprints. Layout in
//     valueenc.go.
//   - Text (Value.String, ParseValue): a readable literal form such as
//     {"a": [1, 2.5, "x", 0xff, null]} for scenario files and the CLI.
//   - JSON (MarshalJSON, UnmarshalJSON): a tagged form for history export
//     that keeps int64 exact, floats (including NaN, ±Inf and -0) exact, and
//     bytes and non-UTF-8 strings in base64. Layout in value_json.go.
//
// Invariants: decoders accept exactly what the encoders write (so decoding
// then re-encoding reproduces the input), bad input of any kind returns an
// error naming the byte offset and never panics, and a forged length or
// count cannot make a decoder allocate far beyond the size of its input.
//
// What it does not do: no numeric coercion (Int(1) and Float(1) are
// different values), no schema, no versioning byte in the encodings (the
// message codec that carries them owns versioning), no size limit on
// strings and lists beyond the input they were decoded from.
//
// Tests: rapid properties over generated nested values — round trips of all
// four representations, key order against Compare (single values and
// tuples), Compare as a total order consistent with Equal, canonical value
// encoding — scenario files in testdata/values showing each representation
// and the errors for malformed input, fuzz tests (FuzzDecodeKey,
// FuzzDecodeValue, FuzzParseValue, FuzzUnmarshalJSON) that decoding never
// panics and that whatever decodes re-encodes to the same thing, and
// benchmarks for the encoders and decoders.
package engines
