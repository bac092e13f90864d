package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// scenario is one datadriven file's state: a root directory, at most one
// open store, and the warnings it logged.
type scenario struct {
	root  string
	store *Store
	lines bytes.Buffer
}

// TestScenarios runs testdata/*. Commands (paths are relative to a fresh
// directory; dir defaults to "store"):
//
//	open [dir=D]                   open a store; print its streams or the error
//	close                          close the open store
//	stream name=N engine=E         open or create a stream
//	checkpoint name=N engine=E position=P data=X    write a checkpoint
//	newest name=N engine=E         the newest intact checkpoint
//	write path=P                   write a file holding the input
//	flip path=P offset=N           flip the low bit of a byte of a file
//	tree                           every file under the root: path, size, digest
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &scenario{root: t.TempDir()}
		defer func() {
			if s.store != nil {
				s.store.Close()
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			s.lines.Reset()
			output := s.run(t, d)
			output = s.lines.String() + output
			return strings.ReplaceAll(output, s.root+string(filepath.Separator), "")
		})
	})
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "open":
		dir := "store"
		d.MaybeScanArgs(t, "dir", &dir)
		logger := slog.New(slog.NewTextHandler(&s.lines, &slog.HandlerOptions{ReplaceAttr: dropTime}))
		store, err := Open(filepath.Join(s.root, dir), Options{Logger: logger})
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		s.store = store
		return s.streams(t)
	case "close":
		err := s.store.Close()
		s.store = nil
		return errorOr(err, "closed")
	case "stream", "checkpoint", "newest":
		return s.stream(t, d)
	case "write":
		var path string
		d.ScanArgs(t, "path", &path)
		path = filepath.Join(s.root, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		return errorOr(os.WriteFile(path, []byte(d.Input), 0o644), "written")
	case "flip":
		var path string
		var offset int
		d.ScanArgs(t, "path", &path)
		d.ScanArgs(t, "offset", &offset)
		content, err := os.ReadFile(filepath.Join(s.root, path))
		if err != nil {
			t.Fatal(err)
		}
		content[offset] ^= 1
		return errorOr(os.WriteFile(filepath.Join(s.root, path), content, 0o644), "flipped")
	case "tree":
		return tree(t, s.root)
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func (s *scenario) stream(t *testing.T, d *datadriven.TestData) string {
	var name, engine string
	d.ScanArgs(t, "name", &name)
	d.ScanArgs(t, "engine", &engine)
	st, err := s.store.Stream(name, engine)
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	switch d.Cmd {
	case "checkpoint":
		var position uint64
		var data string
		d.ScanArgs(t, "position", &position)
		d.ScanArgs(t, "data", &data)
		removable, err := st.WriteCheckpoint(position, []byte(data))
		return errorOr(err, fmt.Sprintf("log removable below %d", removable))
	case "newest":
		position, data, found, err := st.NewestCheckpoint()
		if !found {
			return errorOr(err, "no checkpoint")
		}
		return errorOr(err, fmt.Sprintf("position %d data %q", position, data))
	}
	return fmt.Sprintf("%s id=%d engine=%s dir=%s\n", st.Name(), st.ID(), st.Engine(), st.Dir())
}

func (s *scenario) streams(t *testing.T) string {
	infos, err := s.store.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) == 0 {
		return "opened, no streams\n"
	}
	var b strings.Builder
	for _, info := range infos {
		fmt.Fprintf(&b, "stream %s id=%d engine=%s\n", info.Name, info.ID, info.Engine)
	}
	return b.String()
}

func errorOr(err error, text string) string {
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	return text + "\n"
}

func dropTime(groups []string, attribute slog.Attr) slog.Attr {
	if attribute.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return attribute
}

// tree lists every file and directory under root with its size and a
// digest of its content, so two listings differ iff anything changed.
func tree(t *testing.T, root string) string {
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		relative, _ := filepath.Rel(root, path)
		if entry.IsDir() {
			fmt.Fprintf(&b, "%s/\n", relative)
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		digest := sha256.Sum256(content)
		fmt.Fprintf(&b, "%s %d %x\n", relative, len(content), digest[:6])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
