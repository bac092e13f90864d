package proven

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// tallyWorkload is a workload of a user's, as small as one can be: a
// world with no server, whose clients add one to a tally. Its check fails
// at one seed (FailAt; 0: never), as a bug found by that seed would.
type tallyWorkload struct{ FailAt uint64 }

func (tallyWorkload) Name() string { return "test-tally" }

// The parent test process reads the seed files its children write, so it
// registers the workload as a user's test binary would.
func init() { workloads.Register(tallyWorkload{}) }

func (w tallyWorkload) Build(b *workloads.Builder) {
	b.World(sim.Config{})
	total := int64(0)
	b.Operation(func(c workloads.Client) {
		pending := workloads.Invoke(c, "add", "tally", value.Int(1))
		c.Sleep(time.Duration(c.Rand().IntN(10)) * time.Millisecond)
		total++
		pending.OK(value.Int(total))
	})
	seed := b.Seed()
	b.Check("tally", func(history checkers.History) (checkers.Result, error) {
		if seed == w.FailAt {
			return checkers.Result{Verdict: checkers.VerdictIllegal, Explanation: "planted failure",
				Anomalies: []string{"planted"}}, nil
		}
		return checkers.Result{Verdict: checkers.VerdictOK}, nil
	})
}

// fixtureEnvironment says which fixture a child test process runs.
const fixtureEnvironment = "PROVEN_TEST_FIXTURE"

var tallyScenario = Scenario{Workload: tallyWorkload{FailAt: 3}, Faults: "swarm", Clients: 2, Operations: 3,
	FaultPhase: time.Second}

// TestFixtureCheck is run by the tests below in a child process (it does
// nothing in the parent): a Check over seeds 1..5 that fails at seed 3.
func TestFixtureCheck(t *testing.T) {
	if os.Getenv(fixtureEnvironment) != "check" {
		return
	}
	Check(t, tallyScenario, Seeds(1, 5))
}

// FuzzFixture is run by the tests below in a child process: the fuzz
// bridge over the tally workload, failing at seed 2.
func FuzzFixture(f *testing.F) {
	if os.Getenv(fixtureEnvironment) != "fuzz" {
		f.Fuzz(func(*testing.T, uint64, []byte) {})
		return
	}
	Fuzz(f, Scenario{Workload: tallyWorkload{FailAt: 2}, Clients: 2, Operations: 3, FaultPhase: time.Second})
}

// child runs this test binary on one fixture and returns its output and
// whether it passed.
func child(t *testing.T, fixture, seedDirectory string, environment []string, arguments ...string) (string, bool) {
	t.Helper()
	command := exec.Command(os.Args[0], append([]string{"-test.v", "-test.count=1"}, arguments...)...)
	command.Env = append(os.Environ(), fixtureEnvironment+"="+fixture, SeedDirEnvironment+"="+seedDirectory)
	command.Env = append(command.Env, environment...)
	output, err := command.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running the fixture: %v", err)
	}
	return string(output), err == nil
}

// seedsRun lists the seed subtests that ran, with their verdicts.
func seedsRun(output string) []string {
	pattern := regexp.MustCompile(`--- (PASS|FAIL|SKIP): \S+/seed=(\d+)`)
	var runs []string
	for _, match := range pattern.FindAllStringSubmatch(output, -1) {
		runs = append(runs, match[2]+":"+match[1])
	}
	return runs
}

func TestCheckRunsASubtestPerSeedAndStopsAtTheFirstFailure(t *testing.T) {
	directory := t.TempDir()
	output, passed := child(t, "check", directory, nil, "-test.run=^TestFixtureCheck$")
	if passed {
		t.Fatalf("the fixture passed:\n%s", output)
	}
	if runs := seedsRun(output); !slices.Equal(runs, []string{"1:PASS", "2:PASS", "3:FAIL"}) {
		t.Fatalf("seed subtests %v, want 1 and 2 passing, 3 failing and no more:\n%s", runs, output)
	}
	path := filepath.Join(directory, "test-tally-3.json")
	for _, want := range []string{"proven: test-tally seed 3 failed: invariant: tally: planted failure",
		"seed file: " + path, "reproduce: go test -run '^TestFixtureCheck$' -proven.replay=" + path,
		"shrink: go test -run '^TestFixtureCheck$' -proven.shrink=" + path} {
		if !strings.Contains(output, want) {
			t.Errorf("output lacks %q:\n%s", want, output)
		}
	}
	if strings.Contains(output, "or: proven replay") {
		t.Errorf("the proven command cannot replay a workload of a user's, yet it was offered:\n%s", output)
	}
	file, err := seedfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if file.Scenario.Workload != (tallyWorkload{FailAt: 3}) || file.Expect.Checker != "tally" || file.Expect.Anomaly != "planted" {
		t.Fatalf("seed file %+v", file)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"parameters": {`) || !strings.Contains(string(data), `"FailAt": 3`) {
		t.Fatalf("the seed file does not record the workload's parameters:\n%s", data)
	}
}

func TestOneSeedRunsAlone(t *testing.T) {
	cases := []struct {
		arguments []string
		seed      string
	}{
		{[]string{"-test.run=^TestFixtureCheck$/^seed=2$"}, "2"},
		// Unanchored, seed=1 would match 10, 11 and 12 as well.
		{[]string{"-test.run=TestFixtureCheck/seed=1", "-proven.seeds=12"}, "1"},
		// A seed outside the test's range runs too, when named alone.
		{[]string{"-test.run=TestFixtureCheck/seed=40"}, "40"},
	}
	for _, c := range cases {
		output, passed := child(t, "check", t.TempDir(), nil, c.arguments...)
		if runs := seedsRun(output); !passed || !slices.Equal(runs, []string{c.seed + ":PASS"}) {
			t.Fatalf("%s: passed=%t, seed subtests %v, want only seed %s:\n%s", c.arguments, passed, runs, c.seed, output)
		}
	}
}

func TestSeedsAndFaultsWidenOrChangeTheCampaign(t *testing.T) {
	cases := []struct {
		name        string
		environment []string
		arguments   []string
		runs        []string
	}{
		{"a count of seeds", nil, []string{"-proven.seeds=2"}, []string{"1:PASS", "2:PASS"}},
		{"a range from the environment", []string{"PROVEN_SEEDS=4..6"}, nil, []string{"4:PASS", "5:PASS", "6:PASS"}},
		{"the flag wins over the environment", []string{"PROVEN_SEEDS=4..6"}, []string{"-proven.seeds=9..9"}, []string{"9:PASS"}},
		{"a fault mode", nil, []string{"-proven.seeds=1", "-proven.faults=crash,clock"}, []string{"1:PASS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			output, passed := child(t, "check", t.TempDir(), c.environment, append([]string{"-test.run=^TestFixtureCheck$"}, c.arguments...)...)
			if runs := seedsRun(output); !passed || !slices.Equal(runs, c.runs) {
				t.Fatalf("passed=%t, seed subtests %v, want %v:\n%s", passed, runs, c.runs, output)
			}
		})
	}
	for _, bad := range []struct{ argument, want string }{
		{"-proven.seeds=many", "-proven.seeds=many: want a count of seeds (5000) or a range of them (1..5000)"},
		{"-proven.seeds=9..1", "-proven.seeds=9..1: want a count"},
		{"-proven.faults=meteor", `-proven.faults=meteor: sim: bad faults: unknown fault family "meteor"`},
	} {
		output, passed := child(t, "check", t.TempDir(), nil, "-test.run=^TestFixtureCheck$", bad.argument)
		if passed || !strings.Contains(output, bad.want) {
			t.Errorf("%s: passed=%t, want a failure saying %q:\n%s", bad.argument, passed, bad.want, output)
		}
	}
}

// The failing seed's file replays and shrinks through the test that
// found it, flag or environment variable alike.
func TestAFailingSeedFileReplaysAndShrinksThroughGoTest(t *testing.T) {
	directory := t.TempDir()
	child(t, "check", directory, nil, "-test.run=^TestFixtureCheck$")
	path := filepath.Join(directory, "test-tally-3.json")
	for _, how := range [][]string{{"-proven.replay=" + path}, {"PROVEN_REPLAY=" + path}} {
		var environment, arguments []string
		if strings.HasPrefix(how[0], "-") {
			arguments = how
		} else {
			environment = how
		}
		output, passed := child(t, "check", t.TempDir(), environment, append([]string{"-test.run=^TestFixtureCheck$"}, arguments...)...)
		if runs := seedsRun(output); !passed || !slices.Equal(runs, []string{"3:PASS"}) || !strings.Contains(output, "replay "+path) {
			t.Fatalf("%s: passed=%t, seed subtests %v:\n%s", how, passed, runs, output)
		}
	}
	output, passed := child(t, "check", t.TempDir(), nil, "-test.run=^TestFixtureCheck$", "-proven.shrink="+path)
	if !passed || !strings.Contains(output, "shrunk "+path) {
		t.Fatalf("shrink: passed=%t:\n%s", passed, output)
	}
	shrunk, err := seedfile.Load(seedfile.ShrunkName(path))
	if err != nil {
		t.Fatal(err)
	}
	if shrunk.Scenario.Clients != 1 || shrunk.Scenario.Operations != 1 || shrunk.Plan.Families != 0 || shrunk.Expect.Anomaly != "planted" {
		t.Fatalf("the planted failure needs no clients, operations or faults, yet shrunk to %+v, plan %s", shrunk.Scenario, shrunk.Plan)
	}
}

func TestReplayInsideAnotherWorkloadsTestSkips(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register-5.json")
	if err := seedfile.Save(path, Run(small, 5).SeedFile("")); err != nil {
		t.Fatal(err)
	}
	output, passed := child(t, "check", t.TempDir(), nil, "-test.run=^TestFixtureCheck$", "-proven.replay="+path)
	if !passed || !strings.Contains(output, "is a seed file of workload register; this test checks test-tally") {
		t.Fatalf("passed=%t:\n%s", passed, output)
	}
}

func TestFuzzSeedCorpusRunsAndAFailingInputWritesASeedFile(t *testing.T) {
	directory := t.TempDir()
	output, passed := child(t, "fuzz", directory, nil, "-test.run=^FuzzFixture$")
	if passed || !strings.Contains(output, "proven: test-tally seed 2 failed") {
		t.Fatalf("passed=%t, want seed 2 of the corpus to fail:\n%s", passed, output)
	}
	// Three corpus entries per seed: those of seeds 1 and 3 pass.
	if passes, failures := strings.Count(output, "--- PASS: FuzzFixture/seed#"), strings.Count(output, "--- FAIL: FuzzFixture/seed#"); passes != 6 || failures != 3 {
		t.Errorf("%d corpus entries passed and %d failed, want 6 and 3:\n%s", passes, failures, output)
	}
	file, err := seedfile.Load(filepath.Join(directory, "test-tally-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, differences := ReplayFile(file); len(differences) != 0 {
		t.Fatalf("the fuzz input's seed file does not replay: %v", differences)
	}
}

func TestFaultPlanFromBytes(t *testing.T) {
	cases := []struct {
		faults []byte
		want   string
	}{
		{nil, "none sites=none topology=single"},
		{[]byte{0}, "none sites=none topology=single"},
		{[]byte{byte(sim.FamilyCrash | sim.FamilyLoss)}, "loss:0.50,crash:0.50 sites=none topology=single"},
		{[]byte{byte(sim.FamilyLoss), 255, 51}, "loss:0.20 sites=none topology=single"},
		{[]byte{byte(sim.FamilyAll), 0, 255, 0, 0, 0, 0, 0, 255}, "partition:0.00,loss:1.00,dup:0.00,reorder:0.00,crash:0.00,pause:0.00,clock:0.00,disk:1.00 sites=none topology=single"},
		{[]byte{byte(sim.FamilyLoss), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 3}, "loss:0.00 sites=deadline-stamp,coarse-clock,tiny-batch,early-retry,short-timeout,duplicate-reply topology=single"},
		{[]byte{byte(sim.FamilyLoss), 0, 0, 0, 0, 0, 0, 0, 0, 0b101, 2}, "loss:0.00 sites=deadline-stamp,tiny-batch topology=logs:3,skew:0.50"},
		{[]byte{byte(sim.FamilyLoss), 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 51}, "loss:0.00 sites=none topology=logs:2,skew:0.20"},
	}
	for _, c := range cases {
		plan := FaultPlanFromBytes(c.faults, time.Second)
		got := plan.String() + " sites=" + plan.Sites.String() + " topology=" + plan.Topology.String()
		if got != c.want || plan.FaultPhase != time.Second {
			t.Errorf("%v: plan %s for %v, want %s", c.faults, got, plan.FaultPhase, c.want)
		}
	}
}

func TestRunPatternSelectsExactlyTheTest(t *testing.T) {
	cases := map[string]string{
		"TestBank":                "^TestBank$",
		"TestBank/swarm":          "^TestBank$/^swarm$",
		"TestBank/a.b(c)/seed=17": "^TestBank$/^a\\.b\\(c\\)$/^seed=17$",
	}
	for name, want := range cases {
		if got := runPattern(name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if got := testName(fakeNamed("TestBank/swarm/seed=4")); got != "TestBank/swarm" {
		t.Errorf("testName %s", got)
	}
}

type fakeNamed string

func (f fakeNamed) Name() string { return string(f) }

func TestRegisterRefusesANameTakenByAnotherType(t *testing.T) {
	if err := register(tallyWorkload{}); err != nil {
		t.Fatal(err)
	}
	if err := register(tallyWorkload{FailAt: 9}); err != nil {
		t.Fatalf("the same type again: %v", err)
	}
	err := register(bankImpostor{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf(`workload name "bank" is taken by %T`, workloads.Named("bank"))) {
		t.Fatalf("error %v", err)
	}
}

type bankImpostor struct{}

func (bankImpostor) Name() string               { return "bank" }
func (bankImpostor) Build(b *workloads.Builder) {}

// Check in parallel tests: each has its own worlds; they share only the
// registry and the flags. Run under -race, this is the test that would
// see them collide.
func TestCheckInParallelTests(t *testing.T) {
	for _, scenario := range []Scenario{
		{Workload: tallyWorkload{}, Faults: "swarm", Clients: 2, Operations: 3},
		{Workload: tallyWorkload{}, Faults: "all", Clients: 3, Operations: 2},
		small,
	} {
		t.Run(workloadName(scenario)+"/"+scenario.Faults, func(t *testing.T) {
			t.Parallel()
			Check(t, scenario, Seeds(1, 3))
		})
	}
}
