package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/workloads"
)

// A seed file run twice in one build agrees event for event.
func TestDivergeAgreesWithItself(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bank.json")
	writeSeedFileOf(t, path, "bank", 2)
	code, out, errOut := runCLI("diverge", path)
	if code != 0 || !strings.Contains(out, "the runs agree on all") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}

// writeSeedFileOf writes the seed file of one fault-free run.
func writeSeedFileOf(t *testing.T, path, workload string, seed uint64) seedfile.File {
	t.Helper()
	file := proven.Run(proven.Scenario{Workload: workloads.Named(workload), Faults: "none"}, seed).SeedFile("")
	if err := seedfile.Save(path, file); err != nil {
		t.Fatal(err)
	}
	loaded, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

// fakeBuild writes a shell script standing for another proven build:
// diverge --trace-only prints trace (or, without fingerprints, the build
// knows no diverge command and replay --trace prints it on stderr).
func fakeBuild(t *testing.T, trace []byte, fingerprinted bool) string {
	t.Helper()
	directory := t.TempDir()
	traceFile := filepath.Join(directory, "trace")
	if err := os.WriteFile(traceFile, trace, 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n"
	if fingerprinted {
		script += `[ "$1" = diverge ] && exec cat ` + traceFile + "\n"
	} else {
		script += `[ "$1" = diverge ] && { echo 'proven: unknown command "diverge"' >&2; exit 2; }` + "\n" +
			`[ "$1" = replay ] && { cat ` + traceFile + ` >&2; echo "reproduced: $3 expects ok"; exit 0; }` + "\n"
	}
	script += "exit 3\n"
	build := filepath.Join(directory, "proven-other")
	if err := os.WriteFile(build, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return build
}

// Against another build, the first event where the traces part is
// printed with the events before it: a changed event with its
// fingerprint, or against a build without fingerprints the plain lines.
func TestDivergeAgainstAnotherBuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bank.json")
	file := writeSeedFileOf(t, path, "bank", 2)
	trace := traceLines(fingerprintedTrace(file))
	changed := make([]string, 40)
	copy(changed, trace[:40])
	changed[39] = strings.Replace(changed[39], "#", "#f", 1)[:len(changed[39])]
	build := fakeBuild(t, []byte(strings.Join(changed, "\n")+"\n"), true)
	code, out, errOut := runCLI("diverge", "--against", build, "--context", "3", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 7 || !strings.Contains(lines[0], "the runs part at traced event 40 (of") ||
		lines[3] != "  "+withoutFingerprint(trace[38]) || lines[4] != "this build: "+trace[39] ||
		lines[5] != build+": "+changed[39] || !strings.Contains(lines[6], "the events read alike") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	plain := fakeBuild(t, stripFingerprints([]byte(strings.Join(trace, "\n")+"\n")), false)
	code, out, errOut = runCLI("diverge", "--against", plain, path)
	if code != 0 || !strings.Contains(out, "the runs agree on all") {
		t.Fatalf("against a build without fingerprints: exit %d:\n%s%s", code, out, errOut)
	}
	short := fakeBuild(t, stripFingerprints([]byte(strings.Join(trace[:10], "\n")+"\n")), false)
	code, out, _ = runCLI("diverge", "--against", short, "--context", "0", path)
	if code != 1 || !strings.Contains(out, short+": (the run ended)") {
		t.Fatalf("against a shorter run: exit %d:\n%s", code, out)
	}
	code, _, errOut = runCLI("diverge", "--against", filepath.Join(t.TempDir(), "missing"), path)
	if code != 2 || !strings.Contains(errOut, "missing") {
		t.Fatalf("a missing build: exit %d, %q", code, errOut)
	}
	for _, args := range [][]string{{"diverge"}, {"diverge", "a.json", "b.json"}, {"diverge", "--context", "-1", path},
		{"diverge", filepath.Join(t.TempDir(), "none.json")}} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Fatalf("%q: exit %d, want 2", args, code)
		}
	}
}
