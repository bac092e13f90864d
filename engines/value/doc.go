// Package value holds the data model the engines store and exchange:
// dynamically typed values and their encodings.
//
// # What it models
//
// A Value is an immutable, dynamically typed datum of one of
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
//     (DecodeKey, Decode, Parse, UnmarshalJSON) returns
//     ErrNestingTooDeep instead.
//
// Four representations, each round-tripping every value exactly:
//   - Key encoding (AppendKey, DecodeKey, AppendKeyTuple, DecodeKeyTuple):
//     order preserving — bytes.Compare of two encodings equals Compare of
//     the values — and self-delimiting with no encoding a prefix of another,
//     so concatenated encodings sort as tuples. Used for MVCC keys.
//     Layout in keyenc.go.
//   - Value encoding (Append, Decode, DecodePrefix): compact
//     and canonical — equal values give identical bytes and decoding accepts
//     only those bytes — for storage, messages and fingerprints. Layout in
//     valueenc.go.
//   - Text (Value.String, Parse): a readable literal form such as
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
// FuzzDecode, FuzzParse, FuzzUnmarshalJSON) that decoding never
// panics and that whatever decodes re-encodes to the same thing, and
// benchmarks for the encoders and decoders.
package value
