package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"unicode"

	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/live/filelog"
	"github.com/proven2pc/proven/live/files"
)

// engineNameLenMax bounds engine kinds ("kv", "queue", "resource", "sql").
const engineNameLenMax = 64

// manifest is a stream's MANIFEST file.
type manifest struct {
	Format int    `json:"format"`
	ID     uint32 `json:"id"`
	Name   string `json:"name"`
	Engine string `json:"engine"`
}

// Stream is one stream of a store: its manifest (name, engine kind, id),
// its log directory and its checkpoints.
type Stream struct {
	store    *Store
	manifest manifest
	dir      string
	// checkpointMutex serializes WriteCheckpoint and NewestCheckpoint.
	checkpointMutex sync.Mutex
}

// StreamInfo describes a stream of a store.
type StreamInfo struct {
	Name   string
	Engine string
	ID     uint32
}

// Name returns the stream's name.
func (st *Stream) Name() string { return st.manifest.Name }

// Engine returns the engine kind the stream was created with.
func (st *Stream) Engine() string { return st.manifest.Engine }

// ID returns the stream's id: unique in its store and never reused, from
// 1. The log host stamps it into the stream's timestamps as the HLC node,
// so that no two streams of a store issue equal timestamps.
func (st *Stream) ID() uint32 { return st.manifest.ID }

// Dir returns the stream's directory.
func (st *Stream) Dir() string { return st.dir }

func streamDirName(id uint32) string { return fmt.Sprintf("%08d", id) }

// loadStreams reads every stream's manifest. A stream directory without a
// manifest was being created when a crash came: it is skipped (its id is
// not reused).
func (s *Store) loadStreams() error {
	root := filepath.Join(s.dir, streamsDir)
	names, err := s.options.FS.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // created with the first stream
	}
	if err != nil {
		return err
	}
	for _, name := range names {
		id, err := strconv.ParseUint(name, 10, 32)
		if err != nil || streamDirName(uint32(id)) != name || id == 0 {
			continue // not a stream directory of ours
		}
		s.lastID = max(s.lastID, uint32(id))
		st, err := s.readManifest(filepath.Join(root, name), uint32(id))
		if err != nil {
			return err
		}
		if st == nil {
			continue
		}
		if other := s.streams[st.Name()]; other != nil {
			return fmt.Errorf("%w: streams %s and %s are both named %q", ErrCorrupt, other.dir, st.dir, st.Name())
		}
		s.streams[st.Name()] = st
	}
	return nil
}

// readManifest reads a stream directory's manifest (nil: none).
func (s *Store) readManifest(dir string, id uint32) (*Stream, error) {
	path := filepath.Join(dir, manifestFile)
	data, err := s.options.FS.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if m.Format > FormatVersion {
		return nil, fmt.Errorf("%w: %s says format %d; this build reads formats up to %d", ErrNewerFormat, path,
			m.Format, FormatVersion)
	}
	if m.Format < 1 || m.ID != id || checkNames(m.Name, m.Engine) != nil {
		return nil, fmt.Errorf("%w: %s: format %d, id %d in directory %d, name %q, engine %q", ErrCorrupt, path,
			m.Format, m.ID, id, m.Name, m.Engine)
	}
	return &Stream{store: s, manifest: m, dir: dir}, nil
}

// checkNames validates a stream name (as the log service accepts it) and
// an engine kind (printable, short).
func checkNames(name, engine string) error {
	if name == "" || len(name) > streamlog.StreamNameLenMax {
		return fmt.Errorf("%w: stream name of %d bytes (1 to %d)", ErrBadName, len(name), streamlog.StreamNameLenMax)
	}
	printable := func(text string) bool {
		for _, r := range text {
			if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
				return false
			}
		}
		return true
	}
	if engine == "" || len(engine) > engineNameLenMax || !printable(engine) {
		return fmt.Errorf("%w: engine %q (1 to %d printable bytes)", ErrBadName, engine, engineNameLenMax)
	}
	return nil
}

// Streams lists the store's streams, by name.
func (s *Store) Streams() ([]StreamInfo, error) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if s.streams == nil {
		return nil, ErrClosed
	}
	var infos []StreamInfo
	for _, name := range slices.Sorted(maps.Keys(s.streams)) {
		st := s.streams[name]
		infos = append(infos, StreamInfo{Name: name, Engine: st.Engine(), ID: st.ID()})
	}
	return infos, nil
}

// Stream returns the named stream, creating it with the engine kind if it
// is new. A stream created with another engine kind is refused with
// ErrEngineMismatch, changing nothing on disk. Calls with the same name
// return the same *Stream.
func (s *Store) Stream(name, engine string) (*Stream, error) {
	if err := checkNames(name, engine); err != nil {
		return nil, err
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if s.streams == nil {
		return nil, ErrClosed
	}
	if st := s.streams[name]; st != nil {
		if st.Engine() != engine {
			return nil, fmt.Errorf("%w: stream %q of %s was created with engine %q, not %q", ErrEngineMismatch, name,
				s.dir, st.Engine(), engine)
		}
		return st, nil
	}
	st, err := s.createStream(name, engine)
	if err != nil {
		return nil, fmt.Errorf("store: creating stream %q in %s: %w", name, s.dir, err)
	}
	s.streams[name] = st
	return st, nil
}

// createStream makes the stream's directory and writes its manifest
// atomically; a crash leaves no manifest, or the whole one.
func (s *Store) createStream(name, engine string) (*Stream, error) {
	if s.lastID == ^uint32(0) {
		return nil, errors.New("no stream id left")
	}
	s.lastID++
	root := filepath.Join(s.dir, streamsDir)
	st := &Stream{store: s, manifest: manifest{Format: FormatVersion, ID: s.lastID, Name: name, Engine: engine},
		dir: filepath.Join(root, streamDirName(s.lastID))}
	if err := s.options.FS.MkdirAll(st.dir); err != nil {
		return nil, err
	}
	data, _ := json.Marshal(st.manifest)
	if err := files.WriteAtomic(s.options.FS, st.dir, manifestFile, append(data, '\n')); err != nil {
		return nil, err
	}
	if err := s.options.FS.SyncDir(root); err != nil {
		return nil, err
	}
	return st, s.options.FS.SyncDir(s.dir) // the streams directory itself may be new
}

// OpenLog opens the stream's log (see filelog.Open): the log and its
// retained records. The caller owns the log and closes it before the
// store.
func (st *Stream) OpenLog() (*filelog.Log, [][]byte, error) {
	options := st.store.options
	return filelog.Open(filepath.Join(st.dir, "log"), filelog.Options{FS: options.FS,
		SegmentBytesMax: options.SegmentBytesMax, Logger: options.Logger})
}
