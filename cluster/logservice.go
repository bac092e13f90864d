package cluster

import (
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/sim"
)

// The log's two copies on the node's disk.
const (
	logFile       = "streamlog"
	logMirrorFile = "streamlog.mirror"
)

// tickTimerTag tags the log node's tick timer.
const tickTimerTag = 1

// LogNode is a sim.Node hosting a streamlog.Service.
type LogNode struct {
	config streamlog.Config
	// service is nil until Start recovers it. A failed recovery fails the
	// run, so no message or timer ever reaches a node without one.
	service *streamlog.Service
	// Repaired says this boot cut a torn tail or repaired a record.
	Repaired bool
}

var _ sim.Node = (*LogNode)(nil)

// newLogNode returns a log node for a sim.NodeFactory.
func newLogNode(config streamlog.Config) *LogNode { return &LogNode{config: config} }

// Service returns the hosted service (nil before Start or after a failed
// recovery), for tests and checkers.
func (n *LogNode) Service() *streamlog.Service { return n.service }

// Start rebuilds the service from the disk (the two copies merged and
// mended by sim.Disk.RecoverMirrored) and arms the tick timer. A record
// lost in both copies fails the run: acknowledged appends would be lost.
func (n *LogNode) Start(ctx *sim.NodeContext) {
	records, repaired, err := ctx.Disk().RecoverMirrored(logFile, logMirrorFile)
	if err != nil {
		ctx.Fail("streamlog: reading the log: %v", err)
		return
	}
	// Every record is one carryOut persisted from the service's Ready, and
	// the disk verified it, so the service must accept them all.
	service, err := streamlog.Recover(n.config, ctx.Clock(), uint32(ctx.ID()), records)
	assert.That(err == nil, "cluster: the log's %d verified records do not recover: %v", len(records), err)
	n.Repaired = repaired
	n.service = service
	ctx.Tracef("streamlog: recovered %d records, repaired=%t", len(records), repaired)
	ctx.SetTimer(service.Config().TickInterval, tickTimerTag)
}

// Receive steps the service with one message.
func (n *LogNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	n.carryOut(ctx, n.service.Step(Address(from), message))
}

// Timer ticks the service and re-arms the timer.
func (n *LogNode) Timer(ctx *sim.NodeContext, tag uint64) {
	if tag != tickTimerTag {
		assert.Broken("cluster: log node got timer tag %d", tag)
	}
	n.carryOut(ctx, n.service.Tick())
	ctx.SetTimer(n.service.Config().TickInterval, tickTimerTag)
}

// carryOut persists a Ready's records in both copies, syncs, and only then
// sends its messages.
func (n *LogNode) carryOut(ctx *sim.NodeContext, ready streamlog.Ready) {
	if len(ready.Persist) > 0 {
		disk := ctx.Disk()
		for _, record := range ready.Persist {
			disk.AppendToEach(record, logFile, logMirrorFile)
		}
		disk.Sync(logFile)
		disk.Sync(logMirrorFile)
	}
	for _, out := range ready.Messages {
		if err := ctx.Send(Addr(out.To), out.Message); err != nil {
			ctx.Fail("streamlog: send %T to %v: %v", out.Message, Addr(out.To), err)
		}
	}
}
