package cluster

import (
	"testing"
	"time"

	"github.com/proven2pc/proven/sim"
)

// coverageRun runs the transfer rounds of topology_test.go under a plan and
// returns the run and its coverage.
func coverageRun(t *testing.T, seed uint64, plan sim.FaultPlan, coverage bool) (sim.Result, Coverage) {
	t.Helper()
	streams := []string{"s1", "s2", "s3"}
	c := New(Config{Seed: seed, Streams: []StreamSpec{KV("s1"), KV("s2"), KV("s3")}, FaultPlan: &plan,
		VirtualTimeMax: time.Minute, Coverage: coverage})
	defer c.World.Close()
	c.Spawn("client", transferRoundsLenient(streams, 60, 300*time.Millisecond))
	result := c.World.RunFor(plan.FaultPhase + 5*time.Second)
	return result, c.Coverage()
}

// columnsHit is the union of the columns that hit any phase.
func columnsHit(coverage Coverage) uint32 {
	var union uint32
	for _, hits := range coverage.Hits {
		union |= hits
	}
	return union
}

// Watching a run for coverage changes nothing in it; what hits is only
// what the plan has: one family, one site, the topology of spread logs.
func TestCoverageSeesOnlyThePlan(t *testing.T) {
	crash := sim.FaultPlan{Families: sim.FamilyCrash, FaultPhase: 2 * time.Second}
	crash.Intensity[familyColumn(sim.FamilyCrash)] = 1
	cases := []struct {
		name string
		plan sim.FaultPlan
		want uint32
	}{
		{"crash", crash, 1 << familyColumn(sim.FamilyCrash)},
		{"tiny-batch", sim.FaultPlan{FaultPhase: 2 * time.Second, Sites: sim.Sites(0).With(sim.SiteTinyBatch)},
			1 << (siteColumn + int(sim.SiteTinyBatch))},
		{"spread logs", sim.FaultPlan{FaultPhase: 2 * time.Second, Topology: sim.Topology{LogNodes: 3, ClockSkew: 0.5}},
			1 << topologyColumn},
		{"calm", sim.FaultPlan{FaultPhase: 2 * time.Second}, 0},
	}
	for _, c := range cases {
		var union uint32
		for seed := uint64(1); seed <= 4; seed++ {
			watched, coverage := coverageRun(t, seed, c.plan, true)
			unwatched, none := coverageRun(t, seed, c.plan, false)
			if watched.Fingerprint != unwatched.Fingerprint || watched.Verdict != sim.VerdictOK {
				t.Fatalf("%s seed %d: %s %s, fingerprint %x watched and %x not", c.name, seed, watched.Verdict,
					watched.Reason, watched.Fingerprint, unwatched.Fingerprint)
			}
			if none != (Coverage{}) {
				t.Fatalf("%s: coverage %v without Config.Coverage", c.name, none)
			}
			union |= columnsHit(coverage)
		}
		if union != c.want {
			t.Fatalf("%s: columns %b hit, want %b (of %v)", c.name, union, c.want, CoverageColumns())
		}
	}
}

// Under a crash plan, the crashes hit transactions in the operation,
// prepare and commit phases over a few seeds; a phase is named in full.
func TestCoverageNamesItsRowsAndColumns(t *testing.T) {
	if got := CoveragePhases(); len(got) != int(phaseCount) || got[PhaseSnapshotRead] != "snapshot read" {
		t.Fatalf("phases %v", got)
	}
	columns := CoverageColumns()
	if len(columns) != topologyColumn+1 || columns[0] != "partition" || columns[siteColumn] != "deadline-stamp" ||
		columns[topologyColumn] != "topology" {
		t.Fatalf("columns %v", columns)
	}
	crash := sim.FaultPlan{Families: sim.FamilyCrash, FaultPhase: 3 * time.Second}
	crash.Intensity[familyColumn(sim.FamilyCrash)] = 1
	var phases [phaseCount]bool
	for seed := uint64(1); seed <= 6; seed++ {
		_, coverage := coverageRun(t, seed, crash, true)
		for phase := range phaseCount {
			phases[phase] = phases[phase] || coverage.Hit(phase, familyColumn(sim.FamilyCrash))
		}
	}
	if !phases[PhaseOperation] || !phases[PhasePrepare] || !phases[PhaseCommit] || !phases[PhaseSnapshotRead] {
		t.Fatalf("crashes hit phases %v over 6 seeds", phases)
	}
}
