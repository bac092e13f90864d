package proven

import (
	"fmt"
	"slices"
	"strings"

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

// ReplayFile re-runs the run a seed file describes, imposing its
// recorded fault plan rather than drawing one from the fault mode (so
// that a swarm seed replays exactly and a shrunk plan keeps the strengths
// of the families left on), and lists how it differs from the file. No
// difference means the run was reproduced.
func ReplayFile(file seedfile.File) (Report, []seedfile.Difference) {
	plan := file.Plan
	report := run(file.Scenario, file.Seed, &plan)
	return report, file.Differences(report.Outcome(), report.FingerprintHex())
}

// run runs one seed of a scenario, with the given fault plan or, when plan
// is nil, the one the scenario's fault mode draws.
func run(scenario Scenario, seed uint64, plan *sim.FaultPlan) Report {
	resolved, err := scenario.Resolve()
	if err != nil {
		return Report{Scenario: scenario, Report: workloads.Report{Workload: workloadName(scenario),
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
		Operations: s.Operations, FaultPhase: s.FaultPhase, Trace: s.Trace, Coverage: s.Coverage}
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
		description = fmt.Sprintf("%s with faults %s: %s", workloadName(r.Scenario), r.Scenario.Faults, outcome)
		if r.Reason != "" {
			description += ": " + r.Reason
		}
	}
	description = strings.Join(strings.Fields(description), " ")
	if len(description) > seedfile.DescriptionBytesMax {
		description = description[:seedfile.DescriptionBytesMax-3] + "..."
	}
	scenario := r.Scenario
	scenario.Trace, scenario.Coverage = nil, false
	return seedfile.File{Seed: r.Seed, Description: description, Scenario: scenario, Plan: r.Plan,
		Expect: outcome, Fingerprint: r.FingerprintHex()}
}

// workloadName names a scenario's workload ("" for none).
func workloadName(scenario Scenario) string {
	if scenario.Workload == nil {
		return ""
	}
	return scenario.Workload.Name()
}
