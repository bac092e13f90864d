// Package binenc is the one binary writer and reader behind the module's
// hand-written encodings: protocol messages and log entries (engines),
// stream log records (engines/streamlog), processor checkpoints
// (engines/processor) and store and engine checkpoints (mvcc, engines/kv).
//
// It models nothing: it only appends and reads fields. Each caller owns its
// format (field order, which integer encoding, which bounds) and documents
// it; binenc only makes sure every caller reads bytes the same careful way.
//
// Writer appends to a byte slice: unsigned and signed varints
// (encoding/binary's), one byte, a boolean as one byte 0 or 1 (the same
// byte as the uvarint of 0 or 1), a byte string or text with a uvarint
// length prefix, a clock.Timestamp as its 16-byte order-preserving key
// (clock.Timestamp.AppendKey), big-endian uint32 and uint64, and raw bytes.
//
// Reader is the inverse, with a sticky first error: once a read fails, the
// error is kept, the rest of the input is dropped, and every later read
// returns a zero value, so a decoder reads all its fields and checks Err
// (or Finish) once. Contract for callers:
//   - Bad input never panics and never allocates more than the input
//     justifies: every length is checked against the bytes left before
//     anything is allocated, and Count refuses a count larger than the
//     bytes left could hold at a stated minimum size per item.
//   - Every error carries the offset where the bad field starts, and wraps
//     the sentinel the caller passed to NewReader (for example
//     "kv: corrupt checkpoint: need 4 bytes at offset 12, have 1"), so
//     callers keep their own error prefix and errors.Is target. With a nil
//     sentinel the message has no prefix and the caller wraps it.
//   - Bytes copies; Next and BytesAliased alias the input (capped, so that
//     appending to the result cannot overwrite what follows): the caller
//     must not modify the input while it uses them.
//   - Finish reports the first error, or any trailing bytes.
//
// Invariants: 0 <= offset <= len(input); after an error, no bytes are left.
//
// What it does not do: no reflection, no schemas, no versioning (callers
// write their own format byte), no checksums (callers add CRC-32C
// themselves), and no validation beyond lengths and varint well-formedness
// (a uvarint in a non-minimal form is accepted, as encoding/binary does).
//
// Tested by rapid properties (any sequence of fields written by Writer
// reads back equal, with no error and no trailing bytes; every truncation
// of such an encoding fails without panicking) and by a fuzz target that
// reads arbitrary bytes as an arbitrary field program, checking no panic,
// bounded allocation and the stickiness of the first error.
package binenc
