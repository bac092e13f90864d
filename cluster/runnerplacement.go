package cluster

import (
	"slices"

	"github.com/proven2pc/proven/coordinator/runner"
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
	assignment, err := runner.DecodeAssignment(record)
	if err != nil {
		ctx.Tracef("placement record unusable (%v); starting the configured streams", err)
		return n.config.Streams
	}
	n.version = assignment.Version
	return n.specs(runner.Assigned(assignment, Address(sim.Addr{Node: ctx.ID()})))
}

// adopt runs a newer assignment: it records it, stops the processors of
// streams it no longer lists (their checkpoints stay on disk: any
// checkpoint is a valid starting point later) and starts the new ones.
// Persist before you speak: the record is synced before any processor
// starts and sends.
func (n *EngineNode) adopt(ctx *sim.NodeContext, assignment runner.MsgAssignment) {
	if assignment.Version <= n.version {
		return
	}
	disk := ctx.Disk()
	disk.Append(placementFile, runner.EncodeAssignment(assignment))
	disk.Sync(placementFile)
	n.version = assignment.Version
	wanted := runner.Assigned(assignment, Address(sim.Addr{Node: ctx.ID()}))
	var kept []string
	for _, stream := range n.running {
		if slices.Contains(wanted, stream) {
			kept = append(kept, stream)
			continue
		}
		delete(n.processors, stream)
		ctx.Tracef("processor %s: stopped (assignment v%d)", stream, assignment.Version)
	}
	n.running = kept
	for _, spec := range n.specs(wanted) {
		if n.processors[spec.Name] == nil {
			ctx.Tracef("processor %s: started (assignment v%d)", spec.Name, assignment.Version)
			n.startProcessor(ctx, spec)
		}
	}
}

// specs looks streams up in the catalog, in the order given; unknown
// streams are skipped.
func (n *EngineNode) specs(streams []string) []StreamSpec {
	var specs []StreamSpec
	for _, stream := range streams {
		for _, spec := range n.config.Catalog {
			if spec.Name == stream {
				specs = append(specs, spec)
			}
		}
	}
	return specs
}
