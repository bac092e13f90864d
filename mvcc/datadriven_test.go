package mvcc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
)

// TestScenarios runs the scenario files in testdata/. Commands:
//
//	put txn=<ts> key=<k> value=<v>     delete txn=<ts> key=<k>
//	prepare txn=<ts> ts=<ts>           commit txn=<ts> ts=<ts>
//	abort txn=<ts>                     gc watermark=<ts>
//	get key=<k> at=<ts> [txn=<ts>] [view=<name>]
//	scan at=<ts> [start=<k>] [end=<k>] [reverse] [limit=<n>] [txn=<ts>] [view=<name>]
//	view name=<name>                   stats
//	checkpoint-restore
//
// A timestamp is "max", an integer (wall nanoseconds) or "<wall>.<logical>@<node>".
func TestScenarios(t *testing.T) {
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue // rapid and fuzz keep their own directories here
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			store := New(Options{})
			views := map[string]*View{}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runScenarioCommand(t, d, &store, views)
			})
		})
	}
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData, store **Store, views map[string]*View) string {
	s := *store
	switch d.Cmd {
	case "put":
		return showError(s.Put(argTimestamp(t, d, "txn"), []byte(argString(t, d, "key")), []byte(argString(t, d, "value"))))
	case "delete":
		return showError(s.Delete(argTimestamp(t, d, "txn"), []byte(argString(t, d, "key"))))
	case "prepare":
		return showError(s.Prepare(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts")))
	case "commit":
		return showError(s.Commit(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts")))
	case "abort":
		return showError(s.Abort(argTimestamp(t, d, "txn")))
	case "gc":
		s.GC(argTimestamp(t, d, "watermark"))
		return fmt.Sprintf("watermark %v\n", s.Watermark())
	case "get":
		return scenarioGet(t, d, s, views)
	case "scan":
		return scenarioScan(t, d, s, views)
	case "view":
		views[argString(t, d, "name")] = s.View()
		return "ok\n"
	case "stats":
		stats := s.Stats()
		return fmt.Sprintf("keys=%d versions=%d intents=%d transactions=%d\n", stats.Keys, stats.Versions, stats.Intents, stats.Transactions)
	case "checkpoint-restore":
		data := s.Checkpoint()
		restored, err := Restore(data, Options{})
		if err != nil {
			return showError(err)
		}
		*store = restored
		if string(restored.Checkpoint()) != string(data) {
			return "restored store checkpoints to different bytes\n"
		}
		return "restored, identical checkpoint\n"
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

func scenarioGet(t *testing.T, d *datadriven.TestData, s *Store, views map[string]*View) string {
	key := argString(t, d, "key")
	opts := ReadOptions{At: argTimestamp(t, d, "at")}
	if d.HasArg("txn") {
		opts.Txn = argTimestamp(t, d, "txn")
	}
	get := s.Get
	if d.HasArg("view") {
		get = views[argString(t, d, "view")].Get
	}
	value, found, err := get([]byte(key), opts)
	switch {
	case err != nil:
		return showError(err)
	case !found:
		return fmt.Sprintf("%s: not found\n", key)
	}
	return fmt.Sprintf("%s=%s\n", key, value)
}

func scenarioScan(t *testing.T, d *datadriven.TestData, s *Store, views map[string]*View) string {
	opts := ScanOptions{At: argTimestamp(t, d, "at"), Reverse: d.HasArg("reverse")}
	if d.HasArg("txn") {
		opts.Txn = argTimestamp(t, d, "txn")
	}
	if d.HasArg("start") {
		opts.Start = []byte(argString(t, d, "start"))
	}
	if d.HasArg("end") {
		opts.End = []byte(argString(t, d, "end"))
	}
	if d.HasArg("limit") {
		d.ScanArgs(t, "limit", &opts.Limit)
	}
	scan := s.Scan
	if d.HasArg("view") {
		scan = views[argString(t, d, "view")].Scan
	}
	var out strings.Builder
	err := scan(opts, func(key, value []byte) bool {
		fmt.Fprintf(&out, "%s=%s\n", key, value)
		return true
	})
	if err != nil {
		out.WriteString(showError(err))
	}
	if out.Len() == 0 {
		return "(empty)\n"
	}
	return out.String()
}

func showError(err error) string {
	if err == nil {
		return "ok\n"
	}
	return "error: " + err.Error() + "\n"
}

func argString(t *testing.T, d *datadriven.TestData, name string) string {
	var value string
	d.ScanArgs(t, name, &value)
	return value
}

func argTimestamp(t *testing.T, d *datadriven.TestData, name string) clock.Timestamp {
	text := argString(t, d, name)
	if text == "max" {
		return MaxTimestamp
	}
	if strings.Contains(text, ".") {
		timestamp, err := clock.ParseTimestamp(text)
		if err != nil {
			t.Fatalf("%s: %v", d.Pos, err)
		}
		return timestamp
	}
	wall, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		t.Fatalf("%s: %s=%q: %v", d.Pos, name, text, err)
	}
	return clock.Timestamp{WallNanos: wall}
}
