package workloads

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/sim"
)

// runner is one run in progress: what the workload declared, its system,
// the shared history, and the phases' progress.
type runner struct {
	options  Options
	name     string
	declared *Builder
	system   system
	history  checkers.History
	// nextProcess numbers history processes; a process retired by an info
	// outcome is replaced by a fresh number.
	nextProcess            int
	setupDone, setupFailed bool
	clientsDone            int
	// calmStarted is set, and calmFromNanos stamped (global virtual time),
	// when the calm phase begins; calmDone counts the clients that
	// finished their calm operations.
	calmStarted   bool
	calmFromNanos int64
	calmDone      int
	// calmInFlight is set when the calm phase had to begin with something
	// still in flight (a quiet period after healing did not settle it).
	calmInFlight bool
	// observed is set once the observer ran the final operations and the
	// system captured what its checks need.
	observed bool
}

// pollInterval is how often the observer checks whether the run is ready
// to be observed, and how long the setup waits between attempts.
const pollInterval = 100 * time.Millisecond

// newRunner builds the run the workload declares and spawns its setup and
// observer. A workload that cannot run gives a nil runner, the failure
// kind and the reason.
func newRunner(options Options, chosen Workload) (*runner, sim.FailureKind, string) {
	declared := &Builder{options: options}
	if panicked, stack := build(chosen, declared); panicked != "" {
		if declared.system != nil {
			declared.system.world().Close()
		}
		return nil, sim.FailurePanic, fmt.Sprintf("workload %s: Build panicked: %s\n%s", chosen.Name(), panicked, stack)
	}
	switch {
	case declared.system == nil:
		return nil, sim.FailureInvariant, fmt.Sprintf("workload %s declared no system (call Builder.Cluster or Builder.World)", chosen.Name())
	case declared.operation == nil:
		declared.system.world().Close()
		return nil, sim.FailureInvariant, fmt.Sprintf("workload %s declared no operation (call Builder.Operation)", chosen.Name())
	}
	r := &runner{options: options, name: chosen.Name(), declared: declared, system: declared.system}
	r.system.prepare(options.Clients)
	r.system.spawn("setup", 0, r.setup)
	r.system.spawn("observer", 0, r.observe)
	return r, sim.FailureNone, ""
}

// build calls the workload's Build, turning a panic into its message and
// stack.
func build(w Workload, b *Builder) (panicked, stack string) {
	defer func() {
		if recovered := recover(); recovered != nil {
			panicked, stack = fmt.Sprint(recovered), string(debug.Stack())
		}
	}()
	w.Build(b)
	return "", ""
}

func (r *runner) newProcess() int {
	r.nextProcess++
	return r.nextProcess - 1
}

func (r *runner) newClient(p *sim.Process, transactions Transactions) *simClient {
	return &simClient{runner: r, process: p, transactions: transactions, historyProcess: r.newProcess()}
}

// setup builds the initial state before any fault, then starts the fault
// plan and the clients.
func (r *runner) setup(p *sim.Process, transactions Transactions) {
	if r.declared.setup != nil {
		// The setup's history process is numbered when it first records.
		c := &simClient{runner: r, process: p, transactions: transactions, historyProcess: -1}
		var err error
		for range setupAttemptsMax {
			if err = r.declared.setup(c); err == nil {
				break
			}
			p.Sleep(pollInterval)
		}
		if err != nil {
			r.setupFailed = true
			p.Fail("workloads: %s setup failed without faults: %v", r.name, err)
			return
		}
	}
	r.system.startFaults()
	for i := range r.options.Clients {
		r.system.spawn(fmt.Sprintf("client%d", i+1), i+1, r.runClient)
	}
	r.setupDone = true
}

// runClient runs the client's operations, then, once the observer starts
// the calm phase, its calm operations.
func (r *runner) runClient(p *sim.Process, transactions Transactions) {
	c := r.newClient(p, transactions)
	r.repeat(c, r.options.Operations)
	r.clientsDone++
	calm := r.calmOperations()
	if calm == 0 {
		return
	}
	for !r.calmStarted {
		p.Sleep(pollInterval)
	}
	c.calm = true
	r.repeat(c, calm)
	r.calmDone++
}

func (r *runner) repeat(c *simClient, operations int) {
	for range operations {
		r.declared.operation(c)
		c.process.Sleep(time.Duration(c.process.Rand().IntN(100)) * time.Millisecond)
	}
}

// calmOperations is how many operations each client runs in the calm
// phase: a tenth of its operations (at least one), on a cluster only.
func (r *runner) calmOperations() int {
	if !r.system.calm() {
		return 0
	}
	return max(1, r.options.Operations/calmFraction)
}

// observe waits for the clients and the healing, runs the calm phase,
// lets a quiet period pass, runs the workload's final operations, and
// lets the system capture what its checks need.
func (r *runner) observe(p *sim.Process, transactions Transactions) {
	world := r.system.world()
	for !r.setupFailed && (!r.setupDone || r.clientsDone < r.options.Clients || !world.Healed()) {
		p.Sleep(pollInterval)
	}
	if r.setupFailed {
		return
	}
	if r.calmOperations() > 0 {
		r.runCalmPhase(p)
	}
	p.Sleep(quietPeriod)
	if r.declared.final != nil {
		r.declared.final(r.newClient(p, transactions))
	}
	r.system.observe()
	r.observed = true
}

// runCalmPhase starts the calm phase once nothing is in flight (every
// processor holds nothing; at most a quiet period after healing) and
// waits for the clients to finish it.
func (r *runner) runCalmPhase(p *sim.Process) {
	world := r.system.world()
	waitedUntil := world.Now() + int64(quietPeriod)
	for !r.system.quiescent() && world.Now() < waitedUntil {
		p.Sleep(pollInterval)
	}
	r.calmInFlight = !r.system.quiescent()
	r.calmFromNanos, r.calmStarted = world.Now(), true
	for r.calmDone < r.options.Clients {
		p.Sleep(pollInterval)
	}
}

// check lets the system settle the history (a cluster decides
// indeterminate outcomes from its logs), runs the workload's checks on
// it, then the system's own. It returns the results and the number of
// settled outcomes.
func (r *runner) check() ([]checkers.Result, int) {
	systemResults, settled := r.system.settle(&r.history)
	if r.calmOperations() > 0 {
		systemResults = append(systemResults, r.checkProgress())
	}
	var results []checkers.Result
	for _, c := range r.declared.checks {
		result, err := c.Run(r.history)
		if err != nil {
			result = checkers.Result{Checker: c.Name, Verdict: checkers.VerdictIllegal,
				Explanation: fmt.Sprintf("the checker refused the history: %v", err)}
		}
		result.Checker = c.Name
		results = append(results, result)
	}
	return append(results, systemResults...), settled
}

// checkProgress runs the progress check over the calm phase. A calm
// phase that began with something in flight proves nothing: what its
// transactions waited for may be that, so the verdict is unknown.
func (r *runner) checkProgress() checkers.Result {
	if r.calmInFlight {
		return checkers.Result{Checker: "progress", Verdict: checkers.VerdictUnknown,
			Explanation: "the calm phase began with a transaction still in flight, a quiet period after healing"}
	}
	result, err := checkers.CheckProgress(r.history, checkers.ProgressConfig{CalmFromNanos: r.calmFromNanos,
		LongWaitNanos: int64(CalmTimeout / 2)})
	if err != nil {
		return checkers.Result{Checker: "progress", Verdict: checkers.VerdictIllegal,
			Explanation: fmt.Sprintf("the checker refused the history: %v", err)}
	}
	return result
}

// simClient is a Client run by a simulated process.
type simClient struct {
	runner       *runner
	process      *sim.Process
	transactions Transactions
	// historyProcess is the history process id, -1 until the first
	// record; replaced after an info outcome.
	historyProcess int
	// calm is set once the client runs its calm operations.
	calm bool
}

func (c *simClient) Now() int64                 { return c.process.Now() }
func (c *simClient) Sleep(d time.Duration)      { c.process.Sleep(d) }
func (c *simClient) Rand() *rand.Rand           { return c.process.Rand() }
func (c *simClient) Transactions() Transactions { return c.transactions }

// Record stamps the event with the global virtual time: the history is
// the omniscient observer's, so real-time order in it is exact.
func (c *simClient) Record(event checkers.Event) {
	if c.historyProcess < 0 {
		c.historyProcess = c.runner.newProcess()
	}
	event.Process = c.historyProcess
	event.TimeNanos = c.runner.system.world().Now()
	c.runner.history.Append(event)
	if event.Type == checkers.TypeInfo {
		c.historyProcess = c.runner.newProcess()
	}
}
