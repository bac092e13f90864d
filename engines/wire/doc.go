// Package wire holds what crosses between coordinators, the stream log
// service and processors: stream log entries and the protocol messages.
//
// A stream log entry's payload is an Entry (entry.go: operation,
// prepare, commit, abort, one-phase, resolve, tick); the stream log and
// reply messages are in messages.go, with binary encodings in wire.go.
//
// Every message has a deterministic binary encoding (wire.go): decoding
// arbitrary bytes returns an error, never a panic, and rejects trailing
// bytes. Rapid properties round-trip every message type.
package wire
