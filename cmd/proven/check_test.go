package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// checkFile runs `proven check` with the flags on a file holding text,
// and returns what it printed (the file's path shown as FILE) and its exit
// status.
func checkFile(t *testing.T, text string, flags ...string) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	status := run(append(append([]string{"check"}, flags...), path), &stdout, &stderr, false)
	return strings.ReplaceAll(stdout.String()+stderr.String(), path, "FILE"), status
}

// TestCheckScenarios runs testdata/check.txt: each case's arguments become
// flags (model=queue is --model=queue) and its input the history file.
// TestMain moves the tests to a temporary folder, so the file is found
// beside this source file.
func TestCheckScenarios(t *testing.T) {
	_, source, _, _ := runtime.Caller(0)
	datadriven.RunTest(t, filepath.Join(filepath.Dir(source), "testdata", "check.txt"), func(t *testing.T, d *datadriven.TestData) string {
		var flags []string
		for _, argument := range d.CmdArgs {
			flags = append(flags, fmt.Sprintf("--%s=%s", argument.Key, strings.Join(argument.Vals, ",")))
		}
		output, status := checkFile(t, d.Input+"\n", flags...)
		return fmt.Sprintf("%sexit %d\n", output, status)
	})
}

// TestCheckReadsExportedHistories: `proven check` gives the same verdicts
// for the EDN that `proven history` writes as for its JSON lines, and
// they are the run's own verdicts.
func TestCheckReadsExportedHistories(t *testing.T) {
	for _, test := range []struct{ workload, model string }{
		{"list-append", "list-append"}, {"sql-list-append", "list-append"}, {"register", "cas-register"}, {"queue", "queue"},
	} {
		for _, seed := range []string{"1", "2"} {
			t.Run(test.workload+"/"+seed, func(t *testing.T) {
				var outputs []string
				for _, format := range []string{"edn", "jsonl"} {
					path := filepath.Join(t.TempDir(), "history."+format)
					var stdout, stderr bytes.Buffer
					if status := run([]string{"history", "--seed", seed, "--workload", test.workload, "--format", format, "-o", path},
						&stdout, &stderr, false); status != 0 {
						t.Fatalf("proven history: status %d: %s", status, stderr.String())
					}
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					output, status := checkFile(t, string(data), "--model", test.model, "--nil-read", "value")
					if status != 0 {
						t.Fatalf("%s: proven check: status %d:\n%s\n(run: %s)", format, status, output, stderr.String())
					}
					outputs = append(outputs, output)
				}
				if outputs[0] != outputs[1] {
					t.Fatalf("edn and jsonl differ:\n%s\n%s", outputs[0], outputs[1])
				}
			})
		}
	}
}
