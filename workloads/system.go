package workloads

import (
	"fmt"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// system is what a workload runs against, as the runner drives it: a
// cluster of Proven's engines, or a world of the workload's own nodes.
type system interface {
	world() *sim.World
	// prepare adds what the clients need before anything is spawned.
	prepare(clients int)
	// spawn starts a process: client 0 is the setup or the observer,
	// client i >= 1 the i-th client.
	spawn(name string, client int, fn func(p *sim.Process, transactions Transactions))
	startFaults()
	faultPlan() sim.FaultPlan
	// observe captures, after the quiet period, what settle needs.
	observe()
	// calm reports whether the system runs a calm phase (a cluster does:
	// its transactions' aborts have causes the progress check judges).
	calm() bool
	// quiescent reports whether nothing is in flight: every processor
	// runs and holds nothing.
	quiescent() bool
	// settle settles the history where the system knows the truth and
	// returns the system's own check results (last in a report) and the
	// number of outcomes settled.
	settle(history *checkers.History) ([]checkers.Result, int)
}

// clusterSystem is a simulated cluster of Proven's engines. Its checks are
// atomicity (from the stream logs) and liveness (from the processors).
type clusterSystem struct {
	cluster *cluster.Cluster
	streams []cluster.StreamSpec
	logs    map[string][]wire.LogEntry
	// logsMissing is set when a log node was down at capture time.
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

func (s *clusterSystem) world() *sim.World        { return s.cluster.World }
func (s *clusterSystem) prepare(int)              {}
func (s *clusterSystem) startFaults()             { s.cluster.StartFaults() }
func (s *clusterSystem) faultPlan() sim.FaultPlan { return s.cluster.FaultPlan() }
func (s *clusterSystem) spawn(name string, _ int, fn func(*sim.Process, Transactions)) {
	// Spawn takes the client nodes in turn: the setup on the first, the
	// observer on the second, then the clients alternate from the first.
	s.cluster.Spawn(name, func(p *sim.Process, coord *coordinator.Coordinator) { fn(p, Coordinated(coord)) })
}

func (s *clusterSystem) calm() bool { return true }

func (s *clusterSystem) quiescent() bool {
	for _, spec := range s.streams {
		node := s.cluster.EngineNode(spec.Name)
		if node == nil || node.Processor(spec.Name) == nil || !idle(node.Processor(spec.Name).Status()) {
			return false
		}
	}
	return true
}

// idle reports whether a processor's status holds nothing.
func idle(status processor.Status) bool {
	return status.Active == 0 && status.Prepared == 0 && status.PendingCommits == 0 && status.Deferred == 0 &&
		status.Held.IsZero()
}

func (s *clusterSystem) observe() {
	s.captureLogs()
	s.captureStatuses()
}

func (s *clusterSystem) captureLogs() {
	s.logs = map[string][]wire.LogEntry{}
	const batch = 4096
	for _, spec := range s.streams {
		node := s.cluster.LogNodeOf(spec.Name)
		if node == nil || node.Service() == nil {
			s.logsMissing = true
			return
		}
		service := node.Service()
		var entries []wire.LogEntry
		for {
			read := service.Read(spec.Name, uint64(len(entries))+1, batch)
			if len(read) == 0 {
				break
			}
			entries = append(entries, read...)
		}
		s.logs[spec.Name] = entries
	}
}

func (s *clusterSystem) captureStatuses() {
	for _, spec := range s.streams {
		node := s.cluster.EngineNode(spec.Name)
		if node == nil || node.Processor(spec.Name) == nil {
			s.statuses = append(s.statuses, streamStatus{stream: spec.Name, down: true})
			continue
		}
		s.statuses = append(s.statuses, streamStatus{stream: spec.Name, status: node.Processor(spec.Name).Status()})
	}
}

func (s *clusterSystem) settle(history *checkers.History) ([]checkers.Result, int) {
	atomicity, truth, requests := checkAtomicity(s.logs, s.streams, s.logsMissing, *history)
	settled := settle(history, truth)
	results := []checkers.Result{atomicity, checkLiveness(s.statuses)}
	if !s.logsMissing {
		results = append(results, checkers.CheckUniqueRequests(requests))
	}
	return results, settled
}

// worldSystem is a world of the workload's own nodes, with a node per
// client and one (harness) for the setup and the observer. It knows no
// truth beyond the history: the workload's checks are all its checks.
type worldSystem struct {
	simulated   *sim.World
	harness     sim.NodeID
	clientNodes []sim.NodeID
	plan        sim.FaultPlan
}

func (s *worldSystem) world() *sim.World        { return s.simulated }
func (s *worldSystem) faultPlan() sim.FaultPlan { return s.plan }
func (s *worldSystem) observe()                 {}
func (s *worldSystem) calm() bool               { return false }
func (s *worldSystem) quiescent() bool          { return true }

func (s *worldSystem) settle(*checkers.History) ([]checkers.Result, int) { return nil, 0 }

func (s *worldSystem) prepare(clients int) {
	for i := range clients {
		s.clientNodes = append(s.clientNodes, s.simulated.AddNode(sim.NodeOptions{Name: fmt.Sprintf("client%d", i+1)}))
	}
	s.harness = s.simulated.AddNode(sim.NodeOptions{Name: "harness"})
}

func (s *worldSystem) spawn(name string, client int, fn func(*sim.Process, Transactions)) {
	node := s.harness
	if client > 0 {
		node = s.clientNodes[client-1]
	}
	s.simulated.Spawn(node, name, func(p *sim.Process) { fn(p, nil) })
}

func (s *worldSystem) startFaults() { s.simulated.StartFaults(s.plan) }
