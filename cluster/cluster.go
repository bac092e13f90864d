package cluster

import (
	"fmt"
	"io"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// Config describes a simulated deployment: one log node, engine
// nodes hosting the streams' processors, and client nodes for coordinators.
type Config struct {
	Seed    uint64
	Streams []StreamSpec
	// EngineNodes is the number of engine nodes (default 2); stream i's
	// processor runs on engine node i mod EngineNodes.
	EngineNodes int
	// Clients is the number of client nodes (default 1).
	Clients int
	// Log configures the log service.
	Log streamlog.Config
	// CheckpointEvery is the processors' checkpoint interval (default 4096).
	CheckpointEvery int
	// Coordinator retry interval and read timeout (defaults in coordinator).
	RetryInterval time.Duration
	ReadTimeout   time.Duration
	// Codec registers extra message types beside the engines protocol.
	Codec          func(*net.Registry)
	VirtualTimeMax time.Duration
	EventsMax      uint64
	Trace          io.Writer
	// Failover adds a runner node: engine nodes heartbeat to it, and it
	// moves the streams of a node that stopped heartbeating to live nodes
	// (see coordinator/runner). Without it placement is static.
	Failover bool
	// HeartbeatInterval is the engine nodes' heartbeat period and the
	// runner's tick (default 100ms); HeartbeatMissesMax is the number of
	// silent ticks after which the runner declares a node dead (default 5).
	HeartbeatInterval  time.Duration
	HeartbeatMissesMax int
}

// Cluster is a simulated deployment inside one world.
type Cluster struct {
	World   *sim.World
	Log     sim.NodeID
	Engines []sim.NodeID
	Clients []sim.NodeID
	// Runner is the runner node (0 without Failover).
	Runner sim.NodeID
	config Config
	// placement maps each stream to the engine node running its processor:
	// the static placement, or with Failover the runner's placement as last
	// read (kept while the runner node is down).
	placement       map[string]sim.NodeID
	nextCoordinator uint32
}

// New builds the nodes in a new world. The log and engine nodes are
// crashable (random fault schedules crash, pause and restart them); client
// nodes are not.
func New(config Config) *Cluster {
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
	codec := Codec()
	if config.Failover {
		RegisterRunnerMessages(codec)
	}
	if config.Codec != nil {
		config.Codec(codec)
	}
	world := sim.NewWorld(sim.Config{Seed: config.Seed, Codec: codec, Trace: config.Trace,
		VirtualTimeMax: config.VirtualTimeMax, EventsMax: config.EventsMax})
	c := &Cluster{World: world, config: config, placement: map[string]sim.NodeID{}}
	logConfig := config.Log
	c.Log = world.AddNode(sim.NodeOptions{Name: "log", Crashable: true,
		Factory: func() sim.Node { return NewLogNode(logConfig) }})
	logAddress := Address(sim.Addr{Node: c.Log})
	for i := range config.EngineNodes {
		var streams []StreamSpec
		for j, spec := range config.Streams {
			if j%config.EngineNodes == i {
				streams = append(streams, spec)
			}
		}
		id := world.AddNode(sim.NodeOptions{Name: fmt.Sprintf("engine%d", i+1), Crashable: true,
			Factory: c.engineNodeFactory(streams, logAddress)})
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
	return c
}

// ProcessorAddress returns the address of a stream's processor.
func (c *Cluster) ProcessorAddress(stream string) wire.Address {
	return Address(sim.Addr{Node: c.ProcessorNode(stream)})
}

// ProcessorNode returns the engine node running a stream's processor.
func (c *Cluster) ProcessorNode(stream string) sim.NodeID {
	c.refreshPlacement()
	return c.placement[stream]
}

// Spawn starts a client process on client node index (mod the number of
// clients) with its own coordinator.
func (c *Cluster) Spawn(client int, name string, fn func(p *sim.Process, coord *coordinator.Coordinator)) *sim.Process {
	c.nextCoordinator++
	id := c.nextCoordinator
	node := c.Clients[client%len(c.Clients)]
	return c.World.Spawn(node, name, func(p *sim.Process) {
		coord, err := coordinator.New(ProcessHost{Process: p}, coordinator.Config{ID: id,
			Log: Address(sim.Addr{Node: c.Log}), Processor: c.ProcessorAddress,
			RetryInterval: c.config.RetryInterval, ReadTimeout: c.config.ReadTimeout})
		if err != nil {
			p.Fail("coordinator: %v", err)
			return
		}
		fn(p, coord)
	})
}

// EngineNode returns the server of the engine node running a stream's
// processor, or nil while that node is down.
func (c *Cluster) EngineNode(stream string) *EngineNode {
	node, _ := c.World.Server(c.ProcessorNode(stream)).(*EngineNode)
	return node
}

// LogNode returns the log node's server, or nil while it is down.
func (c *Cluster) LogNode() *LogNode {
	node, _ := c.World.Server(c.Log).(*LogNode)
	return node
}
