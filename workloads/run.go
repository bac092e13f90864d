package workloads

import (
	"io"
	"slices"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/sim"
)

// Options configure one run of a workload. Zero fields take the defaults
// below, except Faults: its zero value is no faults (the proven package's
// Scenario and the proven command default to swarm instead).
type Options struct {
	// Seed names the run: the same seed and options give the same run,
	// event for event.
	Seed uint64
	// Workload is the workload to run; nil means the registered workload
	// named DefaultWorkload (mixed).
	Workload Workload
	// Faults is the fault mode the run's plan is drawn from (ignored when
	// Plan is set); the zero FaultMode is no faults.
	Faults sim.FaultMode
	// Clients is the number of client processes (0 means DefaultClients,
	// 4).
	Clients int
	// Operations is the number of operations per client (0 means
	// DefaultOperations, 100).
	Operations int
	// FaultPhase is how long faults last before healing (0 means
	// DefaultFaultPhase, 8s).
	FaultPhase time.Duration
	// Trace, when set, receives one line per simulator event; it changes
	// nothing in the run.
	Trace io.Writer
	// Plan, when set, is the exact fault plan to run (families, strengths
	// and fault phase, as a seed file records it) instead of one drawn from
	// Faults. Replay imposes the recorded plan this way; shrinking edits it.
	Plan *sim.FaultPlan
	// Speculation switches the coordinators' speculative execution on
	// (cluster.SpeculationMode; swarm draws it per seed) for workloads
	// that run on the cluster. Off by default.
	Speculation cluster.SpeculationMode
	// Coverage watches a run on the cluster for fault coverage
	// (Report.Coverage); it changes nothing in the run.
	Coverage bool
}

// Report is one run's outcome. Its Result.Verdict is fail when the world
// failed or any check said illegal; a check that said unknown is reported
// but is not a failure.
type Report struct {
	sim.Result
	Workload string
	Plan     sim.FaultPlan
	// History is the run's history, with indeterminate outcomes settled
	// where the logs tell the truth (see doc.go).
	History checkers.History
	// Checks holds one result per check, in a fixed order per workload,
	// ending with atomicity and liveness.
	Checks []checkers.Result
	// Committed, Aborted and Indeterminate count read-write transactions
	// as their clients saw them (before settling).
	Committed, Aborted, Indeterminate int
	// Settled counts indeterminate outcomes the logs settled.
	Settled int
	Faults  []sim.FaultEvent
	// Speculation counts the run's speculative transactions (zero when
	// speculation is off or the workload is not on the cluster).
	Speculation coordinator.PredictorStats
	// Coverage is which faults hit transactions in which phase (zero
	// unless Options.Coverage and the workload runs on the cluster).
	Coverage cluster.Coverage
}

// Check returns the result of the named check, if it ran.
func (r Report) Check(name string) (checkers.Result, bool) {
	index := slices.IndexFunc(r.Checks, func(result checkers.Result) bool { return result.Checker == name })
	if index < 0 {
		return checkers.Result{}, false
	}
	return r.Checks[index], true
}

// Default values of Options.
const (
	DefaultWorkload = "mixed"
	// DefaultClients, DefaultOperations (per client) and DefaultFaultPhase
	// size a run: a default run takes tens of milliseconds of wall time.
	DefaultClients    = 4
	DefaultOperations = 100
	DefaultFaultPhase = 8 * time.Second
	// quietPeriod follows healing: every deadline passes and termination
	// resolves every in-doubt transaction before the checks look.
	quietPeriod = 5 * time.Second
	// setupAttemptsMax bounds the fault-free setup's retries.
	setupAttemptsMax = 20
	// calmFraction: each client runs Operations/calmFraction operations
	// (at least one) in the calm phase.
	calmFraction = 10
	// CalmTimeout is the least timeout Transact gives a transaction in the
	// calm phase: far above what a calm transaction needs and above any
	// clock offset the faults leave behind, so that only a lost wake-up
	// makes it wait for its deadline. The progress check calls a wait of
	// half of it long.
	CalmTimeout = 10 * time.Second
)

// calmTimeout returns the timeout a transaction of c gets: at least
// CalmTimeout in the calm phase.
func calmTimeout(c Client, timeout time.Duration) time.Duration {
	if simulated, ok := c.(*simClient); ok && simulated.calm {
		return max(timeout, CalmTimeout)
	}
	return timeout
}

func (o *Options) applyDefaults() {
	if o.Clients <= 0 {
		o.Clients = DefaultClients
	}
	if o.Operations <= 0 {
		o.Operations = DefaultOperations
	}
	if o.FaultPhase <= 0 {
		o.FaultPhase = DefaultFaultPhase
	}
}

// Run runs a workload once: it builds the run the workload declares, runs
// it under a fault plan drawn from the seed (or Options.Plan), then checks
// the history (and, on a cluster, the logs for atomicity and the
// processors for liveness). A workload that cannot run (an unknown name,
// a Build that panics or declares no system) gives a failing report
// naming it, never a panic.
func Run(options Options) Report {
	options.applyDefaults()
	chosen, err := Resolve(options.Workload)
	if err != nil {
		name := "<nil>"
		if options.Workload != nil {
			name = options.Workload.Name()
		}
		return failedBeforeRun(options, name, sim.FailureInvariant, err.Error())
	}
	r, failure, reason := newRunner(options, chosen)
	if r == nil {
		return failedBeforeRun(options, chosen.Name(), failure, reason)
	}
	world := r.system.world()
	defer world.Close()
	report := Report{Workload: chosen.Name(), Plan: r.system.faultPlan()}
	report.Result = world.Run()
	report.Faults = world.Faults()
	if system, ok := r.system.(*clusterSystem); ok {
		report.Speculation = system.cluster.SpeculationStats()
		report.Coverage = system.cluster.Coverage()
	}
	report.Committed, report.Aborted, report.Indeterminate = transactionCounts(r.history)
	if report.Verdict == sim.VerdictOK && !r.observed {
		report.Verdict, report.Failure, report.Reason = sim.VerdictFail, sim.FailureLiveness, "the run ended before the checks could observe it"
	}
	if report.Verdict == sim.VerdictOK {
		report.Checks, report.Settled = r.check()
		failIfIllegal(&report)
	}
	report.History = r.history
	return report
}

func failedBeforeRun(options Options, name string, failure sim.FailureKind, reason string) Report {
	return Report{Workload: name, Result: sim.Result{Seed: options.Seed, Verdict: sim.VerdictFail,
		Failure: failure, Reason: reason}}
}

// failIfIllegal turns the first illegal check into the run's failure.
func failIfIllegal(report *Report) {
	if reason, result, found := FirstIllegal(report.Checks); found {
		report.Verdict, report.Failure = sim.VerdictFail, sim.FailureInvariant
		report.Reason, report.Detail = reason, result.Explanation
	}
}
