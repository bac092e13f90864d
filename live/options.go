package live

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/live/files"
	"github.com/proven2pc/proven/live/store"
)

// Options describes what an application runs on its store. Streams is
// required; zero fields take their defaults.
type Options struct {
	// Streams registers an engine per stream name: catalog.KV("users"),
	// catalog.Queue("jobs"), catalog.Resource("credits"),
	// catalog.SQL("orders") (proven.KV and the others in the root package),
	// or a spec of your own engine with a kind of its own. Names must be
	// distinct. A stream of the store is recorded with its engine kind when
	// first opened, and reopening it with another kind is refused.
	Streams []catalog.StreamSpec
	// RetryInterval is how long a transaction waits for an answer before
	// sending its request again (default 100ms). Inside one process
	// messages are lost only when a queue is full.
	RetryInterval time.Duration
	// ReadTimeout bounds a snapshot read and an ad-hoc operation's
	// deadline (default 10s).
	ReadTimeout time.Duration
	// CheckpointEvery is the number of log entries between a stream's
	// checkpoints (default 16384). Reopening replays at most about twice
	// this many entries per stream; old log segments are removed below the
	// older of a stream's two newest checkpoints, so this also bounds the
	// log a stream keeps in memory. A checkpoint writes the whole engine
	// (encoded as it is written, not held in memory): raise it for large
	// data sets.
	CheckpointEvery int
	// VersionRetention is how far behind its log's time a stream keeps
	// old versions for snapshot reads (default 5s): a read-only
	// transaction older than that may be refused (engines.ErrSnapshotTooOld).
	VersionRetention time.Duration
	// TransactionsMax bounds the transactions in progress at once (default
	// 1024): Begin, and each call of a read-only transaction or an ad-hoc
	// executor, waits for one to end beyond it.
	TransactionsMax int
	// SegmentBytesMax is the size at which a log segment file is closed
	// and the next one started (default 4 MiB). Segments are removed
	// whole, so a stream keeps at least one segment of log in memory.
	SegmentBytesMax int64
	// Logger receives the store's warnings and failures (default
	// slog.Default()).
	Logger *slog.Logger

	// fs is the file system (tests inject faults; default files.OS).
	fs files.FS
	// processorTick is the period of the processors' Tick (default 50ms).
	processorTick time.Duration
}

const (
	retryIntervalDefault    = 100 * time.Millisecond
	readTimeoutDefault      = 10 * time.Second
	checkpointEveryDefault  = 1 << 14
	segmentBytesMaxDefault  = 4 << 20
	versionRetentionDefault = 5 * time.Second
	transactionsMaxDefault  = 1024
	processorTickDefault    = 50 * time.Millisecond
	// transactionsMaxLimit keeps session slots below the slots reserved for
	// the streams in a request origin (see origin).
	transactionsMaxLimit = 1 << 18
	// streamsMaxLimit bounds the streams of one store.
	streamsMaxLimit = 1 << 16
)

// Errors of Open and of the handle. Compare with errors.Is. Open also
// returns the store's errors: store.ErrNotStore, store.ErrNewerFormat,
// store.ErrLocked, store.ErrEngineMismatch (re-exported here).
var (
	// ErrBadOptions: Options that no store could run (no stream, a stream
	// without a name, kind or engine, a name given twice).
	ErrBadOptions = errors.New("live: bad options")
	// ErrClosed: the handle was closed.
	ErrClosed = errors.New("live: closed")
	// ErrUnknownStream: an operation on a stream the Options did not name.
	ErrUnknownStream = errors.New("live: unknown stream")
	// ErrFailed: a write or fsync failed and the store stopped; it wraps
	// the cause. Nothing acknowledged before it is lost: reopen the store.
	ErrFailed = errors.New("live: the store stopped after a failure")

	ErrNotStore       = store.ErrNotStore
	ErrNewerFormat    = store.ErrNewerFormat
	ErrLocked         = store.ErrLocked
	ErrEngineMismatch = store.ErrEngineMismatch
)

// withDefaults fills in defaults and checks the options.
func (o Options) withDefaults() (Options, error) {
	if len(o.Streams) == 0 {
		return o, fmt.Errorf("%w: no stream", ErrBadOptions)
	}
	if len(o.Streams) > streamsMaxLimit {
		return o, fmt.Errorf("%w: %d streams (at most %d)", ErrBadOptions, len(o.Streams), streamsMaxLimit)
	}
	names := map[string]bool{}
	for i, spec := range o.Streams {
		switch {
		case spec.Name == "":
			return o, fmt.Errorf("%w: Streams[%d] has no name", ErrBadOptions, i)
		case spec.Engine == "":
			return o, fmt.Errorf("%w: stream %q has no engine kind", ErrBadOptions, spec.Name)
		case spec.Restore == nil:
			return o, fmt.Errorf("%w: stream %q has no engine (Restore is nil)", ErrBadOptions, spec.Name)
		case names[spec.Name]:
			return o, fmt.Errorf("%w: stream %q is named twice", ErrBadOptions, spec.Name)
		}
		names[spec.Name] = true
	}
	if o.TransactionsMax > transactionsMaxLimit {
		return o, fmt.Errorf("%w: TransactionsMax %d (at most %d)", ErrBadOptions, o.TransactionsMax, transactionsMaxLimit)
	}
	o.RetryInterval = positiveOr(o.RetryInterval, retryIntervalDefault)
	o.ReadTimeout = positiveOr(o.ReadTimeout, readTimeoutDefault)
	o.VersionRetention = positiveOr(o.VersionRetention, versionRetentionDefault)
	o.processorTick = positiveOr(o.processorTick, processorTickDefault)
	o.CheckpointEvery = positiveOr(o.CheckpointEvery, checkpointEveryDefault)
	o.TransactionsMax = positiveOr(o.TransactionsMax, transactionsMaxDefault)
	o.SegmentBytesMax = positiveOr(o.SegmentBytesMax, segmentBytesMaxDefault)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.fs == nil {
		o.fs = files.OS
	}
	return o, nil
}

func positiveOr[T int | int64 | time.Duration](value, fallback T) T {
	if value <= 0 {
		return fallback
	}
	return value
}
