package cluster

import (
	"errors"
	"slices"
	"time"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// StreamSpec names a stream and how to build its engine.
type StreamSpec struct {
	Name    string
	Restore engines.Restorer
}

// EngineNodeConfig describes an engine node.
type EngineNodeConfig struct {
	// Streams are the streams whose processors run on this node.
	Streams []StreamSpec
	// Log is the log service's address.
	Log wire.Address
	// TickInterval is how often each processor's Tick runs (default 50ms).
	TickInterval time.Duration
	// CheckpointEvery is the processors' checkpoint interval in entries.
	CheckpointEvery int
	// Runner, when nonzero, is the runner's address: the node heartbeats to
	// it every HeartbeatInterval and runs exactly the streams of the newest
	// assignment it received. Streams are then only the streams it starts
	// with before any assignment was recorded on its disk.
	Runner wire.Address
	// Catalog lists every stream the runner may assign, with its restorer
	// (used only with Runner).
	Catalog []StreamSpec
	// HeartbeatInterval is the heartbeat period (default 100ms).
	HeartbeatInterval time.Duration
}

// EngineNode hosts the processors of several streams on one simulated
// node. Every processor has the node's address: pushed entries and
// snapshot reads are routed by stream; log-read replies (termination) go
// to every processor, which match them against their own state. Each
// processor's last checkpoint is a file on the node's disk; after a crash
// the node restores it and the processor replays the log after it.
//
// With a runner (EngineNodeConfig.Runner), the node heartbeats and runs
// the streams of the newest assignment it adopted, recorded on its disk;
// a processor it starts uses its own last checkpoint of the stream if it
// ever ran it, or replays the whole log (coordinator/runner/doc.go says
// why a second copy running meanwhile elsewhere is harmless).
type EngineNode struct {
	config     EngineNodeConfig
	processors map[string]*processor.Processor
	// running lists the streams of processors, in the order they started:
	// messages and ticks reach processors in this order.
	running []string
	// version is the assignment version the node runs (0: none yet).
	version uint64
	// Failures counts checkpoints that could not be restored (the processor
	// then replays its whole log).
	Failures int
}

const (
	engineTickTag     = 1
	heartbeatTimerTag = 2
)

// NewEngineNode returns a factory for the simulator.
func NewEngineNode(config EngineNodeConfig) sim.NodeFactory {
	if config.TickInterval <= 0 {
		config.TickInterval = 50 * time.Millisecond
	}
	if config.HeartbeatInterval <= 0 {
		config.HeartbeatInterval = 100 * time.Millisecond
	}
	return func() sim.Node { return &EngineNode{config: config} }
}

func checkpointFile(stream string) string { return "checkpoint/" + stream }

// Start restores every processor from its checkpoint and subscribes it.
// With a runner, the streams are those of the last assignment recorded on
// the disk (or Streams if none), and the first heartbeat leaves at once.
func (n *EngineNode) Start(ctx *sim.NodeContext) {
	n.processors = map[string]*processor.Processor{}
	n.running = nil
	specs := n.config.Streams
	if n.config.Runner != 0 {
		specs = n.recoverAssignment(ctx)
	}
	for _, spec := range specs {
		n.startProcessor(ctx, spec)
	}
	ctx.SetTimer(n.config.TickInterval, engineTickTag)
	if n.config.Runner != 0 {
		n.heartbeat(ctx)
	}
}

// startProcessor restores a stream's processor from this node's last
// checkpoint of it (if any, however old) and subscribes it.
func (n *EngineNode) startProcessor(ctx *sim.NodeContext, spec StreamSpec) {
	self := Address(sim.Addr{Node: ctx.ID()})
	config := processor.Config{Stream: spec.Name, Self: self, Log: n.config.Log,
		CheckpointEvery: n.config.CheckpointEvery}
	p, err := processor.Recover(config, n.lastCheckpoint(ctx.Disk(), spec.Name), spec.Restore)
	if err != nil {
		n.Failures++
		ctx.Tracef("processor %s: checkpoint unusable (%v); replaying the whole log", spec.Name, err)
		if p, err = processor.Recover(config, nil, spec.Restore); err != nil {
			ctx.Fail("processor %s: %v", spec.Name, err)
			return
		}
	}
	n.processors[spec.Name] = p
	n.running = append(n.running, spec.Name)
	n.send(ctx, spec.Name, p.Start())
}

// lastCheckpoint returns the newest valid checkpoint record, or nil.
func (n *EngineNode) lastCheckpoint(disk *sim.Disk, stream string) []byte {
	records, err := disk.Scan(checkpointFile(stream))
	if err != nil && !errors.Is(err, sim.ErrNoFile) {
		return nil
	}
	for i := len(records) - 1; i >= 0; i-- {
		if records[i].Err == nil {
			return records[i].Data
		}
	}
	return nil
}

// Running returns the streams whose processors run here, in start order.
func (n *EngineNode) Running() []string { return slices.Clone(n.running) }

// Processor returns a stream's processor (nil if it does not run here),
// for inspection by checkers.
func (n *EngineNode) Processor(stream string) *processor.Processor { return n.processors[stream] }

// Receive routes a message to the processor it concerns.
func (n *EngineNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	sender := Address(from)
	switch m := message.(type) {
	case wire.MsgEntries:
		n.step(ctx, m.Stream, sender, message)
	case wire.MsgSnapshotRead:
		n.step(ctx, m.Stream, sender, message)
	case wire.MsgReadLogReply, wire.MsgAppendReply:
		for _, stream := range slices.Clone(n.running) {
			n.step(ctx, stream, sender, message)
		}
	case runner.MsgAssignment:
		n.adopt(ctx, m)
	}
}

func (n *EngineNode) step(ctx *sim.NodeContext, stream string, from wire.Address, message any) {
	if p := n.processors[stream]; p != nil {
		n.send(ctx, stream, p.Step(from, message))
	}
}

// Timer ticks every processor, or sends a heartbeat.
func (n *EngineNode) Timer(ctx *sim.NodeContext, tag uint64) {
	if tag == heartbeatTimerTag {
		n.heartbeat(ctx)
		return
	}
	for _, stream := range n.running {
		n.send(ctx, stream, n.processors[stream].Tick())
	}
	ctx.SetTimer(n.config.TickInterval, engineTickTag)
}

// send stores a checkpoint (replacing the old one) and sends messages.
func (n *EngineNode) send(ctx *sim.NodeContext, stream string, ready processor.Ready) {
	if ready.Checkpoint != nil {
		disk := ctx.Disk()
		file := checkpointFile(stream)
		disk.Remove(file)
		disk.Append(file, ready.Checkpoint)
		disk.Sync(file)
	}
	for _, m := range ready.Messages {
		_ = ctx.Send(Addr(m.To), m.Message)
	}
}
