package filelog

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// scenario is one datadriven file's state: a log directory, the open log
// (nil when closed or crashed), and the log lines Open wrote.
type scenario struct {
	dir     string
	options Options
	log     *Log
	lines   bytes.Buffer
}

// TestScenarios runs testdata/*. Commands:
//
//	open [segment-bytes=N]     open the log; print its records and log lines
//	append R...                append records (arguments are their text)
//	sync                       sync the log
//	close                      close the log
//	crash                      drop the log without syncing (its unsynced appends are lost)
//	remove below=N             RemoveBelow
//	ls                         the segment files and their sizes
//	torn record=R keep=K       write the first K bytes of R's frame at the end of the last
//	                           segment, as a crash in the middle of a write leaves it
//	flip file=F offset=N       flip the low bit of byte N of segment F (its number)
//	truncate file=F size=N     cut segment F to N bytes
//	delete file=F              delete segment F
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &scenario{dir: filepath.Join(t.TempDir(), "log")}
		handler := slog.NewTextHandler(&s.lines, &slog.HandlerOptions{ReplaceAttr: dropTime})
		s.options = Options{Logger: slog.New(handler)}
		defer func() {
			if s.log != nil {
				s.log.Close()
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			output := s.run(t, d)
			return strings.ReplaceAll(output, s.dir+string(filepath.Separator), "")
		})
	})
}

func dropTime(groups []string, attribute slog.Attr) slog.Attr {
	if attribute.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return attribute
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "open":
		return s.open(t, d)
	case "append":
		for _, argument := range d.CmdArgs {
			if err := s.log.Append([]byte(argument.Key)); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
		}
		return fmt.Sprintf("next=%d\n", s.log.Next())
	case "sync":
		return errorOr(s.log.Sync(), "synced")
	case "close":
		err := s.log.Close()
		s.log = nil
		return errorOr(err, "closed")
	case "crash":
		s.log.file.Close()
		s.log = nil
		return "crashed\n"
	case "remove":
		var below uint64
		d.ScanArgs(t, "below", &below)
		first, err := s.log.RemoveBelow(below)
		return errorOr(err, fmt.Sprintf("first=%d", first))
	case "ls":
		return s.list(t)
	case "torn", "flip", "truncate":
		return s.damage(t, d)
	case "delete":
		var file uint64
		d.ScanArgs(t, "file", &file)
		return errorOr(os.Remove(filepath.Join(s.dir, segmentName(file))), "deleted")
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func errorOr(err error, text string) string {
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	return text + "\n"
}

func (s *scenario) open(t *testing.T, d *datadriven.TestData) string {
	d.MaybeScanArgs(t, "segment-bytes", &s.options.SegmentBytesMax)
	s.lines.Reset()
	log, records, err := Open(s.dir, s.options)
	output := s.lines.String()
	if err != nil {
		return output + fmt.Sprintf("error: %v\n", err)
	}
	s.log = log
	texts := make([]string, len(records))
	for i, record := range records {
		texts[i] = string(record)
	}
	return output + fmt.Sprintf("first=%d next=%d records=[%s]\n", log.First(), log.Next(), strings.Join(texts, " "))
}

func (s *scenario) list(t *testing.T) string {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, entry := range entries {
		info, err := entry.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d bytes\n", entry.Name(), info.Size())
	}
	return b.String()
}

// damage changes a segment file behind the log's back.
func (s *scenario) damage(t *testing.T, d *datadriven.TestData) string {
	var path string
	var content []byte
	if d.Cmd == "torn" {
		var record string
		var keep int
		d.ScanArgs(t, "record", &record)
		d.ScanArgs(t, "keep", &keep)
		layout, err := os.ReadDir(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(s.dir, layout[len(layout)-1].Name())
		content = readFile(t, path)
		frame := appendFrame(nil, []byte(record), int64(len(content)))
		content = append(content, frame[:keep]...)
	} else {
		var file uint64
		var offset int64
		d.ScanArgs(t, "file", &file)
		path = filepath.Join(s.dir, segmentName(file))
		content = readFile(t, path)
		if d.Cmd == "flip" {
			d.ScanArgs(t, "offset", &offset)
			content[offset] ^= 1
		} else {
			d.ScanArgs(t, "size", &offset)
			content = content[:offset]
		}
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s now %d bytes\n", filepath.Base(path), len(content))
}

func readFile(t *testing.T, path string) []byte {
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return content
}
