package proven

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"go.uber.org/goleak"
)

// fakeTB records what Check reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	failures []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, arguments ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, arguments...))
}

// small is a quick scenario: every test run of it takes a few milliseconds.
var small = Scenario{Workload: "register", Faults: "swarm", Clients: 2, Operations: 5, FaultPhase: time.Second}

func TestRunFillsInTheWorkloadsDefaults(t *testing.T) {
	report := Run(Scenario{Workload: "bank"}, 3)
	want := Scenario{Workload: "bank", Faults: "none", Clients: workloads.DefaultClients,
		Operations: workloads.DefaultOperations, FaultPhase: workloads.DefaultFaultPhase}
	if report.Scenario != want {
		t.Fatalf("scenario %+v, want %+v", report.Scenario, want)
	}
	direct := workloads.Run(workloads.Options{Seed: 3, Workload: "bank"})
	if report.Fingerprint != direct.Fingerprint || report.Verdict != sim.VerdictOK {
		t.Fatalf("proven.Run %s (%s) differs from workloads.Run with its defaults %s", report.FingerprintHex(),
			report.Verdict, direct.FingerprintHex())
	}
	if mixed := Run(Scenario{}, 3); mixed.Scenario.Workload != workloads.DefaultWorkload {
		t.Fatalf("the empty workload ran %q", mixed.Scenario.Workload)
	}
}

func TestRunRefusesABadScenarioWithAFailingReport(t *testing.T) {
	cases := map[string]Scenario{
		"workload":    {Workload: "nothing"},
		"clients":     {Clients: -1},
		"operations":  {Operations: 1_000_000},
		"fault_phase": {FaultPhase: -time.Second},
		"faults":      {Faults: "meteor"},
	}
	for field, scenario := range cases {
		report := Run(scenario, 1)
		if report.Verdict != sim.VerdictFail || !strings.Contains(report.Reason, field+":") {
			t.Errorf("%s: verdict %s, reason %q", field, report.Verdict, report.Reason)
		}
	}
}

func TestReplayReproducesARunAndNamesEachDifference(t *testing.T) {
	file := Run(small, 5).SeedFile("")
	if file.Expect.Verdict != sim.VerdictOK || file.Fingerprint == "" || !strings.Contains(file.Description, "register") {
		t.Fatalf("seed file %+v", file)
	}
	data, err := file.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := seedfile.Parse("replay.json", data)
	if err != nil {
		t.Fatal(err)
	}
	report, differences := Replay(loaded)
	if len(differences) != 0 || report.FingerprintHex() != file.Fingerprint {
		t.Fatalf("replay differs: %v", differences)
	}
	edits := []struct {
		name, field string
		edit        func(*seedfile.File)
	}{
		{"expect", "expect", func(f *seedfile.File) {
			f.Expect = seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureLiveness}
		}},
		{"fingerprint", "fingerprint", func(f *seedfile.File) { f.Fingerprint = "0123456789abcdef" }},
		// The recorded plan is applied, so an edited plan is another run.
		{"faults.plan", "fingerprint", func(f *seedfile.File) { f.Plan.Intensity[0] += 0.001; f.Plan.Families |= sim.FamilyPartition }},
	}
	for _, c := range edits {
		edited := loaded
		c.edit(&edited)
		_, differences := Replay(edited)
		if len(differences) != 1 || differences[0].Field != c.field {
			t.Errorf("edited %s: differences %v, want one in %s", c.name, differences, c.field)
		}
	}
	unrecorded := loaded
	unrecorded.Fingerprint = ""
	if _, differences := Replay(unrecorded); len(differences) != 0 {
		t.Fatalf("a file without a fingerprint: %v", differences)
	}
}

func TestOutcomeNamesTheFirstIllegalCheckAndItsFirstAnomaly(t *testing.T) {
	report := Report{Report: workloads.Report{Result: sim.Result{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant},
		Checks: []checkers.Result{{Checker: "a", Verdict: checkers.VerdictUnknown},
			{Checker: "b", Verdict: checkers.VerdictIllegal, Anomalies: []string{"G0", "G1c"}},
			{Checker: "c", Verdict: checkers.VerdictIllegal, Anomalies: []string{"G2"}}}}}
	want := seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "b", Anomaly: "G0"}
	if got := report.Outcome(); got != want {
		t.Fatalf("outcome %+v, want %+v", got, want)
	}
	world := Report{Report: workloads.Report{Result: sim.Result{Verdict: sim.VerdictFail, Failure: sim.FailurePanic}}}
	if got := world.Outcome(); got != (seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailurePanic}) {
		t.Fatalf("a world failure: %+v", got)
	}
}

func TestCheckPassesWhenEverySeedPasses(t *testing.T) {
	fake := &fakeTB{}
	ran := 0
	check(fake, small, Seeds(1, 3), func(scenario Scenario, seed uint64) Report { ran++; return Run(scenario, seed) })
	if len(fake.failures) != 0 || ran != 3 {
		t.Fatalf("ran %d seeds, failures %q", ran, fake.failures)
	}
	Check(t, small, Seeds(4, 5))
}

// failingAt runs the scenario, but turns the run of one seed into a
// conservation failure, as a broken engine would.
func failingAt(failingSeed uint64, ran *[]uint64) func(Scenario, uint64) Report {
	return func(scenario Scenario, seed uint64) Report {
		*ran = append(*ran, seed)
		report := Run(scenario, seed)
		if seed == failingSeed {
			report.Verdict, report.Failure, report.Reason = sim.VerdictFail, sim.FailureInvariant, "conservation: total 99, want 100"
			report.Checks = append(report.Checks, checkers.Result{Checker: "conservation", Verdict: checkers.VerdictIllegal,
				Anomalies: []string{"lost-update"}})
		}
		return report
	}
}

func TestCheckFailsWithTheSeedFilePathAndTheReplayCommand(t *testing.T) {
	directory := t.TempDir()
	t.Setenv(SeedDirEnvironment, directory)
	fake := &fakeTB{}
	var ran []uint64
	check(fake, small, Seeds(1, 10), failingAt(3, &ran))
	if len(ran) != 3 {
		t.Fatalf("ran seeds %v, want it to stop at the failing seed 3", ran)
	}
	if len(fake.failures) != 1 {
		t.Fatalf("failures %q", fake.failures)
	}
	path := filepath.Join(directory, "register-3.json")
	message := fake.failures[0]
	for _, want := range []string{"seed 3 failed", "conservation: total 99", "seed file: " + path,
		"reproduce: go run ./cmd/proven replay " + path} {
		if !strings.Contains(message, want) {
			t.Errorf("failure message lacks %q:\n%s", want, message)
		}
	}
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation", Anomaly: "lost-update"}
	if file.Seed != 3 || file.Expect != want || file.Scenario != (Scenario{Workload: "register", Faults: "swarm",
		Clients: 2, Operations: 5, FaultPhase: time.Second}) {
		t.Fatalf("seed file %+v", file)
	}
	// The fault was planted outside the run, so a replay does not fail.
	if _, differences := Replay(file); len(differences) != 1 || differences[0].Field != "expect" {
		t.Fatalf("replay of a planted failure: %v", differences)
	}
}

func TestCheckRefusesABadScenarioAndAnEmptyRange(t *testing.T) {
	fake := &fakeTB{}
	check(fake, Scenario{Workload: "nothing"}, Seeds(1, 2), func(Scenario, uint64) Report {
		t.Fatal("ran a bad scenario")
		return Report{}
	})
	check(fake, small, Seeds(2, 1), func(Scenario, uint64) Report {
		t.Fatal("ran an empty range")
		return Report{}
	})
	if len(fake.failures) != 2 || !strings.Contains(fake.failures[0], `unknown workload "nothing"`) ||
		!strings.Contains(fake.failures[1], "empty seed range 2..1") {
		t.Fatalf("failures %q", fake.failures)
	}
}

func TestCheckStopsAtTheLastSeedOfTheWholeRange(t *testing.T) {
	fake := &fakeTB{}
	ran := 0
	last := ^uint64(0)
	check(fake, small, Seeds(last-1, last), func(scenario Scenario, seed uint64) Report {
		ran++
		return Report{Report: workloads.Report{Result: sim.Result{Seed: seed, Verdict: sim.VerdictOK}}}
	})
	if ran != 2 || len(fake.failures) != 0 {
		t.Fatalf("ran %d, failures %q", ran, fake.failures)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
