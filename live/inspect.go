package live

import (
	"fmt"
	"log/slog"
	"os"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/store"
)

// Status returns what a stream's processor holds in flight: active,
// prepared, pending and deferred transactions, locks and reservations.
// A run's checks read it after the run (every processor idle: liveness).
func (db *DB) Status(stream string) (processor.Status, error) {
	s := db.byName(stream)
	if s == nil {
		return processor.Status{}, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
	}
	if err := db.enter(); err != nil {
		return processor.Status{}, err
	}
	defer db.exit()
	var status processor.Status
	if !s.processor.query(func(p *processor.Processor) { status = p.Status() }) {
		return processor.Status{}, fmt.Errorf("%w: stream %q: its processor stopped", ErrClosed, stream)
	}
	return status, nil
}

// ReadLogs reads, from its files, the retained log of each named stream
// of the store in dir (which no DB may have open): every entry from the
// oldest segment kept (position 1 unless checkpoints let segments go) to
// the newest, ticks included, as the log service would serve them. A
// run's checks read the logs this way after Close, to decide every
// transaction's fate from what reached the disk. A directory that is not
// a store, or a stream it does not hold, is an error naming it.
func ReadLogs(dir string, streams []string, logger *slog.Logger) (map[string][]wire.LogEntry, error) {
	if names, err := os.ReadDir(dir); err != nil || len(names) == 0 {
		return nil, fmt.Errorf("%w: %s is missing or empty", ErrNotStore, dir)
	}
	if logger == nil {
		logger = slog.Default()
	}
	s, err := store.Open(dir, store.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	infos, err := s.Streams()
	if err != nil {
		return nil, err
	}
	logs := map[string][]wire.LogEntry{}
	for _, name := range streams {
		index := slices.IndexFunc(infos, func(info store.StreamInfo) bool { return info.Name == name })
		if index < 0 {
			return nil, fmt.Errorf("%w: the store %s has no stream %q", ErrUnknownStream, dir, name)
		}
		entries, err := readLog(s, name, infos[index].Engine)
		if err != nil {
			return nil, fmt.Errorf("live: reading the log of stream %q in %s: %w", name, dir, err)
		}
		logs[name] = entries
	}
	return logs, nil
}

// readLog recovers one stream's log service from its files and reads
// every retained entry.
func readLog(s *store.Store, name, engine string) ([]wire.LogEntry, error) {
	st, err := s.Stream(name, engine)
	if err != nil {
		return nil, err
	}
	log, records, err := st.OpenLog()
	if err != nil {
		return nil, err
	}
	defer log.Close()
	service, err := streamlog.RecoverSuffix(streamlog.Config{}, clock.Real{}, st.ID(), records)
	if err != nil {
		return nil, err
	}
	const batch = 4096
	var entries []wire.LogEntry
	from := service.First(name)
	for {
		read := service.Read(name, from, batch)
		if len(read) == 0 {
			return entries, nil
		}
		entries = append(entries, read...)
		from = read[len(read)-1].Position + 1
	}
}
