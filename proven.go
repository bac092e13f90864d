package proven

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// Scenario names a workload and its parameters; zero fields take the
// workloads package's defaults. It is the seed file's scenario: see
// seedfile.Scenario for its fields and limits.
type Scenario = seedfile.Scenario

// Report is one run's outcome: the workloads report and the scenario that
// ran, with its defaults filled in.
type Report struct {
	workloads.Report
	Scenario Scenario
}

// Run runs one seed of a scenario. A bad scenario gives a failing report
// whose reason names the bad field.
func Run(scenario Scenario, seed uint64) Report {
	return run(scenario, seed, nil)
}

// Replay re-runs the run a seed file describes, with its recorded fault
// plan (so that a swarm seed replays exactly and a shrunk plan keeps the
// strengths of the families left on), and lists how it differs from the
// file. No difference means the run was reproduced.
func Replay(file seedfile.File) (Report, []seedfile.Difference) {
	plan := file.Plan
	report := run(file.Scenario, file.Seed, &plan)
	return report, file.Differences(report.Outcome(), report.FingerprintHex())
}

// run runs one seed of a scenario, with the given fault plan or, when plan
// is nil, the one the scenario's fault mode draws.
func run(scenario Scenario, seed uint64, plan *sim.FaultPlan) Report {
	resolved, err := scenario.Resolve()
	if err != nil {
		return Report{Scenario: scenario, Report: workloads.Report{Workload: scenario.Workload,
			Result: sim.Result{Seed: seed, Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Reason: err.Error()}}}
	}
	options := workloadOptions(resolved, seed)
	options.Plan = plan
	return Report{Report: workloads.Run(options), Scenario: resolved}
}

// workloadOptions are the workloads options of a resolved scenario's run.
func workloadOptions(s Scenario, seed uint64) workloads.Options {
	mode, _ := sim.ParseFaults(s.Faults)
	return workloads.Options{Seed: seed, Workload: s.Workload, Faults: mode, Clients: s.Clients,
		Operations: s.Operations, FaultPhase: s.FaultPhase, Trace: s.Trace}
}

// Outcome is the run's verdict and, for a failure, which one.
func (r Report) Outcome() seedfile.Outcome {
	if r.Verdict == sim.VerdictOK {
		return seedfile.Outcome{Verdict: sim.VerdictOK}
	}
	outcome := seedfile.Outcome{Verdict: r.Verdict, Failure: r.Failure}
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
func (r Report) SeedFile(description string) seedfile.File {
	outcome := r.Outcome()
	if description == "" {
		description = fmt.Sprintf("%s with faults %s: %s", r.Scenario.Workload, r.Scenario.Faults, outcome)
		if r.Reason != "" {
			description += ": " + r.Reason
		}
	}
	description = strings.Join(strings.Fields(description), " ")
	if len(description) > seedfile.DescriptionBytesMax {
		description = description[:seedfile.DescriptionBytesMax-3] + "..."
	}
	scenario := r.Scenario
	scenario.Trace = nil
	return seedfile.File{Seed: r.Seed, Description: description, Scenario: scenario, Plan: r.Plan,
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
	if _, err := scenario.Resolve(); err != nil {
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
	path := filepath.Join(directory, seedfile.Name(report.Scenario.Workload, report.Seed))
	detail := strings.Split(strings.TrimSpace(report.Detail), "\n")
	if len(detail) > detailLinesMax {
		detail = append(detail[:detailLinesMax], "...")
	}
	message := fmt.Sprintf("proven: %s seed %d failed: %s: %s\n%s", report.Scenario.Workload, report.Seed,
		report.Failure, report.Reason, strings.Join(detail, "\n"))
	if err := seedfile.Save(path, report.SeedFile("")); err != nil {
		t.Fatalf("%s\ncould not write the seed file: %v", message, err)
		return
	}
	t.Fatalf("%s\nseed file: %s\nreproduce: go run ./cmd/proven replay %s", message, path, path)
}
