//go:build plantedbugs

package bugs_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/internal/bugs"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// seedsMax is how many seeds each planted bug may take to be caught: the
// search stops at the first catch, so a bug costs the seeds it needs
// (logged in the table), never more than this.
const seedsMax = 1000

// shrinkRunsMax bounds the runs spent shrinking a caught seed's file.
const shrinkRunsMax = 40

// planted pairs a bug with the workload most likely to catch it. When
// checks is set, only a failure of one of those history checks counts as
// caught (a run that fails otherwise, an invariant panic, is passed
// over), and the first caught seed's file must shrink.
type planted struct {
	bug      string
	workload string
	checks   []string
}

var plantedBugs = []planted{
	{bug: bugs.CommitAtMinPrepare, workload: "bank"},
	{bug: bugs.SuccessAfterDeadline, workload: "bank"},
	{bug: bugs.CommitAfterDeadline, workload: "bank"},
	{bug: bugs.TerminateWithoutWaiting, workload: "bank"},
	{bug: bugs.SnapshotBeforeLog, workload: "bank"},
	{bug: bugs.EscrowIgnoresReservations, workload: "bank"},
	{bug: bugs.DroppedRetry, workload: "list-append", checks: []string{"progress"}},
	{bug: bugs.UnacknowledgedNotRemembered, workload: "bank", checks: []string{"unique-requests"}},
	{bug: bugs.ReadLocksReleasedAtPrepare, workload: "list-append", checks: []string{"commit-order", "list-append-snapshots"}},
	{bug: bugs.DequeueSkipsUncommittedEnqueue, workload: "queue-order", checks: []string{"commit-order"}},
	{bug: bugs.SupplyReadSkipsPrepared, workload: "tokens", checks: []string{"token-supply", "commit-order"}},
	{bug: bugs.PredicateIgnoresNonKeyColumns, workload: "sql-predicates", checks: []string{"sql-replay", "group-cap"}},
	{bug: bugs.GCDropsVersionAtWatermark, workload: "queue-order", checks: []string{"commit-order"}},
	{bug: bugs.CommitTimestampPastDeadline, workload: "bank", checks: []string{"conservation", "atomicity"}},
	{bug: bugs.CommitAtDeadlineLate, workload: "bank", checks: []string{"atomicity"}},
}

// caught reports whether a report counts as catching the bug, and by
// which check.
func caught(entry planted, report proven.Report) (bool, string) {
	if report.Verdict == sim.VerdictOK {
		return false, ""
	}
	outcome := report.Outcome()
	if entry.checks == nil {
		return true, firstLine(string(report.Failure) + ": " + report.Reason)
	}
	return slices.Contains(entry.checks, outcome.Checker), outcome.Checker
}

func firstLine(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return line
}

// catch runs the workload over seeds 1..seedsMax with swarm faults and
// returns the first report that catches the bug, or false.
func catch(entry planted) (proven.Report, string, bool) {
	for seed := uint64(1); seed <= seedsMax; seed++ {
		report := proven.Run(proven.Scenario{Workload: workloads.Named(entry.workload), Faults: "swarm"}, seed)
		if ok, by := caught(entry, report); ok {
			return report, by, true
		}
	}
	return proven.Report{}, "", false
}

func TestEveryPlantedBugIsCaught(t *testing.T) {
	if len(plantedBugs) != len(bugs.Names()) {
		t.Fatalf("%d planted bugs have a workload, want all %d", len(plantedBugs), len(bugs.Names()))
	}
	t.Cleanup(func() { _ = bugs.Enable("") })
	var table strings.Builder
	fmt.Fprintf(&table, "%-34s %-15s %-6s %s\n", "bug", "workload", "seed", "caught by")
	for _, entry := range plantedBugs {
		if err := bugs.Enable(entry.bug); err != nil {
			t.Fatal(err)
		}
		report, by, ok := catch(entry)
		if !ok {
			t.Errorf("%s: not caught by %s within %d seeds (by %v)", entry.bug, entry.workload, seedsMax, entry.checks)
			fmt.Fprintf(&table, "%-34s %-15s %-6s\n", entry.bug, entry.workload, "never")
			continue
		}
		fmt.Fprintf(&table, "%-34s %-15s %-6d %s\n", entry.bug, entry.workload, report.Seed, by)
		if entry.checks != nil {
			checkShrinks(t, entry, report)
		}
	}
	t.Logf("planted bugs:\n%s", table.String())
}

// checkShrinks shrinks the caught seed's file and checks that something
// was reduced and the smaller run fails the same way.
func checkShrinks(t *testing.T, entry planted, report proven.Report) {
	t.Helper()
	file := report.SeedFile("")
	shrunk, err := proven.ShrinkFile(file, shrinkRunsMax)
	if err != nil {
		t.Errorf("%s: seed %d does not shrink: %v", entry.bug, report.Seed, err)
		return
	}
	if len(shrunk.Steps) == 0 || shrunk.File.Expect != file.Expect {
		t.Errorf("%s: seed %d: shrinking reduced %v, expecting %s (was %s)", entry.bug, report.Seed, shrunk.Steps,
			shrunk.File.Expect, file.Expect)
		return
	}
	t.Logf("%s: seed %d shrinks in %d runs: %s", entry.bug, report.Seed, shrunk.Runs, strings.Join(shrunk.Steps, "; "))
}

func TestEnableRejectsAnUnknownBug(t *testing.T) {
	if err := bugs.Enable("no-such-bug"); err == nil {
		t.Fatal("Enable accepted an unknown bug")
	}
	if bugs.Enabled("no-such-bug") {
		t.Fatal("an unknown bug reads as enabled")
	}
}
