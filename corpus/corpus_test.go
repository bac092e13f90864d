package corpus

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// updateCommand re-records the corpus's fingerprints after a deliberate
// change to the runs.
const updateCommand = "go run ./cmd/proven corpus update"

// TestCorpusReplays replays every seed file in this folder.
func TestCorpusReplays(t *testing.T) {
	paths, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("the corpus is empty: it must hold at least one regression seed per workload")
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) { checkSeedFile(t, path, "corpus/"+path) })
	}
}

// checkSeedFile fails t unless the seed file at path loads, records a
// fingerprint, and replays twice with exactly its recorded outcome and
// fingerprint. shown is the path as printed, from the repository's root.
func checkSeedFile(t testing.TB, path, shown string) {
	t.Helper()
	file, err := seedfile.Load(path)
	if err != nil {
		t.Errorf("%s does not load: %v", shown, err)
		return
	}
	if file.Fingerprint == "" {
		t.Errorf("%s records no fingerprint: record it with %s", shown, updateCommand)
	}
	report, differences := proven.ReplayFile(file)
	for _, difference := range differences {
		if difference.Field == "fingerprint" {
			t.Errorf("%s: the run changed (%s) though its outcome did not.\n"+
				"If the change is deliberate (the protocol, a workload or the simulator changed), "+
				"re-record the fingerprints with %s and say why in the commit.", shown, difference, updateCommand)
			continue
		}
		t.Errorf("%s: %s\nreproduce: go run ./cmd/proven replay %s", shown, difference, shown)
	}
	if len(differences) > 0 && report.Reason != "" {
		t.Logf("reason: %s", report.Reason)
	}
	if again, _ := proven.ReplayFile(file); again.Fingerprint != report.Fingerprint {
		t.Errorf("%s: two replays differ: fingerprints %s and %s", shown, report.FingerprintHex(), again.FingerprintHex())
	}
}

// recorder records what checkSeedFile reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, arguments ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, arguments...))
}

func (r *recorder) Logf(string, ...any) {}

// TestCheckSeedFileFailsOnEveryDifference: a file whose run is exactly
// reproduced passes; another fingerprint, no fingerprint, or another
// outcome each fail, naming the file and what to do.
func TestCheckSeedFileFailsOnEveryDifference(t *testing.T) {
	quick := proven.Scenario{Workload: workloads.Named("register"), Faults: "swarm", Clients: 2, Operations: 4, FaultPhase: 500 * time.Millisecond}
	cases := []struct {
		name  string
		edit  func(*seedfile.File)
		wants []string // substrings of the one expected error; none: no error
	}{
		{"reproduced", func(*seedfile.File) {}, nil},
		{"another fingerprint", func(f *seedfile.File) { f.Fingerprint = "0123456789abcdef" },
			[]string{"the run changed (fingerprint: want 0123456789abcdef, got ", updateCommand}},
		{"no fingerprint", func(f *seedfile.File) { f.Fingerprint = "" },
			[]string{"records no fingerprint: record it with " + updateCommand}},
		{"another outcome", func(f *seedfile.File) { f.Expect.Verdict, f.Expect.Failure = sim.VerdictFail, sim.FailureLiveness },
			[]string{"expect: want fail (liveness), got ok\nreproduce: go run ./cmd/proven replay "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := proven.Run(quick, 3).SeedFile("")
			if file.Expect.Verdict != sim.VerdictOK {
				t.Fatalf("the quick scenario's seed 3 fails: %s", file.Expect)
			}
			c.edit(&file)
			path := filepath.Join(t.TempDir(), "register-3.json")
			if err := seedfile.Save(path, file); err != nil {
				t.Fatal(err)
			}
			recorded := &recorder{}
			checkSeedFile(recorded, path, "shown/register-3.json")
			if c.wants == nil {
				if len(recorded.errors) != 0 {
					t.Fatalf("a reproduced file fails: %q", recorded.errors)
				}
				return
			}
			if len(recorded.errors) != 1 || !contains(recorded.errors[0], append(c.wants, "shown/register-3.json")...) {
				t.Fatalf("errors %q, want one naming the file and saying %q", recorded.errors, c.wants)
			}
		})
	}
}

func contains(text string, parts ...string) bool {
	for _, part := range parts {
		if !strings.Contains(text, part) {
			return false
		}
	}
	return true
}
