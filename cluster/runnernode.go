package cluster

import (
	"time"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// runnerFile holds the runner's placement records, appended one per
// change; Start takes the last intact one.
const runnerFile = "runner"

// runnerTickTag tags the runner node's tick timer.
const runnerTickTag = 1

// RunnerNode is a sim.Node hosting a runner.Runner: it ticks the runner
// every TickInterval (the engine nodes' heartbeat interval), steps it
// with heartbeats, and persists each placement record before sending.
type RunnerNode struct {
	config       runner.Config
	tickInterval time.Duration
	runner       *runner.Runner // set by Start
}

var _ sim.Node = (*RunnerNode)(nil)

// newRunnerNode returns a factory for the simulator.
func newRunnerNode(config runner.Config, tickInterval time.Duration) sim.NodeFactory {
	return func() sim.Node { return &RunnerNode{config: config, tickInterval: tickInterval} }
}

// registerRunnerMessages adds the runner's messages to a codec.
func registerRunnerMessages(codec *net.Registry) {
	net.Register[runner.MsgHeartbeat](codec, "MsgHeartbeat")
	net.Register[runner.MsgAssignment](codec, "MsgAssignment")
}

// Runner returns the hosted runner (nil before Start), for the cluster's
// directory and for tests.
func (n *RunnerNode) Runner() *runner.Runner { return n.runner }

// Start recovers the runner from its last intact record and arms the tick.
func (n *RunnerNode) Start(ctx *sim.NodeContext) {
	// The record is one this node wrote and the disk verified (a damaged
	// one reads as absent), so it decodes; and the cluster gives the
	// runner at least one engine node, the only configuration it refuses.
	r, err := runner.Recover(n.config, lastIntactRecord(ctx.Disk(), runnerFile))
	assert.That(err == nil, "cluster: runner does not recover: %v", err)
	n.runner = r
	ctx.Tracef("runner: placement version %d", r.Version())
	ctx.SetTimer(n.tickInterval, runnerTickTag)
}

// Receive steps the runner with one message.
func (n *RunnerNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	n.carryOut(ctx, n.runner.Step(Address(from), message))
}

// Timer ticks the runner and re-arms.
func (n *RunnerNode) Timer(ctx *sim.NodeContext, tag uint64) {
	if tag != runnerTickTag {
		assert.Broken("cluster: runner node got timer tag %d", tag)
	}
	n.carryOut(ctx, n.runner.Tick())
	ctx.SetTimer(n.tickInterval, runnerTickTag)
}

// carryOut persists the record, then sends.
func (n *RunnerNode) carryOut(ctx *sim.NodeContext, ready runner.Ready) {
	if ready.Record != nil {
		ctx.Disk().Append(runnerFile, ready.Record)
		ctx.Disk().Sync(runnerFile)
		ctx.Tracef("runner: placement version %d %v", n.runner.Version(), n.runner.Placements())
	}
	for _, out := range ready.Messages {
		_ = ctx.Send(Addr(out.To), out.Message)
	}
}

// lastIntactRecord returns the newest record of a file that reads back
// intact, or nil.
func lastIntactRecord(disk *sim.Disk, file string) []byte {
	records, err := disk.Scan(file)
	if err != nil {
		return nil
	}
	for i := len(records) - 1; i >= 0; i-- {
		if records[i].Err == nil {
			return records[i].Data
		}
	}
	return nil
}

// nodeAddresses converts node ids to engines addresses of their servers.
func nodeAddresses(ids []sim.NodeID) []wire.Address {
	addresses := make([]wire.Address, len(ids))
	for i, id := range ids {
		addresses[i] = Address(sim.Addr{Node: id})
	}
	return addresses
}
