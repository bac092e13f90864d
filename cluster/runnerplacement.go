package cluster

import (
	"slices"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/sim"
)

// placementFile holds an engine node's adopted assignments, one record
// each; Start takes the last intact one.
const placementFile = "placement"

// heartbeat tells the runner this node is alive and which assignment
// version it runs, and re-arms the heartbeat timer.
func (n *EngineNode) heartbeat(ctx *sim.NodeContext) {
	self := Address(sim.Addr{Node: ctx.ID()})
	_ = ctx.Send(Addr(n.config.Runner), runner.MsgHeartbeat{Node: self, Version: n.version})
	ctx.SetTimer(n.config.HeartbeatInterval, heartbeatTimerTag)
}

// recoverAssignment returns the streams of the last assignment recorded on
// the disk, or the configured Streams when there is none.
func (n *EngineNode) recoverAssignment(ctx *sim.NodeContext) []StreamSpec {
	n.version = 0
	record := lastIntactRecord(ctx.Disk(), placementFile)
	if record == nil {
		return n.config.Streams
	}
	// The record is one adopt wrote and the disk verified (a damaged one
	// reads as absent), so it must decode.
	assignment, err := runner.DecodeAssignment(record)
	assert.That(err == nil, "cluster: placement record of n%d does not decode: %v", ctx.ID(), err)
	assert.That(assignment.Version > 0, "cluster: placement record of n%d has version 0", ctx.ID())
	n.version = assignment.Version
	return n.specs(runner.Assigned(assignment, Address(sim.Addr{Node: ctx.ID()})))
}

// adopt runs a newer assignment: it records it, stops the processors of
// streams it no longer lists (their checkpoints stay on disk: any
// checkpoint is a valid starting point later) and starts the new ones.
// Persist before you speak: the record is synced before any processor
// starts and sends. An older or equal version is stale and ignored.
func (n *EngineNode) adopt(ctx *sim.NodeContext, assignment runner.MsgAssignment) {
	if assignment.Version <= n.version {
		return
	}
	disk := ctx.Disk()
	disk.Append(placementFile, runner.EncodeAssignment(assignment))
	disk.Sync(placementFile)
	n.version = assignment.Version
	wanted := n.specs(runner.Assigned(assignment, Address(sim.Addr{Node: ctx.ID()})))
	var kept []string
	for _, stream := range n.running {
		if slices.ContainsFunc(wanted, func(spec StreamSpec) bool { return spec.Name == stream }) {
			kept = append(kept, stream)
			continue
		}
		delete(n.processors, stream)
		ctx.Tracef("processor %s: stopped (assignment v%d)", stream, assignment.Version)
	}
	n.running = kept
	for _, spec := range wanted {
		if n.processors[spec.Name] == nil {
			ctx.Tracef("processor %s: started (assignment v%d)", spec.Name, assignment.Version)
			n.startProcessor(ctx, spec)
		}
	}
	n.assertRuns(ctx, wanted)
}

// assertRuns checks the state an adoption leaves: the node runs exactly
// the wanted streams, each with its processor.
func (n *EngineNode) assertRuns(ctx *sim.NodeContext, wanted []StreamSpec) {
	assert.That(len(n.running) == len(wanted), "cluster: n%d runs %v after adopting v%d of %d streams",
		ctx.ID(), n.running, n.version, len(wanted))
	assert.That(len(n.processors) == len(n.running), "cluster: n%d has %d processors for %d running streams",
		ctx.ID(), len(n.processors), len(n.running))
	for _, spec := range wanted {
		assert.That(n.processors[spec.Name] != nil, "cluster: n%d adopted v%d without a processor of %s",
			ctx.ID(), n.version, spec.Name)
	}
}

// specs looks streams up in the catalog, in the order given.
// Requires: every stream is in the catalog (the runner places exactly
// the catalog's streams).
func (n *EngineNode) specs(streams []string) []StreamSpec {
	specs := make([]StreamSpec, 0, len(streams))
	for _, stream := range streams {
		index := slices.IndexFunc(n.config.Catalog, func(spec StreamSpec) bool { return spec.Name == stream })
		assert.That(index >= 0, "cluster: the runner assigned %q, which is not a stream of the cluster", stream)
		specs = append(specs, n.config.Catalog[index])
	}
	return specs
}
