package simhost

import (
	"errors"
	"time"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
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
	Log engines.Address
	// TickInterval is how often each processor's Tick runs (default 50ms).
	TickInterval time.Duration
	// CheckpointEvery is the processors' checkpoint interval in entries.
	CheckpointEvery int
}

// EngineNode hosts the processors of several streams on one simulated
// node. Every processor has the node's address: pushed entries and
// snapshot reads are routed by stream; log-read replies (termination) go
// to every processor, which match them against their own state. Each
// processor's last checkpoint is a file on the node's disk; after a crash
// the node restores it and the processor replays the log after it.
type EngineNode struct {
	config     EngineNodeConfig
	processors map[string]*processor.Processor
	// Failures counts checkpoints that could not be restored (the processor
	// then replays its whole log).
	Failures int
}

const engineTickTag = 1

// NewEngineNode returns a factory for the simulator.
func NewEngineNode(config EngineNodeConfig) sim.NodeFactory {
	if config.TickInterval <= 0 {
		config.TickInterval = 50 * time.Millisecond
	}
	return func() sim.Node { return &EngineNode{config: config} }
}

func checkpointFile(stream string) string { return "checkpoint/" + stream }

// Start restores every processor from its checkpoint and subscribes it.
func (n *EngineNode) Start(ctx *sim.NodeContext) {
	n.processors = map[string]*processor.Processor{}
	self := Address(sim.Addr{Node: ctx.ID()})
	for _, spec := range n.config.Streams {
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
		n.send(ctx, spec.Name, p.Start())
	}
	ctx.SetTimer(n.config.TickInterval, engineTickTag)
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

// Processor returns a stream's processor, for inspection by checkers.
func (n *EngineNode) Processor(stream string) *processor.Processor { return n.processors[stream] }

// Receive routes a message to the processor it concerns.
func (n *EngineNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	sender := Address(from)
	switch m := message.(type) {
	case engines.MsgEntries:
		n.step(ctx, m.Stream, sender, message)
	case engines.MsgSnapshotRead:
		n.step(ctx, m.Stream, sender, message)
	case engines.MsgReadLogReply, engines.MsgAppendReply:
		for _, spec := range n.config.Streams {
			n.step(ctx, spec.Name, sender, message)
		}
	}
}

func (n *EngineNode) step(ctx *sim.NodeContext, stream string, from engines.Address, message any) {
	if p := n.processors[stream]; p != nil {
		n.send(ctx, stream, p.Step(from, message))
	}
}

// Timer ticks every processor.
func (n *EngineNode) Timer(ctx *sim.NodeContext, tag uint64) {
	for _, spec := range n.config.Streams {
		n.send(ctx, spec.Name, n.processors[spec.Name].Tick())
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
