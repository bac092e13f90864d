package live

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/loghost"
	"github.com/proven2pc/proven/live/sessions"
	"github.com/proven2pc/proven/live/store"
)

// dedupeWindow is how many appends the log remembers per origin. An
// origin here is one session, which has at most a transaction's round of
// requests in flight (one per participant) and resends only those, so a
// retry is always of a recent request; a smaller window than the log
// service's default saves memory per session and stream.
const dedupeWindow = 64

// collectEvery is how many entries pass between raises of a processor's
// garbage-collection watermark: each raise walks every version of the
// engine (mvcc.Store.GC), so it is spaced to cost a few percent of a
// busy stream's time, while the versions it lets pile up stay a fraction
// of a large data set.
const collectEvery = 4096

// coordinatorNode stamps the store's transaction ids (the shared clock's
// HLC node); stream logs stamp their stream ids, processors their own.
const coordinatorNode = 1 << 30

// streamRuntime is one stream of an open store: its spec, its directory,
// its log host and its processor host.
type streamRuntime struct {
	index     int
	spec      catalog.StreamSpec
	store     *store.Stream
	log       *loghost.Host
	processor *processorHost
}

// DB is an open store: every stream's log and processor running on
// goroutines in this process, and the transactions of the application
// multiplexed over them. Safe for concurrent use by many goroutines (each
// transaction by one at a time). See the package documentation.
type DB struct {
	options Options
	store   *store.Store
	epoch   uint64
	streams []*streamRuntime
	names   map[string]*streamRuntime
	router  router
	clock   *sessions.Clock
	// sessions and janitor are set before any goroutine starts.
	sessions *sessions.Pool
	janitor  *janitor

	// failure is the first failure that stopped the store.
	failure atomic.Pointer[error]
	// calls counts the calls in progress; closed refuses new ones, and
	// quiesced wakes Close when the last one leaves.
	calls    atomic.Int64
	closed   atomic.Bool
	quiesced chan struct{}
	// watchers end with the log hosts, or at Close.
	watchers  sync.WaitGroup
	stopWatch chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the store in dir and starts its streams. It
// fails, changing nothing on disk, when dir is not a Proven store
// (ErrNotStore), was written by a newer format (ErrNewerFormat), is open
// in another process or another DB of this one (ErrLocked), or names a
// stream with another engine than the store recorded (ErrEngineMismatch);
// Options no store could run are ErrBadOptions. Each error names what was
// wrong.
func Open(dir string, options Options) (*DB, error) {
	options, err := options.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(dir, store.Options{FS: options.fs, Logger: options.Logger,
		SegmentBytesMax: options.SegmentBytesMax})
	if err != nil {
		return nil, err
	}
	db := &DB{options: options, store: s, names: map[string]*streamRuntime{}, quiesced: make(chan struct{}, 1),
		stopWatch: make(chan struct{}), clock: sessions.NewClock(clock.NewHLC(clock.Real{}, coordinatorNode))}
	if err := db.start(); err != nil {
		db.abandon()
		return nil, err
	}
	return db, nil
}

// start opens the streams (checking every engine kind before creating
// anything), counts the epoch, starts the log hosts, restores the clock
// above every log, then starts the processors and the janitor.
func (db *DB) start() error {
	if err := db.checkEngines(); err != nil {
		return err
	}
	for index, spec := range db.options.Streams {
		st, err := db.store.Stream(spec.Name, spec.Engine)
		if err != nil {
			return err
		}
		runtime := &streamRuntime{index: index, spec: spec, store: st}
		db.streams = append(db.streams, runtime)
		db.names[spec.Name] = runtime
	}
	epoch, err := db.store.NextEpoch()
	if err != nil {
		return err
	}
	db.epoch = epoch
	db.sessions = sessions.NewPool(sessions.Config{Max: db.options.TransactionsMax,
		Address: sessionAddress, Origin: func(slot int) uint64 { return origin(db.epoch, slot) },
		Send: func(from, to wire.Address, message any) { db.router.send(from, to, message) },
		Coordinator: func(slot int) coordinator.Config {
			return coordinator.Config{ID: uint32(slot + 1), Log: logAddress, Processor: db.processorOf,
				RetryInterval: db.options.RetryInterval, ReadTimeout: db.options.ReadTimeout, Timestamps: db.clock}
		},
		Closed: ErrClosed})
	db.janitor = newJanitor(db, len(db.streams))
	db.router = router{streams: db.streams, byName: db.names, sessions: db.sessions}
	for _, s := range db.streams {
		if err := db.startLog(s); err != nil {
			return err
		}
	}
	for _, s := range db.streams {
		if err := db.startProcessor(s); err != nil {
			return err
		}
	}
	for _, s := range db.streams {
		s.processor.start()
	}
	db.janitor.start()
	return nil
}

// checkEngines refuses, before anything is created, a stream the store
// recorded with another engine kind.
func (db *DB) checkEngines() error {
	infos, err := db.store.Streams()
	if err != nil {
		return err
	}
	for _, spec := range db.options.Streams {
		for _, info := range infos {
			if info.Name == spec.Name && info.Engine != spec.Engine {
				return fmt.Errorf("%w: stream %q of %s was created with engine %q, opened with %q",
					store.ErrEngineMismatch, spec.Name, db.store.Dir(), info.Engine, spec.Engine)
			}
		}
	}
	return nil
}

// startLog opens a stream's log, starts its host, and moves the shared
// clock above the log's newest timestamp, so that transaction ids never
// repeat across restarts (a new id is above every entry of the logs, and
// so above every transaction that reached one).
func (db *DB) startLog(s *streamRuntime) error {
	log, records, err := s.store.OpenLog()
	if err != nil {
		return err
	}
	host, err := loghost.Start(log, records, loghost.Config{Stream: s.spec.Name, Node: s.store.ID(),
		Service: streamlog.Config{DedupeWindow: dedupeWindow}, Deliver: db.router.fromLog, Logger: db.options.Logger})
	if err != nil {
		log.Close()
		return err
	}
	s.log = host
	_, newest, err := host.Head()
	if err != nil {
		return err
	}
	db.clock.Observe(newest)
	db.watchers.Add(1)
	go db.watch(host)
	return nil
}

// startProcessor restores a stream's processor from its newest intact
// checkpoint (the log after it replays once the processor subscribes).
func (db *DB) startProcessor(s *streamRuntime) error {
	position, checkpoint, found, err := s.store.NewestCheckpoint()
	if err != nil {
		return err
	}
	if !found {
		checkpoint = nil
	}
	config := processor.Config{Stream: s.spec.Name, Self: processorAddress(s.index), Log: logAddress,
		CheckpointEvery: db.options.CheckpointEvery, VersionRetention: db.options.VersionRetention,
		CollectEvery: collectEvery}
	p, err := processor.Recover(config, checkpoint, s.spec.Restore)
	if err != nil {
		return fmt.Errorf("live: stream %q: restoring the checkpoint at %d: %w", s.spec.Name, position, err)
	}
	s.processor = newProcessorHost(db, s, p, position)
	return nil
}

// watch marks the store failed when a log host stops on its own.
func (db *DB) watch(host *loghost.Host) {
	defer db.watchers.Done()
	select {
	case <-host.Done():
		if err := host.Err(); err != nil && !errors.Is(err, loghost.ErrClosed) {
			db.fail(fmt.Errorf("%w: %w", ErrFailed, err))
		}
	case <-db.stopWatch:
	}
}

// fail records the first failure; every later call returns it.
func (db *DB) fail(err error) {
	if db.failure.CompareAndSwap(nil, &err) {
		db.options.Logger.Error("live: the store stopped", "dir", db.store.Dir(), "error", err)
	}
}

// Err returns the failure that stopped the store, or nil.
func (db *DB) Err() error {
	if failure := db.failure.Load(); failure != nil {
		return *failure
	}
	return nil
}

// Dir returns the store's directory.
func (db *DB) Dir() string { return db.store.Dir() }

// Streams returns the names of the store's streams, in Options order.
func (db *DB) Streams() []string {
	names := make([]string, len(db.streams))
	for i, s := range db.streams {
		names[i] = s.spec.Name
	}
	return names
}

func (db *DB) byName(stream string) *streamRuntime { return db.names[stream] }

// processorOf is the coordinators' placement: every processor runs here.
func (db *DB) processorOf(stream string) wire.Address {
	if s := db.names[stream]; s != nil {
		return processorAddress(s.index)
	}
	return 0
}

// enter admits a call, unless the store is closed or failed; exit ends it.
func (db *DB) enter() error {
	db.calls.Add(1)
	if db.closed.Load() {
		db.exit()
		return ErrClosed
	}
	if err := db.Err(); err != nil {
		db.exit()
		return err
	}
	return nil
}

func (db *DB) exit() {
	if db.calls.Add(-1) == 0 && db.closed.Load() {
		select {
		case db.quiesced <- struct{}{}:
		default:
		}
	}
}

// Close refuses new calls, waits for the calls in progress to return
// (each is bounded by its transaction's deadline or ReadTimeout), writes a
// last checkpoint of every stream, flushes and closes every log, stops
// every goroutine and unlocks the store. A transaction begun and not
// ended gets ErrClosed at its next call; its participants abort it when
// their logs pass its deadline, at the next Open. It returns the failure
// that stopped the store, if one did. Later calls return ErrClosed.
func (db *DB) Close() error {
	err := ErrClosed
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.sessions.Close()
		for db.calls.Load() != 0 {
			<-db.quiesced
		}
		db.closeErr = db.shutdown()
		err = db.closeErr
	})
	return err
}

// shutdown stops the janitor, the processors and the log hosts, and
// releases the store; it returns the first failure.
func (db *DB) shutdown() error {
	db.janitor.close()
	var errs []error
	for _, s := range db.streams {
		errs = append(errs, s.processor.close())
	}
	for _, s := range db.streams {
		if err := s.log.Close(); err != nil && !errors.Is(err, loghost.ErrClosed) {
			errs = append(errs, err)
		}
	}
	close(db.stopWatch)
	db.watchers.Wait()
	errs = append(errs, db.store.Close())
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return db.Err()
}

// abandon undoes a failed start: no processor or janitor goroutine runs
// yet (they start last), so it closes the logs that started and unlocks
// the store.
func (db *DB) abandon() {
	for _, s := range db.streams {
		if s.log != nil {
			s.log.Close()
		}
	}
	close(db.stopWatch)
	db.watchers.Wait()
	db.store.Close()
}
