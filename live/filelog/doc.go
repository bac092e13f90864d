// Package filelog is the file-backed stream log of the real runtime: a
// sequence of records numbered from 1, kept in segment files of
// checksummed frames under one directory (DESIGN.md, "Outside the
// simulator"). It implements streamlog.Storage, so the log service's step
// machine runs on it through a streamlog.Driver exactly as it runs on the
// simulated disk.
//
// # What it models
//
// A segment is a file named by the number of its first record (20 decimal
// digits, ".log"), opening with a 32-byte header (magic, format, first
// record number, CRC-32C) and followed by frames: CRC-32C, length, batch
// start, record. Append puts a frame in memory; Sync writes every frame
// since the last Sync in one write and fsyncs the segment once — a group
// commit: a host that appends the records of many messages and syncs once
// acknowledges them all with one fsync. A segment is closed at the first
// Append after it reached Options.SegmentBytesMax; the next one is created,
// its header synced and the directory synced before any record goes in.
// RemoveBelow removes whole segments whose records all lie below a
// position, oldest first, and never the segment holding the last durable
// record (so a reopened log always knows its head).
//
// The batch start of a frame is the offset where its write began: every
// byte before it was synced when the frame was written. That is how Open
// tells a torn tail from corruption with one copy of the log: bad bytes
// with an intact frame after them whose batch began beyond them were
// synced, so they are corruption; bad bytes with no such frame after them
// belong to the last write, which a crash may have torn.
//
// # Contract
//
//   - Open verifies every segment and returns the retained records in
//     order. A torn tail of the last segment, or a last segment whose
//     header a crash cut short (it holds no record), is cut, durably, with
//     a warning line (log/slog) naming the file, offset and bytes cut.
//     Anything else — a bad frame in a segment another follows, a bad
//     frame with a later-synced frame after it, a bad header of a segment
//     that holds records, a missing segment in the middle — is a
//     *CorruptError (errors.Is ErrCorrupt) naming the file and the offset,
//     and Open then changes nothing on disk.
//   - A record is durable, and may be acknowledged, once a Sync after its
//     Append returned nil.
//   - A failed write, fsync, segment creation or directory sync stops the
//     log: it returns ErrFailed (wrapping the cause) from every later
//     Append and Sync. It never retries a failed fsync: Linux may have
//     dropped the dirty pages and would report the retry as a success.
//     Reopening reads back what reached the disk, cutting a torn tail.
//   - One goroutine uses a Log (the log host); it is not safe for
//     concurrent use. Records returned by Open share one buffer per
//     segment: read them, do not change them.
//
// # Invariants
//
//   - Segments are contiguous: each starts at the record after the last
//     record of the one before it.
//   - Every frame's batch start lies between the segment header's end and
//     the frame's own offset.
//   - A record Open returns passed its frame's CRC-32C; a damaged record is
//     never returned.
//
// # What it does not do
//
// It keeps one copy: damage inside the last synced batch of the last
// segment, with nothing synced after it, cannot be told from a torn write
// and is cut (the log line says so). It does not interpret records (the
// stream log's positions are its record numbers because one log holds one
// stream), does not read records back after Open (the log service keeps
// them in memory), does not preallocate, and does not check free space.
// Whether removing a segment is safe is the caller's decision.
//
// # Tests
//
// Datadriven scenario files in testdata/ show appends and group commit, a
// torn tail cut with its log line, a torn segment header, corruption
// reported with file and offset, segment rollover and removal. A rapid
// property drives appends, syncs, removals, closes, crashes (unsynced bytes
// lost, cut or garbled, unsynced directory changes reverted, through
// live/internal/faultfs) and injected failures (failed or short writes,
// failed fsyncs, failed segment creation) against a model: every
// acknowledged record comes back in order, then at most a prefix of the
// unacknowledged ones, never anything else, and a stopped log refuses
// everything. A second property flips one bit anywhere in a durable log
// and checks Open reports it at the damaged frame, changing nothing, or
// cuts exactly the damaged last batch.
package filelog
