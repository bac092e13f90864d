package cluster

import (
	"fmt"
	"io"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// Config describes a simulated deployment: one log node, engine nodes
// hosting the streams' processors, client nodes for coordinators, and the
// fault schedule they run under. Zero fields take the defaults.
type Config struct {
	Seed uint64
	// Streams registers an engine per stream name: KV("users"),
	// Queue("jobs"), Resource("tokens"), SQL("orders"), or a StreamSpec
	// of your own engine. Names must be distinct.
	Streams []StreamSpec
	// EngineNodes is the number of engine nodes (default 2); stream i's
	// processor starts on engine node i mod EngineNodes.
	EngineNodes int
	// Clients is the number of client nodes (default 1).
	Clients int

	// Faults is the random fault schedule's mode: none (the zero value),
	// fixed families, or swarm. The plan (families and strengths) is
	// drawn from the seed's "faults/plan" stream.
	Faults sim.FaultMode
	// FaultPhase is how long random faults last before the world heals
	// (default DefaultFaultPhase when Faults is set).
	FaultPhase time.Duration
	// FaultPlan, when set, is the exact plan to run (families, strengths
	// and fault phase, as a seed file records it), instead of one drawn
	// from Faults and FaultPhase.
	FaultPlan *sim.FaultPlan
	// FaultsAfterSetup holds the fault schedule back until StartFaults is
	// called, so that a setup can run fault-free first. Without it the
	// schedule starts with the run.
	FaultsAfterSetup bool

	// Log configures the log service.
	Log streamlog.Config
	// CheckpointEvery is the processors' checkpoint interval (default 4096).
	CheckpointEvery int
	// DeltasPerCheckpoint is how many incremental checkpoints follow each
	// full one, for engines that write them (processor.Config; 0: every
	// checkpoint is full).
	DeltasPerCheckpoint int
	// VersionRetention and CollectEvery set the processors' garbage
	// collection (processor.Config: old versions kept that long behind
	// the log, the watermark raised every CollectEvery positions; zero:
	// the processor's defaults).
	VersionRetention time.Duration
	CollectEvery     int
	// Coordinator retry interval and read timeout (defaults in coordinator).
	RetryInterval time.Duration
	ReadTimeout   time.Duration
	// Speculation switches speculative execution on in the coordinators
	// Spawn creates: off (the zero value), on, or drawn per seed (swarm).
	// When on, each client node has one coordinator.Predictor that its
	// coordinators share; Prediction holds its thresholds (zero fields:
	// the coordinator's defaults) when Speculation is on.
	Speculation SpeculationMode
	Prediction  coordinator.PredictorConfig
	// Codec registers extra message types beside the engines protocol.
	Codec func(*net.Registry)
	// VirtualTimeMax and EventsMax bound the run (defaults in sim).
	VirtualTimeMax time.Duration
	EventsMax      uint64
	// Trace, when set, receives one line per simulator event.
	Trace io.Writer
	// Failover adds a runner node: engine nodes heartbeat to it, and it
	// moves the streams of a node that stopped heartbeating to live nodes
	// (see coordinator/runner). Without it placement is static.
	Failover bool
	// HeartbeatInterval is the engine nodes' heartbeat period and the
	// runner's tick (default 100ms); HeartbeatMissesMax is the number of
	// silent ticks after which the runner declares a node dead (default 5).
	HeartbeatInterval  time.Duration
	HeartbeatMissesMax int
	// Coverage watches the run for fault coverage (see coverage.go and
	// Cluster.Coverage). It changes nothing in the run.
	Coverage bool
}

// DefaultFaultPhase is the fault phase of a schedule that names none.
const DefaultFaultPhase = 5 * time.Second

// Cluster is a simulated deployment inside one world. Run it with
// World.Run and release it with World.Close.
type Cluster struct {
	World *sim.World
	// Log is the first log node; Logs every log node (one unless the
	// plan's topology spreads the logs; see topology.go).
	Log     sim.NodeID
	Logs    []sim.NodeID
	Engines []sim.NodeID
	Clients []sim.NodeID
	// Runner is the runner node (0 without Failover).
	Runner sim.NodeID
	config Config
	// placement maps each stream to the engine node running its processor:
	// the static placement, or with Failover the runner's placement as last
	// read (kept while the runner node is down).
	// Invariant: its keys are exactly the names of config.Streams.
	placement map[string]sim.NodeID
	// plan is the fault schedule's plan; scheduled says there is one.
	plan      sim.FaultPlan
	scheduled bool
	// faultsStarted says the schedule started (at most once).
	faultsStarted   bool
	nextCoordinator uint32
	// nextClient is the client node index of the next Spawn.
	nextClient int
	// predictors has one predictor per client node while speculation is
	// on (nil: off), with the thresholds in prediction.
	predictors []*coordinator.Predictor
	prediction coordinator.PredictorConfig
	// logOf maps each stream to the log node holding its log.
	// Invariant: its keys are exactly the names of config.Streams.
	logOf map[string]sim.NodeID
	// clockJumps are the log nodes' clock jumps of a spread topology,
	// scheduled when the faults start.
	clockJumps []logClockJumps
	// sites switches the plan's code fault sites.
	sites *siteSwitch
	// coverage watches the run for fault coverage (nil: off).
	coverage *coverageObserver
}

// New builds the nodes in a new world and, unless FaultsAfterSetup,
// starts the fault schedule. The log and engine nodes are crashable
// (random fault schedules crash, pause and restart them); client nodes
// are not. New panics on a Config no run could use (a stream without a
// name or an engine, two streams of one name): that is a programming
// error, not a run's outcome.
func New(config Config) *Cluster {
	config = withDefaults(config)
	codec := Codec()
	if config.Failover {
		registerRunnerMessages(codec)
	}
	if config.Codec != nil {
		config.Codec(codec)
	}
	world := sim.NewWorld(sim.Config{Seed: config.Seed, Codec: codec, Trace: config.Trace,
		VirtualTimeMax: config.VirtualTimeMax, EventsMax: config.EventsMax})
	c := &Cluster{World: world, config: config, placement: map[string]sim.NodeID{}}
	c.plan, c.scheduled = faultPlan(config, world)
	c.sites = &siteSwitch{world: world, sites: c.plan.Sites}
	if config.Coverage {
		c.coverage = newCoverageObserver(c)
	}
	c.addLogNodes(config.Log)
	for i := range config.EngineNodes {
		var streams []StreamSpec
		for j, spec := range config.Streams {
			if j%config.EngineNodes == i {
				streams = append(streams, spec)
			}
		}
		id := world.AddNode(sim.NodeOptions{Name: fmt.Sprintf("engine%d", i+1), Crashable: true,
			Factory: c.engineNodeFactory(streams)})
		c.Engines = append(c.Engines, id)
		for _, spec := range streams {
			c.placement[spec.Name] = id
		}
	}
	if config.Failover {
		c.addRunner()
	}
	for i := range config.Clients {
		c.Clients = append(c.Clients, world.AddNode(sim.NodeOptions{Name: fmt.Sprintf("client%d", i+1)}))
	}
	if prediction, on := speculationFor(config, world); on {
		c.prediction = prediction
		for range config.Clients {
			c.predictors = append(c.predictors, coordinator.NewPredictor(prediction))
		}
	}
	if !config.FaultsAfterSetup {
		c.startFaults()
	}
	return c
}

// withDefaults fills in the defaults and checks the streams.
func withDefaults(config Config) Config {
	if config.EngineNodes <= 0 {
		config.EngineNodes = 2
	}
	if config.Clients <= 0 {
		config.Clients = 1
	}
	if config.CheckpointEvery <= 0 {
		config.CheckpointEvery = 4096
	}
	if config.HeartbeatInterval <= 0 {
		config.HeartbeatInterval = 100 * time.Millisecond
	}
	names := map[string]bool{}
	for i, spec := range config.Streams {
		assert.That(spec.Name != "", "cluster: Config.Streams[%d] has no name", i)
		assert.That(spec.Restore != nil, "cluster: stream %q has no engine (Restore is nil)", spec.Name)
		assert.That(!names[spec.Name], "cluster: stream %q is registered twice", spec.Name)
		names[spec.Name] = true
	}
	return config
}

// faultPlan returns the run's fault plan, and whether there is a fault
// schedule at all: a mode, a fault phase or a recorded plan asks for one.
func faultPlan(config Config, world *sim.World) (sim.FaultPlan, bool) {
	switch {
	case config.FaultPlan != nil:
		return *config.FaultPlan, true
	case config.Faults == sim.FaultMode{} && config.FaultPhase <= 0:
		return sim.FaultPlan{}, false
	}
	phase := config.FaultPhase
	if phase <= 0 {
		phase = DefaultFaultPhase
	}
	plan := sim.DrawFaultPlan(config.Faults, world.Rand("faults/plan"), phase)
	if config.Faults.Swarm {
		// Each from a stream of its own: no other draw of the run shifts.
		plan.Sites = sim.DrawSites(world.Rand("faults/sites"))
		plan.Topology = sim.DrawTopology(world.Rand("topology"))
	}
	return plan, true
}

// FaultPlan returns the fault schedule's plan (the zero plan when the
// cluster runs without one).
func (c *Cluster) FaultPlan() sim.FaultPlan { return c.plan }

// StartFaults starts the fault schedule now: random faults for the plan's
// fault phase, then healing. Requires: Config.FaultsAfterSetup, and no
// earlier call. Without a schedule (no Faults, FaultPhase or FaultPlan)
// it does nothing.
func (c *Cluster) StartFaults() {
	assert.That(c.config.FaultsAfterSetup, "cluster: StartFaults without Config.FaultsAfterSetup (the faults started with the run)")
	assert.That(!c.faultsStarted, "cluster: StartFaults called twice")
	c.startFaults()
}

func (c *Cluster) startFaults() {
	c.faultsStarted = true
	if c.scheduled {
		c.World.StartFaults(c.plan)
		c.scheduleClockJumps()
		if c.coverage != nil {
			c.coverage.faultsStartNanos = c.World.Now()
		}
	}
}

// ProcessorAddress returns the address of a stream's processor.
func (c *Cluster) ProcessorAddress(stream string) wire.Address {
	return Address(sim.Addr{Node: c.ProcessorNode(stream)})
}

// ProcessorNode returns the engine node running a stream's processor.
// Requires: stream is one of Config.Streams.
func (c *Cluster) ProcessorNode(stream string) sim.NodeID {
	c.refreshPlacement()
	node, known := c.placement[stream]
	if !known {
		assert.Broken("cluster: stream %q is not one of Config.Streams", stream)
	}
	return node
}

// Spawn starts a client process with its own coordinator, on the client
// nodes in turn (the first process on client node 1, the next on node 2,
// and so on, wrapping around). fn is ordinary sequential code: it runs as
// a simulated process, which yields whenever it waits on the network or
// a timer.
func (c *Cluster) Spawn(name string, fn func(p *sim.Process, coord *coordinator.Coordinator)) *sim.Process {
	c.nextCoordinator++
	id := c.nextCoordinator
	index := c.nextClient % len(c.Clients)
	node := c.Clients[index]
	c.nextClient++
	var predictor *coordinator.Predictor
	if c.predictors != nil {
		predictor = c.predictors[index]
	}
	return c.World.Spawn(node, name, func(p *sim.Process) {
		config := coordinator.Config{ID: id, Log: Address(sim.Addr{Node: c.Log}), LogOf: c.logAddressOf(),
			Processor: c.ProcessorAddress, RetryInterval: c.config.RetryInterval, ReadTimeout: c.config.ReadTimeout,
			Predictor: predictor, Sites: c.sites.coordinator()}
		if c.plan.Sites.Has(sim.SiteCoarseClock) {
			config.Timestamps = clock.NewHLC(c.sites.clock(processClock{process: p}), id)
		}
		coord, err := coordinator.New(ProcessHost{Process: p, coverage: c.coverage}, config)
		assert.That(err == nil, "cluster: coordinator %d: %v", id, err)
		fn(p, coord)
	})
}

// EngineNode returns the server of the engine node running a stream's
// processor, or nil while that node is down.
func (c *Cluster) EngineNode(stream string) *EngineNode {
	node, _ := c.World.Server(c.ProcessorNode(stream)).(*EngineNode)
	return node
}

// LogNode returns the first log node's server, or nil while it is down
// (LogNodeOf returns the one holding a stream).
func (c *Cluster) LogNode() *LogNode {
	node, _ := c.World.Server(c.Log).(*LogNode)
	return node
}
