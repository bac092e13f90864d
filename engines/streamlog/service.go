package streamlog

import (
	"fmt"
	"slices"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// Config tunes a Service. Zero fields take their defaults.
type Config struct {
	// TickInterval: an idle stream gets a tick entry at least this often
	// (measured on the service's HLC). Default 10ms.
	TickInterval time.Duration
	// ReadCountMax bounds the entries of one MsgEntries or MsgReadLogReply.
	// Default 256.
	ReadCountMax int
	// DedupeWindow is how many appends are remembered per origin to answer
	// retries. Default 1024.
	DedupeWindow int
	// Sites switches the service's code fault sites, asked at each use
	// (nil: every site off). A simulation turns them on to force rarely
	// taken paths; see Sites.
	Sites func() Sites
}

// Sites are the log's code fault sites (DESIGN.md, "Code faults"): paths
// a correct log may take that random timing almost never reaches.
type Sites struct {
	// StampAtDeadline stamps an appended transaction entry exactly at its
	// deadline (wall time D, logical 0) when its timestamp would fall
	// less than StampWindow before D: a legal timestamp (the HLC moves
	// forward to it, as after a clock jump) on the boundary that "after
	// the deadline" and "at or before the deadline" must agree on.
	StampAtDeadline bool
	// TinyBatches makes every read and subscription catch-up carry one
	// entry per message.
	TinyBatches bool
}

// StampWindow is how far before its deadline an entry's timestamp may be
// for Sites.StampAtDeadline to move it onto the deadline.
const StampWindow = 50 * time.Millisecond

const (
	tickIntervalDefault = 10 * time.Millisecond
	readCountMaxDefault = 256
	dedupeWindowDefault = 1024
)

func (c Config) withDefaults() Config {
	if c.TickInterval <= 0 {
		c.TickInterval = tickIntervalDefault
	}
	if c.ReadCountMax <= 0 {
		c.ReadCountMax = readCountMaxDefault
	}
	if c.DedupeWindow <= 0 {
		c.DedupeWindow = dedupeWindowDefault
	}
	return c
}

// Ready is what one step asks of its host: append and sync every record of
// Persist, in order, and only then send Messages, in order. Persist records
// share memory with the service's log: hosts copy them or read them, never
// change them. The Ready of an append reuses the arrays of the previous
// append's: it is valid until the next Step or Tick.
type Ready struct {
	Persist  [][]byte
	Messages []Outbound
}

// Outbound is one message to send. Messages share memory with the service's
// log: hosts encode them or hand them on read-only.
type Outbound struct {
	To      wire.Address
	Message any
}

// Stats counts what a service did since it was built (not persisted;
// Appends and Ticks include the records that Recover replayed).
type Stats struct {
	Appends    uint64 // client appends written
	Ticks      uint64 // tick entries written
	Duplicates uint64 // retried appends answered again
	Stale      uint64 // retried appends older than the dedupe window, dropped
	Rejected   uint64 // messages with an invalid stream name, dropped
	Ignored    uint64 // messages of an unknown type, dropped
	Subscribes uint64
	Reads      uint64
	// StampedAtDeadline counts entries Sites.StampAtDeadline moved onto
	// their deadline.
	StampedAtDeadline uint64
}

// Service is the log service of one node: a step machine holding any number
// of named streams. See the package documentation for its contract.
type Service struct {
	config Config
	clock  clock.Clock
	hlc    *clock.HLC
	// streams by name; names is their keys in sorted order.
	streams map[string]*stream
	names   []string
	dedupe  *dedupeTable
	stats   Stats
	// appendReady is the last append's Ready, whose arrays the next append
	// reuses (see Ready).
	appendReady Ready
}

// tickPayload is the payload of every tick entry.
var tickPayload = wire.Entry{Kind: wire.EntryTick}.Encode()

// New returns an empty service. Timestamps come from an HLC over clock,
// stamped with node.
func New(config Config, physical clock.Clock, node uint32) *Service {
	config = config.withDefaults()
	return &Service{
		config:  config,
		clock:   physical,
		hlc:     clock.NewHLC(physical, node),
		streams: map[string]*stream{},
		dedupe:  newDedupeTable(config.DedupeWindow),
	}
}

// Recover rebuilds a service from the records its Readys asked to persist,
// in the order they were persisted (the host has already cut a torn tail).
// The HLC restarts above the highest timestamp found. Records that do not
// decode, or that cannot form this package's log, return an error wrapping
// ErrBadRecord or ErrInconsistentLog.
func Recover(config Config, physical clock.Clock, node uint32, records [][]byte) (*Service, error) {
	return recoverRecords(config, physical, node, records, false)
}

// RecoverSuffix is Recover for a log whose oldest records the host removed
// (after RemoveBelow): each stream starts at its first record, whatever
// its position, and reads from below it start there. The dedupe windows
// are rebuilt from the records that remain, so a retry of a removed
// append, or of a request a window had already dropped as too old, would
// be appended again: hosts remove only records older than any retry.
func RecoverSuffix(config Config, physical clock.Clock, node uint32, records [][]byte) (*Service, error) {
	return recoverRecords(config, physical, node, records, true)
}

func recoverRecords(config Config, physical clock.Clock, node uint32, records [][]byte, suffix bool) (*Service, error) {
	s := New(config, physical, node)
	for i, data := range records {
		r, err := decodeRecord(data)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if err := s.replay(r, suffix); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	return s, nil
}

// replay applies one recovered record. With suffix, a stream's first
// record may have any position.
func (s *Service) replay(r record, suffix bool) error {
	st, created := s.streamFor(r.stream)
	if created && suffix {
		st.startAt(r.entry.Position)
	}
	position, timestamp := st.head()
	if r.entry.Position != position+1 {
		return fmt.Errorf("%w: stream %q: position %d after %d", ErrInconsistentLog, r.stream, r.entry.Position, position)
	}
	if len(st.entries) > 0 && !timestamp.Less(r.entry.Timestamp) {
		return fmt.Errorf("%w: stream %q: timestamp %v not after %v", ErrInconsistentLog, r.stream,
			r.entry.Timestamp, timestamp)
	}
	if r.kind == recordAppend {
		if _, verdict := s.dedupe.lookup(r.request); verdict != requestNew {
			return fmt.Errorf("%w: request %v appended twice", ErrInconsistentLog, r.request)
		}
		s.dedupe.remember(r.request, appendResult{stream: r.stream, position: r.entry.Position,
			timestamp: r.entry.Timestamp})
		s.stats.Appends++
	} else {
		s.stats.Ticks++
	}
	st.add(r.entry)
	s.hlc.Restore(r.entry.Timestamp)
	return nil
}

// sites returns the switches of the code fault sites now.
func (s *Service) sites() Sites {
	if s.config.Sites == nil {
		return Sites{}
	}
	return s.config.Sites()
}

// readCountMax is how many entries one message carries.
func (s *Service) readCountMax() int {
	if s.sites().TinyBatches {
		return 1
	}
	return s.config.ReadCountMax
}

// Config returns the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.config }

// Stats returns the service's counters.
func (s *Service) Stats() Stats { return s.stats }

// Streams returns the names of the known streams in sorted order.
func (s *Service) Streams() []string { return slices.Clone(s.names) }

// Head returns a stream's last position and timestamp (0 and the zero
// timestamp for an empty or unknown stream).
func (s *Service) Head(name string) (uint64, clock.Timestamp) {
	if st := s.streams[name]; st != nil {
		return st.head()
	}
	return 0, clock.Timestamp{}
}

// Read returns up to countMax entries of a stream from position from (from
// its first retained position, if from is below it). The entries share
// the log's memory: read them, do not modify them.
func (s *Service) Read(name string, from uint64, countMax int) []wire.LogEntry {
	if st := s.streams[name]; st != nil {
		return st.read(from, countMax)
	}
	return nil
}

// First returns a stream's first retained position: 1, unless RemoveBelow
// or RecoverSuffix dropped older entries (0 for an unknown stream).
func (s *Service) First(name string) uint64 {
	if st := s.streams[name]; st != nil {
		return st.first
	}
	return 0
}

// RemoveBelow drops a stream's entries before position from memory, never
// its head entry (so the stream keeps its head, and its time), and returns
// the stream's first retained position. A host calls it after removing the
// same records from its storage, which it recovers with RecoverSuffix.
// Reads and subscriptions from below the first retained position start at
// it: the caller sees the gap in the positions it gets. An unknown stream
// returns 0.
func (s *Service) RemoveBelow(name string, position uint64) uint64 {
	st := s.streams[name]
	if st == nil {
		return 0
	}
	st.removeBelow(position)
	return st.first
}

// streamFor returns the named stream, creating it if needed.
func (s *Service) streamFor(name string) (st *stream, created bool) {
	if st := s.streams[name]; st != nil {
		return st, false
	}
	st = &stream{name: name, first: 1}
	s.streams[name] = st
	index, _ := slices.BinarySearch(s.names, name)
	s.names = slices.Insert(s.names, index, name)
	return st, true
}

func validStreamName(name string) bool {
	return name != "" && len(name) <= StreamNameLenMax
}
