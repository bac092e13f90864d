package proven

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// SeedRange is an inclusive range of seeds.
type SeedRange struct{ First, Last uint64 }

// Seeds is the seeds first, first+1, ..., last.
func Seeds(first, last uint64) SeedRange { return SeedRange{First: first, Last: last} }

// SeedDirEnvironment names the environment variable that says where Check
// writes seed files (e.g. PROVEN_SEED_DIR=testdata/proven); when unset
// they go to the "proven" folder of the system's temporary directory,
// which outlives the test (t.TempDir would be removed with it).
const SeedDirEnvironment = "PROVEN_SEED_DIR"

// detailLinesMax bounds the failure detail Check prints.
const detailLinesMax = 20

// Check runs each seed of the range as a subtest named "seed=N" (so
// go test -run 'TestX/seed=17' runs seed 17 alone) and stops at the first failing
// seed, which writes its seed file and fails with the path and the
// commands that replay it. The -proven.seeds and -proven.faults flags
// (PROVEN_SEEDS, PROVEN_FAULTS) widen the range or change the fault mode;
// -proven.replay=FILE and -proven.shrink=FILE (PROVEN_REPLAY,
// PROVEN_SHRINK) replay or shrink a seed file of this test's workload
// instead. Check registers the scenario's workload (see
// workloads.Register) so that its seed files can be read back. It is
// safe in parallel tests.
func Check(t *testing.T, scenario Scenario, seeds SeedRange) {
	t.Helper()
	in := currentSettings()
	scenario, err := in.apply(scenario)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	resolved, err := resolveAndRegister(scenario)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	switch {
	case in.replay != "":
		onSeedFile(t, resolved, in.replay, "-proven.replay", func(t *testing.T, path string) { Replay(t, path) })
		return
	case in.shrink != "":
		onSeedFile(t, resolved, in.shrink, "-proven.shrink", func(t *testing.T, path string) { Shrink(t, path) })
		return
	}
	if seeds, err = in.widen(seeds); err != nil {
		t.Fatalf("%v", err)
		return
	}
	if seeds.Last < seeds.First {
		t.Fatalf("proven: empty seed range %d..%d", seeds.First, seeds.Last)
		return
	}
	if seed, named := seedNamedByRun(t.Name()); named {
		seeds = Seeds(seed, seed)
	}
	for seed := seeds.First; ; seed++ {
		passed := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			if report := Run(resolved, seed); report.Verdict != sim.VerdictOK {
				reportFailure(t, report, testName(t))
			}
		})
		if !passed || seed == seeds.Last {
			return
		}
	}
}

// seedLevelPattern is a go test -run element that names one seed.
var seedLevelPattern = regexp.MustCompile(`^\^?seed=(\d+)\$?$`)

// seedNamedByRun returns the seed that go test's -run pattern names for
// the seed subtests of the test called name, when that element of the
// pattern is exactly seed=N (anchored or not): -run 'TestX/seed=17' then
// runs seed 17 alone (not 170 to 179 as well, as the regular expression
// would), in the range or not.
func seedNamedByRun(name string) (uint64, bool) {
	run := flag.Lookup("test.run")
	if run == nil {
		return 0, false
	}
	elements := strings.Split(run.Value.String(), "/")
	level := len(strings.Split(name, "/"))
	if level >= len(elements) {
		return 0, false
	}
	match := seedLevelPattern.FindStringSubmatch(elements[level])
	if match == nil {
		return 0, false
	}
	seed, err := strconv.ParseUint(match[1], 10, 64)
	return seed, err == nil
}

// resolveAndRegister resolves a scenario that Check or Fuzz runs and
// registers its workload, so that its seed files can be read back.
func resolveAndRegister(scenario Scenario) (Scenario, error) {
	resolved, err := scenario.Resolve()
	if err != nil {
		return Scenario{}, err
	}
	return resolved, register(resolved.Workload)
}

// register registers a workload unless its name is taken by it already;
// a name taken by another type is an error.
func register(w workloads.Workload) error {
	registered, err := workloads.Lookup(w.Name())
	if err != nil {
		workloads.Register(w)
		return nil
	}
	if reflect.TypeOf(registered) != reflect.TypeOf(w) {
		return fmt.Errorf("proven: workload name %q is taken by %T; name %T another way", w.Name(), registered, w)
	}
	return nil
}

// onSeedFile replays or shrinks a seed file in a subtest named after its
// seed, when the file is of this test's workload.
func onSeedFile(t *testing.T, scenario Scenario, path, flagName string, do func(t *testing.T, path string)) {
	t.Helper()
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatalf("%s: %v", flagName, err)
		return
	}
	if name := file.Scenario.Workload.Name(); name != scenario.Workload.Name() {
		t.Skipf("%s=%s is a seed file of workload %s; this test checks %s", flagName, path, name, scenario.Workload.Name())
		return
	}
	t.Run(fmt.Sprintf("seed=%d", file.Seed), func(t *testing.T) { do(t, path) })
}

// testName is the name of the test that called Check: t's name without
// its seed subtest.
func testName(t interface{ Name() string }) string {
	name := t.Name()
	if index := strings.LastIndex(name, "/seed="); index >= 0 {
		return name[:index]
	}
	return name
}

// runPattern is the go test -run pattern that selects exactly the test
// named name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, part := range parts {
		parts[i] = "^" + regexp.QuoteMeta(part) + "$"
	}
	return strings.Join(parts, "/")
}

// reportFailure writes the failing run's seed file and fails the test,
// printing the failure, the file's path and the commands that replay it:
// go test, for any workload, and the proven command for Proven's own.
func reportFailure(t testing.TB, report Report, test string) {
	t.Helper()
	directory := os.Getenv(SeedDirEnvironment)
	if directory == "" {
		directory = filepath.Join(os.TempDir(), "proven")
	}
	name := workloadName(report.Scenario)
	path := filepath.Join(directory, seedfile.Name(name, report.Seed))
	if absolute, err := filepath.Abs(path); err == nil {
		path = absolute // the commands below then work from any folder
	}
	message := fmt.Sprintf("proven: %s seed %d failed: %s: %s\n%s", name, report.Seed,
		report.Failure, report.Reason, clipped(report.Detail))
	if err := seedfile.Save(path, report.SeedFile("")); err != nil {
		t.Fatalf("%s\ncould not write the seed file: %v", message, err)
		return
	}
	message += fmt.Sprintf("\nseed file: %s\nreproduce: go test -run '%s' -proven.replay=%s", path, runPattern(test), path)
	if slices.Contains(workloads.BuiltinNames(), name) {
		message += "\n       or: proven replay " + path
	}
	t.Fatalf("%s\nshrink: go test -run '%s' -proven.shrink=%s", message, runPattern(test), path)
}

// clipped is a failure's detail, cut to detailLinesMax lines.
func clipped(detail string) string {
	lines := strings.Split(strings.TrimSpace(detail), "\n")
	if len(lines) > detailLinesMax {
		lines = append(lines[:detailLinesMax], fmt.Sprintf("... (%d more lines)", len(lines)-detailLinesMax))
	}
	return strings.Join(lines, "\n")
}
