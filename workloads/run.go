package workloads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/sim"
)

// Options configure one run of a workload.
type Options struct {
	Seed uint64
	// Workload names the workload (see Names); empty means "mixed".
	Workload string
	Faults   sim.FaultMode
	// Clients is the number of client processes (default 4).
	Clients int
	// Operations is the number of operations per client (default 20).
	Operations int
	// FaultPhase is how long faults last before healing (default 4s).
	FaultPhase time.Duration
	// Trace, when set, receives one line per simulator event.
	Trace io.Writer
	// Plan, when set, is the exact fault plan to run (families, strengths
	// and fault phase, as a seed file records it) instead of one drawn from
	// Faults. Replay applies the recorded plan; shrinking edits it.
	Plan *sim.FaultPlan
	// Speculation switches the coordinators' speculative execution on
	// (cluster.SpeculationMode; swarm draws it per seed). Off by default.
	Speculation cluster.SpeculationMode
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
	// speculation is off).
	Speculation coordinator.PredictorStats
}

// Check returns the result of the named check, if it ran.
func (r Report) Check(name string) (checkers.Result, bool) {
	index := slices.IndexFunc(r.Checks, func(result checkers.Result) bool { return result.Checker == name })
	if index < 0 {
		return checkers.Result{}, false
	}
	return r.Checks[index], true
}

// ErrUnknownWorkload reports a workload name that is not one of Names.
var ErrUnknownWorkload = errors.New("workloads: unknown workload")

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
)

// Names returns the workload names Run accepts, sorted.
func Names() []string { return slices.Sorted(slices.Values(workloadNames)) }

var workloadNames = []string{"bank", "register", "list-append", "queue", "mixed", "sql-bank", "sql-list-append"}

func lookup(name string) (workload, error) {
	switch name {
	case "bank":
		return bankWorkload(), nil
	case "register":
		return registerWorkload(), nil
	case "list-append":
		return listAppendWorkload(), nil
	case "queue":
		return queueWorkload(), nil
	case "mixed":
		return mixedWorkload(), nil
	case "sql-bank":
		return sqlBankWorkload(), nil
	case "sql-list-append":
		return sqlListAppendWorkload(), nil
	}
	return workload{}, fmt.Errorf("%w %q (want one of: %s)", ErrUnknownWorkload, name, strings.Join(Names(), ", "))
}

// workload is what differs between workloads: the streams, a fault-free
// setup, one client operation, and the history checks.
type workload struct {
	name    string
	streams []cluster.StreamSpec
	// setup makes one attempt at the initial state; it runs before faults.
	setup func(ctx context.Context, coord *coordinator.Coordinator) error
	// operation runs and records one operation of a client.
	operation func(c *client)
	// final, if set, runs and records operations after the quiet period.
	final  func(c *client)
	checks []check
}

// check is a history checker plugged into a workload: the seam where the
// checkers package's functions are called.
type check struct {
	name string
	run  func(history checkers.History) (checkers.Result, error)
}

func (o *Options) applyDefaults() {
	if o.Workload == "" {
		o.Workload = DefaultWorkload
	}
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

// Run runs a workload once under a fault plan drawn from the seed, then
// checks the history, the logs (atomicity) and the processors (liveness).
// An unknown workload returns a failing report naming it.
func Run(options Options) Report {
	options.applyDefaults()
	chosen, err := lookup(options.Workload)
	if err != nil {
		return Report{Workload: options.Workload, Result: sim.Result{Seed: options.Seed, Verdict: sim.VerdictFail,
			Failure: sim.FailureInvariant, Reason: err.Error()}}
	}
	r := newRunner(options, chosen)
	defer r.cluster.World.Close()
	report := Report{Workload: chosen.name, Plan: r.cluster.FaultPlan()}
	report.Result = r.cluster.World.Run()
	report.Faults = r.cluster.World.Faults()
	report.Committed, report.Aborted, report.Indeterminate = r.committed, r.aborted, r.indeterminate
	report.Speculation = r.cluster.SpeculationStats()
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

// failIfIllegal turns the first illegal check into the run's failure.
func failIfIllegal(report *Report) {
	for _, result := range report.Checks {
		if result.Verdict != checkers.VerdictIllegal {
			continue
		}
		firstLine, _, _ := strings.Cut(result.Explanation, "\n")
		report.Verdict, report.Failure = sim.VerdictFail, sim.FailureInvariant
		report.Reason = fmt.Sprintf("%s: %s", result.Checker, firstLine)
		report.Detail = result.Explanation
		return
	}
}
