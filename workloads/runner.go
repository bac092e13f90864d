package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// runner is one run in progress: the cluster, the shared history, and what
// the observer captured after the quiet period.
type runner struct {
	options  Options
	workload workload
	cluster  *cluster.Cluster
	history  checkers.History
	// nextProcess numbers history processes; a process retired by an info
	// outcome is replaced by a fresh number.
	nextProcess                       int
	committed, aborted, indeterminate int
	setupDone, setupFailed            bool
	clientsDone                       int
	// observed is set once the observer captured logs and statuses.
	observed bool
	logs     map[string][]wire.LogEntry
	// logsMissing is set when the log node was down at capture time.
	logsMissing bool
	statuses    []streamStatus
}

// streamStatus is a processor's status after the quiet period; down when
// its engine node was not running.
type streamStatus struct {
	stream string
	down   bool
	status processor.Status
}

const (
	engineNodes = 2
	clientNodes = 2
	// pollInterval is how often the observer checks whether the run is
	// ready to be observed.
	pollInterval = 100 * time.Millisecond
	// checkpointEvery is the processors' checkpoint interval in workload
	// runs (entries).
	checkpointEvery = 128
)

func newRunner(options Options, chosen workload) *runner {
	cluster := cluster.New(cluster.Config{Seed: options.Seed, Streams: chosen.streams,
		EngineNodes: engineNodes, Clients: clientNodes, VirtualTimeMax: 10 * time.Minute,
		EventsMax: 20_000_000, Trace: options.Trace,
		// Checkpoint often, so that crashed engine nodes recover from a
		// checkpoint plus a replay, not only from the start of the log.
		CheckpointEvery: checkpointEvery,
		// The setup runs fault-free; it starts the faults when it is done.
		Faults: options.Faults, FaultPhase: options.FaultPhase, FaultPlan: options.Plan, FaultsAfterSetup: true,
		Speculation: options.Speculation})
	r := &runner{options: options, workload: chosen, cluster: cluster, logs: map[string][]wire.LogEntry{}}
	// Spawn takes the client nodes in turn: the setup on the first, the
	// observer on the second, then the clients alternate from the first.
	cluster.Spawn("setup", r.setup)
	cluster.Spawn("observer", r.observe)
	return r
}

func (r *runner) newProcess() int {
	r.nextProcess++
	return r.nextProcess - 1
}

// setup builds the initial state before any fault, then starts the fault
// plan and the clients.
func (r *runner) setup(p *sim.Process, coord *coordinator.Coordinator) {
	ctx := context.Background()
	var err error
	for range setupAttemptsMax {
		if err = r.workload.setup(ctx, coord); err == nil {
			break
		}
		p.Sleep(pollInterval)
	}
	if err != nil {
		r.setupFailed = true
		p.Fail("workloads: %s setup failed without faults: %v", r.workload.name, err)
		return
	}
	r.cluster.StartFaults()
	for i := range r.options.Clients {
		r.cluster.Spawn(fmt.Sprintf("client%d", i+1), r.runClient)
	}
	r.setupDone = true
}

func (r *runner) runClient(p *sim.Process, coord *coordinator.Coordinator) {
	c := &client{runner: r, p: p, coord: coord, process: r.newProcess()}
	for range r.options.Operations {
		r.workload.operation(c)
		p.Sleep(time.Duration(p.Rand().IntN(100)) * time.Millisecond)
	}
	r.clientsDone++
}

// observe waits for the clients and the healing, lets a quiet period pass,
// runs the workload's final operations, and captures every stream's log and
// every processor's status.
func (r *runner) observe(p *sim.Process, coord *coordinator.Coordinator) {
	for !r.setupFailed && (!r.setupDone || r.clientsDone < r.options.Clients || !r.cluster.World.Healed()) {
		p.Sleep(pollInterval)
	}
	if r.setupFailed {
		return
	}
	p.Sleep(quietPeriod)
	if r.workload.final != nil {
		r.workload.final(&client{runner: r, p: p, coord: coord, process: r.newProcess()})
	}
	r.captureLogs()
	r.captureStatuses()
	r.observed = true
}

func (r *runner) captureLogs() {
	node := r.cluster.LogNode()
	if node == nil || node.Service() == nil {
		r.logsMissing = true
		return
	}
	service := node.Service()
	const batch = 4096
	for _, spec := range r.workload.streams {
		var entries []wire.LogEntry
		for {
			read := service.Read(spec.Name, uint64(len(entries))+1, batch)
			if len(read) == 0 {
				break
			}
			entries = append(entries, read...)
		}
		r.logs[spec.Name] = entries
	}
}

func (r *runner) captureStatuses() {
	for _, spec := range r.workload.streams {
		node := r.cluster.EngineNode(spec.Name)
		if node == nil || node.Processor(spec.Name) == nil {
			r.statuses = append(r.statuses, streamStatus{stream: spec.Name, down: true})
			continue
		}
		r.statuses = append(r.statuses, streamStatus{stream: spec.Name, status: node.Processor(spec.Name).Status()})
	}
}

// check runs the workload's checks on the settled history, then atomicity
// and liveness. It returns the results and the number of settled outcomes.
func (r *runner) check() ([]checkers.Result, int) {
	atomicity, truth := checkAtomicity(r.logs, r.workload.streams, r.logsMissing, r.history)
	settled := settle(&r.history, truth)
	var results []checkers.Result
	for _, c := range r.workload.checks {
		result, err := c.run(r.history)
		if err != nil {
			result = checkers.Result{Checker: c.name, Verdict: checkers.VerdictIllegal,
				Explanation: fmt.Sprintf("the checker refused the history: %v", err)}
		}
		result.Checker = c.name
		results = append(results, result)
	}
	return append(results, atomicity, checkLiveness(r.statuses)), settled
}
