package scenariotest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
)

// Run runs every scenario file in testdata/ as a subtest: newState makes
// the file's fresh state, and run runs each command on it and returns its
// output; a broken invariant shows as Violation shows it. Directories are
// skipped: rapid and fuzz keep theirs in testdata/ too.
func Run[S any](t *testing.T, newState func() S, run func(t *testing.T, d *datadriven.TestData, state *S) string) {
	t.Helper()
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no scenario files in testdata/")
	}
	for _, path := range paths {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			state := newState()
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return Violation(func() string { return run(t, d, &state) })
			})
		})
	}
}

// String returns the required argument key.
func String(t *testing.T, d *datadriven.TestData, key string) string {
	var value string
	d.ScanArgs(t, key, &value)
	return value
}

// Optional returns argument key's first value, or "" when it is absent.
func Optional(d *datadriven.TestData, key string) string {
	arg, ok := d.Arg(key)
	if !ok || len(arg.Vals) == 0 {
		return ""
	}
	return arg.Vals[0]
}

// Int returns the required integer argument key.
func Int(t *testing.T, d *datadriven.TestData, key string) int64 {
	number, err := strconv.ParseInt(String(t, d, key), 10, 64)
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return number
}

// Timestamp returns the required timestamp argument key, written as its
// wall nanoseconds ("12") or in full ("12.0@3", clock.ParseTimestamp).
func Timestamp(t *testing.T, d *datadriven.TestData, key string) clock.Timestamp {
	text := String(t, d, key)
	if strings.Contains(text, ".") {
		timestamp, err := clock.ParseTimestamp(text)
		if err != nil {
			d.Fatalf(t, "%s: %v", key, err)
		}
		return timestamp
	}
	return clock.Timestamp{WallNanos: Int(t, d, key)}
}

// Error shows err as "ok" or "error: <message>".
func Error(err error) string {
	if err == nil {
		return "ok"
	}
	return "error: " + err.Error()
}

// Violation returns run's output, or "invariant broken: <message>" when
// run panics with a broken invariant (internal/assert). Other panics go
// on.
func Violation(run func() string) (output string) {
	defer func() {
		recovered := recover()
		if recovered == nil {
			return
		}
		var violation *assert.Violation
		if err, ok := recovered.(error); !ok || !errors.As(err, &violation) {
			panic(recovered)
		}
		output = violation.Error()
	}()
	return run()
}
