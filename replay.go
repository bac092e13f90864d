package proven

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// Replay re-runs a seed file's run inside a test (ReplayFile) and fails
// the test when the run differs from the file: another outcome, or
// another fingerprint when the file records one. A file that expects a
// failure passes when the failure is reproduced; its reason and detail
// are logged. This is how a workload of your own replays: the proven
// command cannot link your code, your test binary can (register the
// workload first, see workloads.Register, or replay through Check with
// -proven.replay=FILE).
func Replay(t testing.TB, path string) Report {
	t.Helper()
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatalf("%v", err)
		return Report{}
	}
	report, differences := ReplayFile(file)
	t.Logf("replay %s: %s", path, summary(report))
	if report.Verdict != sim.VerdictOK {
		t.Logf("%s: %s\n%s", report.Failure, report.Reason, clipped(report.Detail))
	}
	for _, difference := range differences {
		t.Errorf("replay %s: %s differs: %s", path, difference.Field, difference)
	}
	return report
}

// summary is one line on a run: seed, workload, verdict, fingerprint and
// the checks' verdicts.
func summary(report Report) string {
	text := fmt.Sprintf("seed=%d workload=%s verdict=%s events=%d virtual=%s fingerprint=%s faults=%s",
		report.Seed, workloadName(report.Scenario), report.Verdict, report.Events,
		time.Duration(report.VirtualNanos), report.FingerprintHex(), report.Plan)
	for _, result := range report.Checks {
		text += fmt.Sprintf(" %s=%s", result.Checker, result.Verdict)
	}
	return text
}

// shrinkRunsMax is the runs one Shrink may spend.
const shrinkRunsMax = 300

// Shrink reduces the run of a failing seed file while it fails the same
// way (see ShrinkFile) and writes the result beside it
// (<name>.shrunk.json), logging each reduction; it fails the test when
// the file does not fail as recorded. As Replay, it runs a workload of
// your own from your own test binary.
func Shrink(t testing.TB, path string) seedfile.File {
	t.Helper()
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatalf("%v", err)
		return seedfile.File{}
	}
	file.Description = ShrunkDescription(path, file.Description)
	shrunk, err := ShrinkFile(file, shrinkRunsMax)
	if err != nil {
		t.Fatalf("shrink %s: %v", path, err)
		return seedfile.File{}
	}
	target := seedfile.ShrunkName(path)
	if err := seedfile.Save(target, shrunk.File); err != nil {
		t.Fatalf("%v", err)
		return seedfile.File{}
	}
	t.Logf("shrunk %s in %d runs:\n%s\nwrote %s", path, shrunk.Runs, strings.Join(shrunk.Steps, "\n"), target)
	return shrunk.File
}

// ShrunkDescription is a shrunk seed file's description: where it was
// shrunk from, then the original's.
func ShrunkDescription(path, description string) string {
	return fmt.Sprintf("shrunk from %s: %s", filepath.Base(path), description)
}
