package proven

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// Scenario names a workload and its parameters. Zero fields take the
// defaults below; Report.Scenario and seed files hold them filled in.
type Scenario struct {
	// Workload is one of workloads.Names(); "" means "mixed".
	Workload string
	// Faults is "none" (also ""), "all", "swarm", or a comma list of fault
	// families (sim.FamilyNames).
	Faults string
	// Clients is the number of client processes (0 means 4).
	Clients int
	// Operations is the number of operations per client (0 means 20).
	Operations int
	// FaultPhase is how long faults last before healing (0 means 4s).
	FaultPhase time.Duration
	// Trace, when set, receives one line per simulator event. It changes
	// nothing in the run and is not part of a seed file.
	Trace io.Writer
}

// Limits of a Scenario (its defaults are the workloads package's).
const (
	clientsMax    = 64
	operationsMax = 10_000
	faultPhaseMax = 2 * time.Minute
)

// ErrBadScenario reports a scenario field out of range or unknown.
var ErrBadScenario = errors.New("proven: bad scenario")

// resolve fills in the defaults, normalizes Faults and checks every field.
func (s Scenario) resolve() (Scenario, error) {
	if s.Workload == "" {
		s.Workload = workloads.DefaultWorkload
	}
	if s.Clients == 0 {
		s.Clients = workloads.DefaultClients
	}
	if s.Operations == 0 {
		s.Operations = workloads.DefaultOperations
	}
	if s.FaultPhase == 0 {
		s.FaultPhase = workloads.DefaultFaultPhase
	}
	if field, problem := s.problem(); field != "" {
		return Scenario{}, fmt.Errorf("%w: %s: %s", ErrBadScenario, field, problem)
	}
	mode, _ := sim.ParseFaults(s.Faults)
	s.Faults = mode.String()
	return s, nil
}

// problem names the first bad field (its seed file name) and what is
// wrong with it, or returns "" when every field is good.
func (s Scenario) problem() (field, problem string) {
	switch {
	case !slices.Contains(workloads.Names(), s.Workload):
		return "workload", fmt.Sprintf("unknown workload %q (want one of: %s)", s.Workload, strings.Join(workloads.Names(), ", "))
	case s.Clients < 1 || s.Clients > clientsMax:
		return "clients", fmt.Sprintf("%d is not between 1 and %d", s.Clients, clientsMax)
	case s.Operations < 1 || s.Operations > operationsMax:
		return "operations", fmt.Sprintf("%d is not between 1 and %d", s.Operations, operationsMax)
	case s.FaultPhase <= 0 || s.FaultPhase > faultPhaseMax:
		return "fault_phase", fmt.Sprintf("%v is not above 0 and at most %v", s.FaultPhase, faultPhaseMax)
	}
	if _, err := sim.ParseFaults(s.Faults); err != nil {
		return "faults", err.Error()
	}
	return "", ""
}

func (s Scenario) options(seed uint64) workloads.Options {
	mode, _ := sim.ParseFaults(s.Faults)
	return workloads.Options{Seed: seed, Workload: s.Workload, Faults: mode, Clients: s.Clients,
		Operations: s.Operations, FaultPhase: s.FaultPhase, Trace: s.Trace}
}

// Report is one run's outcome: the workloads report and the scenario that
// ran, with its defaults filled in.
type Report struct {
	workloads.Report
	Scenario Scenario
}

// Run runs one seed of a scenario. A bad scenario gives a failing report
// whose reason names the bad field.
func Run(scenario Scenario, seed uint64) Report {
	resolved, err := scenario.resolve()
	if err != nil {
		return Report{Scenario: scenario, Report: workloads.Report{Workload: scenario.Workload,
			Result: sim.Result{Seed: seed, Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Reason: err.Error()}}}
	}
	return Report{Report: workloads.Run(resolved.options(seed)), Scenario: resolved}
}

// Run runs the seed file's run with its recorded fault plan, so that a
// swarm seed replays exactly and a shrunk plan keeps the strengths of the
// families left on.
func (f SeedFile) Run() Report {
	resolved, err := f.Scenario.resolve()
	if err != nil {
		return Report{Scenario: f.Scenario, Report: workloads.Report{Workload: f.Scenario.Workload,
			Result: sim.Result{Seed: f.Seed, Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Reason: err.Error()}}}
	}
	options := resolved.options(f.Seed)
	plan := f.Plan
	options.Plan = &plan
	return Report{Report: workloads.Run(options), Scenario: resolved}
}

// Outcome is the run's verdict and, for a failure, which one.
func (r Report) Outcome() Outcome {
	if r.Verdict == sim.VerdictOK {
		return Outcome{Verdict: sim.VerdictOK}
	}
	outcome := Outcome{Verdict: r.Verdict, Failure: r.Failure}
	index := slices.IndexFunc(r.Checks, func(result checkers.Result) bool { return result.Verdict == checkers.VerdictIllegal })
	if index >= 0 {
		outcome.Checker = r.Checks[index].Checker
		if len(r.Checks[index].Anomalies) > 0 {
			outcome.Anomaly = r.Checks[index].Anomalies[0]
		}
	}
	return outcome
}

// SeedFile describes this run as a seed file expecting its outcome. An
// empty description gets a generated one.
func (r Report) SeedFile(description string) SeedFile {
	outcome := r.Outcome()
	if description == "" {
		description = fmt.Sprintf("%s with faults %s: %s", r.Scenario.Workload, r.Scenario.Faults, outcome)
		if r.Reason != "" {
			description += ": " + r.Reason
		}
	}
	description = strings.Join(strings.Fields(description), " ")
	if len(description) > descriptionBytesMax {
		description = description[:descriptionBytesMax-3] + "..."
	}
	scenario := r.Scenario
	scenario.Trace = nil
	return SeedFile{Seed: r.Seed, Description: description, Scenario: scenario, Plan: r.Plan,
		Expect: outcome, Fingerprint: r.FingerprintHex()}
}

// SeedRange is an inclusive range of seeds.
type SeedRange struct{ First, Last uint64 }

// Seeds is the seeds first, first+1, ..., last.
func Seeds(first, last uint64) SeedRange { return SeedRange{First: first, Last: last} }

// SeedDirEnvironment names the environment variable that says where Check
// writes seed files (e.g. PROVEN_SEED_DIR=corpus); when unset they go to
// the "proven" folder of the system's temporary directory, which outlives
// the test (t.TempDir would be removed with it).
const SeedDirEnvironment = "PROVEN_SEED_DIR"

// detailLinesMax bounds the failure detail Check prints.
const detailLinesMax = 20

// Check runs every seed of the range and fails the test at the first
// failing run, with the path of the seed file it wrote and the command
// that replays it.
func Check(t testing.TB, scenario Scenario, seeds SeedRange) {
	t.Helper()
	check(t, scenario, seeds, Run)
}

func check(t testing.TB, scenario Scenario, seeds SeedRange, run func(Scenario, uint64) Report) {
	t.Helper()
	if _, err := scenario.resolve(); err != nil {
		t.Fatalf("%v", err)
		return
	}
	if seeds.Last < seeds.First {
		t.Fatalf("proven: empty seed range %d..%d", seeds.First, seeds.Last)
		return
	}
	for seed := seeds.First; ; seed++ {
		report := run(scenario, seed)
		if report.Verdict != sim.VerdictOK {
			reportFailure(t, report)
			return
		}
		if seed == seeds.Last {
			return
		}
	}
}

// reportFailure writes the failing run's seed file and fails the test.
func reportFailure(t testing.TB, report Report) {
	t.Helper()
	directory := os.Getenv(SeedDirEnvironment)
	if directory == "" {
		directory = filepath.Join(os.TempDir(), "proven")
	}
	path := filepath.Join(directory, SeedFileName(report.Scenario.Workload, report.Seed))
	detail := strings.Split(strings.TrimSpace(report.Detail), "\n")
	if len(detail) > detailLinesMax {
		detail = append(detail[:detailLinesMax], "...")
	}
	message := fmt.Sprintf("proven: %s seed %d failed: %s: %s\n%s", report.Scenario.Workload, report.Seed,
		report.Failure, report.Reason, strings.Join(detail, "\n"))
	if err := SaveSeedFile(path, report.SeedFile("")); err != nil {
		t.Fatalf("%s\ncould not write the seed file: %v", message, err)
		return
	}
	t.Fatalf("%s\nseed file: %s\nreproduce: go run ./cmd/proven replay %s", message, path, path)
}
