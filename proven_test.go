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
var small = Scenario{Workload: workloads.Named("register"), Faults: "swarm", Clients: 2, Operations: 5, FaultPhase: time.Second}

func TestRunFillsInTheWorkloadsDefaults(t *testing.T) {
	report := Run(Scenario{Workload: workloads.Named("bank")}, 3)
	want := Scenario{Workload: workloads.Named("bank"), Faults: "swarm", Clients: workloads.DefaultClients,
		Operations: workloads.DefaultOperations, FaultPhase: workloads.DefaultFaultPhase}
	if report.Scenario != want {
		t.Fatalf("scenario %+v, want %+v", report.Scenario, want)
	}
	direct := workloads.Run(workloads.Options{Seed: 3, Workload: workloads.Named("bank"), Faults: sim.FaultMode{Swarm: true}})
	if report.Fingerprint != direct.Fingerprint || report.Verdict != sim.VerdictOK {
		t.Fatalf("proven.Run %s (%s) differs from workloads.Run with its defaults %s", report.FingerprintHex(),
			report.Verdict, direct.FingerprintHex())
	}
	if mixed := Run(Scenario{}, 3); mixed.Scenario.Workload.Name() != workloads.DefaultWorkload {
		t.Fatalf("the empty workload ran %q", mixed.Scenario.Workload.Name())
	}
}

func TestRunRefusesABadScenarioWithAFailingReport(t *testing.T) {
	cases := map[string]Scenario{
		"workload":    {Workload: workloads.Named("nothing")},
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
	report, differences := ReplayFile(loaded)
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
		_, differences := ReplayFile(edited)
		if len(differences) != 1 || differences[0].Field != c.field {
			t.Errorf("edited %s: differences %v, want one in %s", c.name, differences, c.field)
		}
	}
	unrecorded := loaded
	unrecorded.Fingerprint = ""
	if _, differences := ReplayFile(unrecorded); len(differences) != 0 {
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

// plantedFailure is a real run of the small scenario turned into a
// conservation failure, as a broken engine would make it.
func plantedFailure(seed uint64) Report {
	report := Run(small, seed)
	report.Verdict, report.Failure, report.Reason = sim.VerdictFail, sim.FailureInvariant, "conservation: total 99, want 100"
	report.Checks = append(report.Checks, checkers.Result{Checker: "conservation", Verdict: checkers.VerdictIllegal,
		Anomalies: []string{"lost-update"}})
	return report
}

func TestAFailureWritesItsSeedFileAndPrintsTheCommandsThatReplayIt(t *testing.T) {
	directory := t.TempDir()
	t.Setenv(SeedDirEnvironment, directory)
	fake := &fakeTB{}
	reportFailure(fake, plantedFailure(3), "TestBank/swarm")
	if len(fake.failures) != 1 {
		t.Fatalf("failures %q", fake.failures)
	}
	path := filepath.Join(directory, "register-3.json")
	message := fake.failures[0]
	for _, want := range []string{"register seed 3 failed", "conservation: total 99", "seed file: " + path,
		"reproduce: go test -run '^TestBank$/^swarm$' -proven.replay=" + path,
		"or: proven replay " + path,
		"shrink: go test -run '^TestBank$/^swarm$' -proven.shrink=" + path} {
		if !strings.Contains(message, want) {
			t.Errorf("failure message lacks %q:\n%s", want, message)
		}
	}
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := seedfile.Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation", Anomaly: "lost-update"}
	if file.Seed != 3 || file.Expect != want || file.Scenario != (Scenario{Workload: workloads.Named("register"), Faults: "swarm",
		Clients: 2, Operations: 5, FaultPhase: time.Second}) {
		t.Fatalf("seed file %+v", file)
	}
	// The fault was planted outside the run, so a replay does not fail.
	if _, differences := ReplayFile(file); len(differences) != 1 || differences[0].Field != "expect" {
		t.Fatalf("replay of a planted failure: %v", differences)
	}
}

func TestCheckPassesWhenEverySeedPasses(t *testing.T) {
	Check(t, small, Seeds(4, 5))
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
