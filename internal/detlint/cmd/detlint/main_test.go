package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule writes a module github.com/proven2pc/proven holding one file,
// sim/world.go, and returns its root.
func writeModule(t *testing.T, worldSource string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":       "module github.com/proven2pc/proven\n\ngo 1.26\n",
		"sim/world.go": worldSource,
	}
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name        string
		worldSource string
		arguments   []string
		exitCode    int
		stdout      string // exact
		stderr      string // substring
	}{{
		name:        "clean",
		worldSource: "package sim\n\nfunc Step() int { return 1 }\n",
		exitCode:    exitClean,
	}, {
		name:        "breach",
		worldSource: "package sim\n\nimport \"time\"\n\nfunc Step() { time.Sleep(1) }\n",
		exitCode:    exitBreaches,
		stdout: "sim/world.go:5:15: detlint: time.Sleep waits on the wall clock; " +
			"sleep through the host (the simulator or the real runtime) [wall-clock]\n",
	}, {
		name:        "breach in a named package",
		worldSource: "package sim\n\nfunc Step() { go Step() }\n",
		arguments:   []string{"./sim"},
		exitCode:    exitBreaches,
		stdout:      "sim/world.go:3:15: detlint: go statement starts a goroutine; simulated code runs one step at a time on the simulator's thread [goroutine]\n",
	}, {
		name:        "load error",
		worldSource: "package sim\n\nfunc Step() int { return missing }\n",
		exitCode:    exitLoadFailed,
		stderr:      "undefined: missing",
	}, {
		name:        "unknown flag",
		worldSource: "package sim\n",
		arguments:   []string{"-bogus"},
		exitCode:    exitLoadFailed,
		stderr:      "-bogus",
	}}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			root := writeModule(t, testCase.worldSource)
			var stdout, stderr bytes.Buffer
			exitCode := run(root, testCase.arguments, &stdout, &stderr)
			if exitCode != testCase.exitCode {
				t.Errorf("exit code %d, want %d (stderr: %s)", exitCode, testCase.exitCode, stderr.String())
			}
			if stdout.String() != testCase.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), testCase.stdout)
			}
			if !strings.Contains(stderr.String(), testCase.stderr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), testCase.stderr)
			}
		})
	}
}
