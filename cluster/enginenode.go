package cluster

import (
	"bytes"
	"slices"
	"time"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/sim"
)

// engineNodeConfig describes an engine node.
type engineNodeConfig struct {
	// Streams are the streams whose processors run on this node.
	Streams []StreamSpec
	// Log is the first log node's address; LogOf, when set, routes each
	// stream to its log node.
	Log   wire.Address
	LogOf func(stream string) wire.Address
	// TickInterval is how often each processor's Tick runs (default 50ms).
	TickInterval time.Duration
	// CheckpointEvery is the processors' checkpoint interval in entries.
	CheckpointEvery int
	// DeltasPerCheckpoint is how many deltas follow a full checkpoint.
	DeltasPerCheckpoint int
	// VersionRetention and CollectEvery set the processors' garbage
	// collection.
	VersionRetention time.Duration
	CollectEvery     int
	// Runner, when nonzero, is the runner's address: the node heartbeats to
	// it every HeartbeatInterval and runs exactly the streams of the newest
	// assignment it adopted. Streams are then only the streams it starts
	// with before any assignment was recorded on its disk.
	Runner wire.Address
	// Catalog lists every stream the runner may assign, with its restorer
	// (used only with Runner).
	Catalog []StreamSpec
	// HeartbeatInterval is the heartbeat period (default 100ms).
	HeartbeatInterval time.Duration
	// sites switches the code fault sites; coverage, when set, watches
	// terminations (Config.Coverage).
	sites    *siteSwitch
	coverage *coverageObserver
}

// EngineNode hosts the processors of several streams on one simulated
// node. Every processor has the node's address: pushed entries and
// snapshot reads are routed by stream; log-read replies (termination) go
// to every processor, which match them against their own state. Each
// processor's last checkpoint is a file on the node's disk; after a crash
// the node restores it and the processor replays the log after it.
//
// With a runner (Config.Failover), the node heartbeats and runs
// the streams of the newest assignment it adopted, recorded on its disk;
// a processor it starts uses its own last checkpoint of the stream if it
// ever ran it, or replays the whole log (coordinator/runner/doc.go says
// why a second copy running meanwhile elsewhere is harmless).
type EngineNode struct {
	config     engineNodeConfig
	processors map[string]*processor.Processor
	// running lists the streams of processors, in the order they started:
	// messages and ticks reach processors in this order.
	// Invariant: running holds exactly the keys of processors, once each.
	running []string
	// version is the assignment version the node runs (0: none yet).
	version uint64
}

const (
	engineTickTag     = 1
	heartbeatTimerTag = 2
)

// newEngineNode returns a factory for the simulator.
func newEngineNode(config engineNodeConfig) sim.NodeFactory {
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
	n.assertRuns(ctx, specs)
	ctx.SetTimer(n.config.TickInterval, engineTickTag)
	if n.config.Runner != 0 {
		n.heartbeat(ctx)
	}
}

// startProcessor restores a stream's processor from this node's last
// checkpoint of it (if any, however old) and subscribes it.
// Requires: the stream does not run here.
func (n *EngineNode) startProcessor(ctx *sim.NodeContext, spec StreamSpec) {
	assert.That(n.processors[spec.Name] == nil, "cluster: processor %s started twice on n%d", spec.Name, ctx.ID())
	self := Address(sim.Addr{Node: ctx.ID()})
	config := processor.Config{Stream: spec.Name, Self: self, Log: n.config.Log, LogOf: n.config.LogOf,
		CheckpointEvery: n.config.CheckpointEvery, DeltasPerCheckpoint: n.config.DeltasPerCheckpoint,
		VersionRetention: n.config.VersionRetention, CollectEvery: n.config.CollectEvery, Sites: n.config.sites.processor()}
	// The chain is records this node wrote and the disk verified (a
	// damaged one ends it), so it must restore.
	full, deltas := checkpointChain(ctx.Disk(), checkpointFile(spec.Name))
	p, _, err := processor.RecoverChain(config, full, deltas, spec.Restore)
	assert.That(err == nil, "cluster: processor %s on n%d does not restore: %v", spec.Name, ctx.ID(), err)
	n.processors[spec.Name] = p
	n.running = append(n.running, spec.Name)
	n.send(ctx, spec.Name, p.Start())
}

// checkpointChain reads a stream's checkpoint file: its first record, a
// full checkpoint, and the deltas after it up to the first damaged record
// (nil, nil when the full one is damaged or absent: the processor replays
// the whole log).
func checkpointChain(disk *sim.Disk, file string) (full []byte, deltas [][]byte) {
	records, err := disk.Scan(file)
	if err != nil || len(records) == 0 || records[0].Err != nil {
		return nil, nil
	}
	for _, record := range records[1:] {
		if record.Err != nil {
			break
		}
		deltas = append(deltas, record.Data)
	}
	return records[0].Data, deltas
}

// Running returns the streams whose processors run here, in start order.
func (n *EngineNode) Running() []string { return slices.Clone(n.running) }

// Processor returns a stream's processor (nil if it does not run here),
// for inspection by checkers.
func (n *EngineNode) Processor(stream string) *processor.Processor { return n.processors[stream] }

// Receive routes a message to the processor it concerns.
func (n *EngineNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	if n.config.coverage != nil {
		n.config.coverage.engineReceived(ctx.ID(), message)
	}
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
	if tag != engineTickTag {
		assert.Broken("cluster: engine node n%d got timer tag %d", ctx.ID(), tag)
	}
	for _, stream := range n.running {
		n.send(ctx, stream, n.processors[stream].Tick())
	}
	ctx.SetTimer(n.config.sites.tickInterval(n.config.TickInterval), engineTickTag)
}

// storeCheckpoint appends checkpoint bytes to the stream's checkpoint
// file, durably.
func (n *EngineNode) storeCheckpoint(ctx *sim.NodeContext, stream string, data []byte) {
	file := checkpointFile(stream)
	ctx.Disk().Append(file, data)
	ctx.Disk().Sync(file)
}

// send stores a checkpoint (a full one replaces the file, a delta is
// appended to it) and sends messages.
func (n *EngineNode) send(ctx *sim.NodeContext, stream string, ready processor.Ready) {
	if frozen := ready.Checkpoint; frozen != nil {
		// The frozen checkpoint written as the live runtime writes it (in
		// chunks), so the simulator proves that path.
		var out bytes.Buffer
		out.Grow(frozen.Len())
		if _, err := frozen.WriteTo(&out); err != nil {
			assert.Broken("cluster: writing stream %q's frozen checkpoint to memory: %v", stream, err)
		}
		ctx.Disk().Remove(checkpointFile(stream))
		n.storeCheckpoint(ctx, stream, out.Bytes())
	}
	if ready.CheckpointDelta != nil {
		n.storeCheckpoint(ctx, stream, ready.CheckpointDelta)
	}
	for _, m := range ready.Messages {
		if n.config.coverage != nil {
			n.config.coverage.engineSent(ctx.ID(), m.To, m.Message)
		}
		_ = ctx.Send(Addr(m.To), m.Message)
		if n.config.sites.duplicated(m.Message) {
			_ = ctx.Send(Addr(m.To), m.Message)
		}
	}
}
