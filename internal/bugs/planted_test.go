//go:build plantedbugs

package bugs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/proven2pc/proven/internal/bugs"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// seedsMax is how many seeds each planted bug may take to be caught.
const seedsMax = 200

// planted pairs a bug with the workload most likely to catch it.
type planted struct {
	bug      string
	workload string
}

var plantedBugs = []planted{
	{bugs.CommitAtMinPrepare, "bank"},
	{bugs.SuccessAfterDeadline, "bank"},
	{bugs.CommitAfterDeadline, "bank"},
	{bugs.TerminateWithoutWaiting, "bank"},
	{bugs.SnapshotBeforeLog, "bank"},
	{bugs.EscrowIgnoresReservations, "bank"},
}

// catch runs the workload over seeds 1..seedsMax with swarm faults and
// returns the first failing seed and its reason, or 0 when none failed.
func catch(workload string) (uint64, string) {
	for seed := uint64(1); seed <= seedsMax; seed++ {
		report := workloads.Run(workloads.Options{Seed: seed, Workload: workloads.Named(workload), Faults: sim.FaultMode{Swarm: true}})
		if report.Verdict != sim.VerdictOK {
			return seed, fmt.Sprintf("%s: %s", report.Failure, report.Reason)
		}
	}
	return 0, ""
}

func TestEveryPlantedBugIsCaught(t *testing.T) {
	if len(plantedBugs) != len(bugs.Names()) {
		t.Fatalf("%d planted bugs have a workload, want all %d", len(plantedBugs), len(bugs.Names()))
	}
	t.Cleanup(func() { _ = bugs.Enable("") })
	var table strings.Builder
	fmt.Fprintf(&table, "%-28s %-10s %s\n", "bug", "workload", "caught at seed")
	for _, entry := range plantedBugs {
		if err := bugs.Enable(entry.bug); err != nil {
			t.Fatal(err)
		}
		seed, reason := catch(entry.workload)
		if seed == 0 {
			t.Errorf("%s: not caught by %s within %d seeds", entry.bug, entry.workload, seedsMax)
			fmt.Fprintf(&table, "%-28s %-10s never\n", entry.bug, entry.workload)
			continue
		}
		firstLine, _, _ := strings.Cut(reason, "\n")
		fmt.Fprintf(&table, "%-28s %-10s %d (%s)\n", entry.bug, entry.workload, seed, firstLine)
	}
	t.Logf("planted bugs:\n%s", table.String())
}

func TestEnableRejectsAnUnknownBug(t *testing.T) {
	if err := bugs.Enable("no-such-bug"); err == nil {
		t.Fatal("Enable accepted an unknown bug")
	}
	if bugs.Enabled("no-such-bug") {
		t.Fatal("an unknown bug reads as enabled")
	}
}
