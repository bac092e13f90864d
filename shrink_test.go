package proven

import (
	"testing"
	"time"

	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

var (
	lostUpdate = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation", Anomaly: "lost-update"}
	otherBug   = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureLiveness}
)

// fakeRun stands in for a run with a bug that needs at least 3 clients, 7
// operations, a 1.5s fault phase and the crash family; without partitions
// the run fails differently (another failure, which the shrinker must not
// take for this one). Swarm draws every family, at intensity 0.5.
func fakeRun(runs *int) func(seedfile.File) seedfile.File {
	return func(candidate seedfile.File) seedfile.File {
		*runs++
		mode, err := sim.ParseFaults(candidate.Scenario.Faults)
		if err != nil {
			panic(err)
		}
		families := mode.Families
		if mode.Swarm {
			families = sim.FamilyAll
		}
		observed := candidate
		observed.Plan = sim.FaultPlan{Families: families, FaultPhase: candidate.Scenario.FaultPhase,
			Sites: candidate.Plan.Sites, Topology: candidate.Plan.Topology}
		for i := range sim.FamilyNames() {
			if families.Has(sim.Family(1 << i)) {
				observed.Plan.Intensity[i] = 0.5
			}
		}
		s := candidate.Scenario
		switch {
		case s.Clients < 3 || s.Operations < 7 || s.FaultPhase < 1500*time.Millisecond || !families.Has(sim.FamilyCrash):
			observed.Expect = seedfile.Outcome{Verdict: sim.VerdictOK}
		case !families.Has(sim.FamilyPartition):
			observed.Expect = otherBug
		default:
			observed.Expect = lostUpdate
		}
		return observed
	}
}

func failingFile() seedfile.File {
	return seedfile.File{Seed: 11, Scenario: Scenario{Workload: workloads.Named("bank"), Faults: "swarm", Clients: 8,
		Operations: 40, FaultPhase: 6 * time.Second}, Expect: lostUpdate}
}

func TestShrinkerReducesWhileTheSameFailurePersists(t *testing.T) {
	runs := 0
	s := &shrinker{run: fakeRun(&runs), want: lostUpdate, runsMax: 300}
	if !s.try(failingFile()) {
		t.Fatal("the original does not fail")
	}
	shrunk, steps := s.shrink()
	got := shrunk.Scenario
	if got.Clients != 3 || got.Operations != 7 || got.Faults != "partition,crash" {
		t.Fatalf("shrunk to %+v, want 3 clients, 7 operations, partition and crash\nsteps: %q", got, steps)
	}
	if got.FaultPhase < 1500*time.Millisecond || got.FaultPhase > 2*time.Second {
		t.Fatalf("fault phase %v, want within [1.5s, 2s]", got.FaultPhase)
	}
	if shrunk.Expect != lostUpdate || shrunk.Plan.Families != sim.FamilyPartition|sim.FamilyCrash || shrunk.Seed != 11 {
		t.Fatalf("shrunk file %+v", shrunk)
	}
	for _, want := range []string{"faults: loss off, now partition,dup,reorder,crash,pause,clock,disk", "faults: disk off, now partition,crash", "clients: 8 -> 4", "operations: 40 -> 20", "fault phase: 6s -> 3s"} {
		if !containsString(steps, want) {
			t.Errorf("steps lack %q: %q", want, steps)
		}
	}
	if runs != s.runs || runs > 100 {
		t.Fatalf("%d runs (counted %d)", runs, s.runs)
	}
}

// A failure that needs the tiny-batch site and logs spread over two nodes
// keeps exactly those: the other sites go, three log nodes become two.
func TestShrinkerDropsSitesAndLogNodes(t *testing.T) {
	runs := 0
	needs := fakeRun(&runs)
	run := func(candidate seedfile.File) seedfile.File {
		observed := needs(candidate)
		if !candidate.Plan.Sites.Has(sim.SiteTinyBatch) || candidate.Plan.Topology.LogNodes < 2 {
			observed.Expect = seedfile.Outcome{Verdict: sim.VerdictOK}
		}
		return observed
	}
	file := failingFile()
	file.Plan.Sites = sim.Sites(0).With(sim.SiteTinyBatch).With(sim.SiteEarlyRetry).With(sim.SiteDuplicateReply)
	file.Plan.Topology = sim.Topology{LogNodes: 3, ClockSkew: 0.5}
	s := &shrinker{run: run, want: lostUpdate, runsMax: 300}
	if !s.try(file) {
		t.Fatal("the original does not fail")
	}
	shrunk, steps := s.shrink()
	if shrunk.Plan.Sites != sim.Sites(0).With(sim.SiteTinyBatch) || shrunk.Plan.Topology != (sim.Topology{LogNodes: 2, ClockSkew: 0.5}) {
		t.Fatalf("shrunk to sites %v, topology %v; want tiny-batch on two log nodes\nsteps: %q", shrunk.Plan.Sites,
			shrunk.Plan.Topology, steps)
	}
	for _, want := range []string{"sites: early-retry off, now tiny-batch,duplicate-reply", "topology: logs:3,skew:0.50 -> logs:2,skew:0.50"} {
		if !containsString(steps, want) {
			t.Errorf("steps lack %q: %q", want, steps)
		}
	}
}

func TestShrinkerStopsAtItsRunBudget(t *testing.T) {
	runs := 0
	s := &shrinker{run: fakeRun(&runs), want: lostUpdate, runsMax: 5}
	s.try(failingFile())
	shrunk, _ := s.shrink()
	if runs != 5 || shrunk.Scenario.Clients != 8 {
		t.Fatalf("%d runs, clients %d: the budget of 5 runs was not kept", runs, shrunk.Scenario.Clients)
	}
}

func containsString(list []string, want string) bool {
	for _, item := range list {
		if item == want {
			return true
		}
	}
	return false
}
