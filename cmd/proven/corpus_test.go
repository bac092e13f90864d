package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// saveRunIn saves the seed file of a run of quick into directory, after
// edit changes it, and returns its path and the run's fingerprint.
func saveRunIn(t *testing.T, directory string, seed uint64, edit func(*seedfile.File)) (path, fingerprint string) {
	t.Helper()
	report := proven.Run(quick, seed)
	file := report.SeedFile("")
	edit(&file)
	path = filepath.Join(directory, seedfile.Name(file.Scenario.Workload.Name(), seed))
	if err := seedfile.Save(path, file); err != nil {
		t.Fatal(err)
	}
	return path, report.FingerprintHex()
}

func TestCorpusUpdateRewritesOnlyFingerprints(t *testing.T) {
	directory := t.TempDir()
	reproduced, _ := saveRunIn(t, directory, 1, func(*seedfile.File) {})
	stale, staleWant := saveRunIn(t, directory, 2, func(f *seedfile.File) { f.Fingerprint = "0000000000000001" })
	unrecorded, unrecordedWant := saveRunIn(t, directory, 3, func(f *seedfile.File) { f.Fingerprint = "" })
	differing, _ := saveRunIn(t, directory, 4, func(f *seedfile.File) {
		f.Expect = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureLiveness}
		f.Fingerprint = "0000000000000002"
	})
	before := map[string][]byte{}
	for _, path := range []string{reproduced, differing} {
		before[path] = readFile(t, path)
	}

	code, out, errOut := runCLI("corpus", "update", directory)
	wantOut := stale + ": fingerprint 0000000000000001 -> " + staleWant + "\n" +
		unrecorded + ": fingerprint recorded: " + unrecordedWant + "\n" +
		"files=4 updated=2 unchanged=1 differing=1 bad=0\n"
	if code != 1 || out != wantOut {
		t.Fatalf("exit %d, stdout:\n%s\nwant exit 1 and:\n%s", code, out, wantOut)
	}
	if !strings.Contains(errOut, differing+": expect: want fail (liveness), got ok: not updated") ||
		!strings.Contains(errOut, "reproduce: proven replay "+differing) {
		t.Fatalf("stderr %q", errOut)
	}
	for path, data := range before {
		if string(readFile(t, path)) != string(data) {
			t.Errorf("%s was rewritten", path)
		}
	}
	for path, want := range map[string]string{stale: staleWant, unrecorded: unrecordedWant} {
		file, err := seedfile.Load(path)
		if err != nil || file.Fingerprint != want {
			t.Errorf("%s: fingerprint %q (%v), want %s", path, file.Fingerprint, err, want)
		}
		if code, _, errOut := runCLI("replay", path); code != 0 {
			t.Errorf("replay of the updated %s: exit %d: %s", path, code, errOut)
		}
	}

	code, out, _ = runCLI("corpus", "update", directory)
	if code != 1 || out != "files=4 updated=0 unchanged=3 differing=1 bad=0\n" {
		t.Fatalf("second update: exit %d, stdout %q", code, out)
	}
	if err := os.Remove(differing); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI("corpus", "update", directory); code != 0 || out != "files=3 updated=0 unchanged=3 differing=0 bad=0\n" {
		t.Fatalf("a matching corpus: exit %d, stdout %q", code, out)
	}
}

func TestCorpusUpdateExits2OnUsageErrorsAndBadFiles(t *testing.T) {
	directory := t.TempDir()
	empty := t.TempDir()
	bad := filepath.Join(directory, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format": 1, "seed": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	saveRunIn(t, directory, 1, func(*seedfile.File) {})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"corpus"}, "want proven corpus update [DIR]"},
		{[]string{"corpus", "rewrite"}, "want proven corpus update [DIR]"},
		{[]string{"corpus", "update", directory, directory}, "want proven corpus update [DIR]"},
		{[]string{"corpus", "--nope"}, "-nope"},
		{[]string{"corpus", "update", empty}, "no seed files (*.json) in " + empty},
		{[]string{"corpus", "update", filepath.Join(directory, "missing")}, "no seed files"},
		{[]string{"corpus", "update", directory}, bad + ": field scenario: missing"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
