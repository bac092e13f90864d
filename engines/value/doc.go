// Package value holds the data model the engines store and exchange:
// dynamically typed values and their encodings.
//
// # What it models
//
// A Value is an immutable, dynamically typed datum of one of
// eleven kinds — Null, Bool, Int (int64), Float (float64), String, Bytes,
// List, Map (string keys), and Decimal, Timestamp and UUID. Engines store
// values, operations and replies carry them, histories record them. The
// zero Value is Null. A Value is a small struct, cheap to copy; scalars
// hold no pointers; Maps keep their entries sorted by key, so iteration,
// text, JSON and encodings never depend on Go's map order.
//
// The last three have Go types of their own, shared with the SQL engine
// (its DECIMAL, TIMESTAMP and UUID values are these):
//   - Decimal: an exact number, unscaled / 10^scale with an int64 unscaled
//     value and a scale of 0 to DecimalScaleMax (18) digits after the point.
//     The scale is part of the value, as in SQL's DECIMAL(p, s) and Java's
//     BigDecimal: 1.5 and 1.50 are numerically equal (CompareNumeric) but
//     distinct values, which print, encode and compare differently, 1.5
//     sorting just before 1.50 — as -0.0 sorts just before 0.0.
//     Rescale rounds half away from zero.
//   - Timestamp: an instant in UTC with microsecond precision, the
//     microseconds since the Unix epoch over the whole int64 range. It is
//     data a client stores, not an HLC timestamp of the protocol.
//   - UUID: 16 bytes of any version, ordered bytewise.
//
// Contract:
//   - Values never share memory with callers: Bytes, List and
//     MapFromEntries copy their arguments; AsBytes and MapEntries return
//     fresh slices; decoders never alias their input.
//   - Compare is a total order (see Value.Compare for the order of kinds and
//     within each kind). Ints, Floats and Decimals never compare numerically
//     with each other. Decimals order by numeric value, then scale;
//     Timestamps by instant; UUIDs bytewise. The three later kinds sort
//     after Map, so that adding them changed no older encoding. Floats
//     order -Inf < ... < -0 < +0 < ... < +Inf < NaN; every NaN is stored as
//     one canonical NaN, so Equal (bitwise for floats) makes NaN equal to
//     NaN, and Equal(b) is exactly Compare(b) == 0.
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
//     {"a": [1, 2.5, "x", 0xff, null]} for scenario files and the CLI; a
//     Decimal, Timestamp or UUID is its kind's name before a quoted string:
//     decimal"1.50", timestamp"2026-12-02T10:00:00Z" (RFC 3339),
//     uuid"123e4567-e89b-12d3-a456-426614174000".
//   - JSON (MarshalJSON, UnmarshalJSON): a tagged form for history export
//     that keeps int64 exact, floats (including NaN, ±Inf and -0) exact,
//     bytes and non-UTF-8 strings in base64, and decimals, timestamps and
//     UUIDs as their text ({"decimal":"1.50"}). Layout in value_json.go.
//
// Invariants: decoders accept exactly what the encoders write (so decoding
// then re-encoding reproduces the input), bad input of any kind returns an
// error naming the byte offset and never panics, and a forged length or
// count cannot make a decoder allocate far beyond the size of its input.
//
// What it does not do: no numeric coercion (Int(1), Float(1) and
// decimal"1" are different values), no arithmetic on decimals or
// timestamps (the SQL engine has its own), no time zones (an offset in
// text is applied and dropped), no dates, times of day or intervals, no
// schema, no versioning byte in the encodings (the
// message codec that carries them owns versioning), no size limit on
// strings and lists beyond the input they were decoded from.
//
// Tests: rapid properties over generated nested values — round trips of all
// four representations, key order against Compare (single values and
// tuples), Compare as a total order consistent with Equal, canonical value
// encoding; decimals against big.Rat (order, Rescale), timestamps against
// the time package (text, offsets) — scenario files in testdata/values
// showing each representation and the errors for malformed input (a file
// each for decimal, timestamp and uuid), fuzz tests (FuzzDecodeKey,
// FuzzDecodeValue, FuzzParseValue, FuzzUnmarshalJSON, FuzzParseDecimal,
// FuzzParseTimestamp, FuzzParseUUID) that decoding never panics and that
// whatever decodes re-encodes to the same thing; FuzzNewerKindsRoundTrip
// (decimals, timestamps and UUIDs through all four representations, every
// strict prefix rejected, a changed byte rejected or canonical) and
// FuzzNewerKindsOrder with TestNewerKindsOrderByMeaning (Compare and key
// order against exact rationals, the time package, bytes.Compare and the
// documented order of kinds); and benchmarks for the encoders and
// decoders.
package value
