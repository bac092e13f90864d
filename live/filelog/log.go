package filelog

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"

	"github.com/proven2pc/proven/live/files"
)

// Options tunes a Log. Zero fields take their defaults.
type Options struct {
	// FS is the file system (default files.OS).
	FS files.FS
	// SegmentBytesMax: a segment is closed, and a new one started, at the
	// first append after it reached this size. Default 32 MiB.
	SegmentBytesMax int64
	// Logger receives the lines about cut tails and removed segments
	// (default slog.Default()).
	Logger *slog.Logger
}

const segmentBytesMaxDefault = 32 << 20

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = files.OS
	}
	if o.SegmentBytesMax <= 0 {
		o.SegmentBytesMax = segmentBytesMaxDefault
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrFailed wraps the write or sync error that stopped a log: after it,
// every Append and Sync returns it.
var ErrFailed = errors.New("filelog: log failed")

// ErrClosed is returned by every call on a closed log.
var ErrClosed = errors.New("filelog: log closed")

// ErrRecordTooLarge reports a record a frame cannot hold.
var ErrRecordTooLarge = errors.New("filelog: record too large")

// Stats counts what a log did since Open.
type Stats struct {
	Appends         uint64 // records appended
	Syncs           uint64 // syncs of a segment that made appended records durable
	Segments        uint64 // segments created
	RemovedSegments uint64
}

// Log is a stream's records in numbered segment files of checksummed
// frames, under one directory. It is not safe for concurrent use: one
// goroutine (the log host) owns it.
type Log struct {
	options Options
	dir     string
	// segments lists the retained segments' first record numbers, oldest
	// first; the last one is open for appends.
	// Invariant: len(segments) >= 1, strictly increasing, segments[0] ==
	// first.
	segments []uint64
	file     files.File
	// syncedSize is how many bytes of the last segment are durable; the
	// frames in buffer name it as their batch start.
	// Invariant: syncedSize <= the last segment's size on the device.
	syncedSize int64
	// buffer holds the frames appended since the last Sync, not yet
	// written; pending counts them.
	buffer  []byte
	pending uint64
	// next is the number of the next record appended.
	next   uint64
	failed error
	stats  Stats
}

// First returns the number of the first retained record (records are
// numbered from 1; RemoveBelow raises it).
func (l *Log) First() uint64 { return l.segments[0] }

// Next returns the number the next appended record gets.
func (l *Log) Next() uint64 { return l.next }

// Dir returns the log's directory.
func (l *Log) Dir() string { return l.dir }

// Stats returns the log's counters.
func (l *Log) Stats() Stats { return l.stats }

// Err returns the error that stopped the log, or nil.
func (l *Log) Err() error { return l.failed }

// Append adds a record after the last one; it gets number Next(). It is
// durable once a later Sync returns nil. The log copies record.
func (l *Log) Append(record []byte) error {
	if l.failed != nil {
		return l.failed
	}
	if len(record) > math.MaxUint32-frameHeaderLen {
		return fmt.Errorf("%w: %d bytes", ErrRecordTooLarge, len(record))
	}
	if len(l.buffer) == 0 && l.syncedSize >= l.options.SegmentBytesMax && l.next > l.lastSegment() {
		if err := l.startSegment(l.next); err != nil {
			return l.fail("starting a segment", err)
		}
	}
	l.buffer = appendFrame(l.buffer, record, l.syncedSize)
	l.pending++
	l.next++
	l.stats.Appends++
	return nil
}

// Sync writes the records appended since the last Sync in one write and
// syncs the segment: a group commit. A failed write or sync stops the log
// for good: what reached the device is unknown, and retrying a failed
// fsync can report success for data the kernel already dropped.
func (l *Log) Sync() error {
	if l.failed != nil {
		return l.failed
	}
	if len(l.buffer) == 0 {
		return nil
	}
	if _, err := l.file.Write(l.buffer); err != nil {
		return l.fail("write", err)
	}
	if err := l.file.Sync(); err != nil {
		return l.fail("sync", err)
	}
	l.syncedSize += int64(len(l.buffer))
	l.buffer = l.buffer[:0]
	l.pending = 0
	l.stats.Syncs++
	return nil
}

func (l *Log) fail(operation string, err error) error {
	l.failed = fmt.Errorf("%w: %s %s: %w", ErrFailed, operation, l.segmentPath(l.lastSegment()), err)
	l.options.Logger.Error("filelog: the log stopped; it refuses every later append", "dir", l.dir,
		"error", err)
	return l.failed
}

func (l *Log) lastSegment() uint64 { return l.segments[len(l.segments)-1] }

func (l *Log) segmentPath(first uint64) string { return filepath.Join(l.dir, segmentName(first)) }

// startSegment closes the last segment and starts a new one whose first
// record is first: header written and synced, directory synced, before
// any record goes into it, so that a crash leaves it either absent, torn
// in its header alone, or whole.
// Requires: the buffer is empty (every earlier record is durable).
func (l *Log) startSegment(first uint64) error {
	if l.file != nil {
		if err := l.file.Close(); err != nil {
			return err
		}
		l.file = nil
	}
	path := l.segmentPath(first)
	file, err := l.options.FS.Create(path)
	if err != nil {
		return err
	}
	l.file = file
	if _, err := file.Write(appendSegmentHeader(nil, first)); err != nil {
		return err
	}
	if err := file.Sync(); err != nil {
		return err
	}
	if err := l.options.FS.SyncDir(l.dir); err != nil {
		return err
	}
	if len(l.segments) == 0 || l.lastSegment() != first {
		l.segments = append(l.segments, first)
	}
	l.syncedSize = segmentHeaderLen
	l.stats.Segments++
	return nil
}

// RemoveBelow removes the oldest segments whose records are all numbered
// below position, oldest first, then syncs the directory. It never
// removes the segment holding the last durable record, so a reopened log
// still knows its head. It returns the new First. A failed removal leaves
// a shorter but valid log and returns the error; appends go on.
func (l *Log) RemoveBelow(position uint64) (uint64, error) {
	position = min(position, l.next-1-l.pending)
	removed := 0
	for len(l.segments) > 1 && l.segments[1] <= position {
		if err := l.options.FS.Remove(l.segmentPath(l.segments[0])); err != nil {
			return l.First(), err
		}
		l.segments = l.segments[1:]
		removed++
		l.stats.RemovedSegments++
	}
	if removed == 0 {
		return l.First(), nil
	}
	l.options.Logger.Debug("filelog: removed old segments", "dir", l.dir, "segments", removed, "first", l.First())
	return l.First(), l.options.FS.SyncDir(l.dir)
}

// Close syncs what was appended (unless the log failed) and closes the
// last segment. It returns the log's failure, if any.
func (l *Log) Close() error {
	err := l.Sync()
	if l.file != nil {
		if closeErr := l.file.Close(); err == nil {
			err = closeErr
		}
		l.file = nil
	}
	if l.failed == nil {
		l.failed = ErrClosed
	}
	return err
}
