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

// LogNode is a sim.Node hosting a streamlog.Service, driven by a
// streamlog.Driver over the node's disk (mirroredLog) and flushed after
// every step.
type LogNode struct {
	config streamlog.Config
	// sites switches the code fault sites the host acts on (the coarse
	// clock, duplicated replies); config.Sites those of the service.
	sites *siteSwitch
	// coverage, when set, learns of deadline-stamp firings; stamped is
	// how many this boot's service had made at the last step.
	coverage *coverageObserver
	stamped  uint64
	// driver is nil until Start recovers the service. A failed recovery
	// fails the run, so no message or timer ever reaches a node without
	// one.
	driver *streamlog.Driver
	// Repaired says this boot cut a torn tail or repaired a record.
	Repaired bool
}

var _ sim.Node = (*LogNode)(nil)

// Service returns the hosted service (nil before Start or after a failed
// recovery), for tests and checkers.
func (n *LogNode) Service() *streamlog.Service {
	if n.driver == nil {
		return nil
	}
	return n.driver.Service()
}

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
	service, err := streamlog.Recover(n.config, n.sites.clock(ctx.Clock()), uint32(ctx.ID()), records)
	assert.That(err == nil, "cluster: the log's %d verified records do not recover: %v", len(records), err)
	n.Repaired = repaired
	n.driver = streamlog.NewDriver(service, mirroredLog{disk: ctx.Disk()})
	ctx.Tracef("streamlog: recovered %d records, repaired=%t", len(records), repaired)
	ctx.SetTimer(service.Config().TickInterval, tickTimerTag)
}

// Receive steps the service with one message.
func (n *LogNode) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	n.flush(ctx, n.driver.Step(Address(from), message))
}

// Timer ticks the service and re-arms the timer.
func (n *LogNode) Timer(ctx *sim.NodeContext, tag uint64) {
	if tag != tickTimerTag {
		assert.Broken("cluster: log node got timer tag %d", tag)
	}
	n.flush(ctx, n.driver.Tick())
	ctx.SetTimer(n.driver.Service().Config().TickInterval, tickTimerTag)
}

// flush syncs the step's records in both copies and only then sends its
// messages. The simulated disk never fails a write or a sync (its faults
// act at crashes), so neither can the step.
func (n *LogNode) flush(ctx *sim.NodeContext, stepErr error) {
	if n.coverage != nil {
		if stamped := n.driver.Service().Stats().StampedAtDeadline; stamped != n.stamped {
			n.stamped = stamped
			n.coverage.stamped(ctx.ID())
		}
	}
	messages, err := n.driver.Flush()
	if stepErr != nil || err != nil {
		assert.Broken("cluster: the simulated log failed: %v, %v", stepErr, err)
	}
	for _, out := range messages {
		if err := ctx.Send(Addr(out.To), out.Message); err != nil {
			ctx.Fail("streamlog: send %T to %v: %v", out.Message, Addr(out.To), err)
		}
		if n.sites.duplicated(out.Message) {
			_ = ctx.Send(Addr(out.To), out.Message)
		}
	}
}

// mirroredLog is the log's streamlog.Storage on a simulated disk: every
// record appended to both copies (sharing one stored frame), both synced.
type mirroredLog struct{ disk *sim.Disk }

var _ streamlog.Storage = mirroredLog{}

func (m mirroredLog) Append(record []byte) error {
	m.disk.AppendToEach(record, logFile, logMirrorFile)
	return nil
}

func (m mirroredLog) Sync() error {
	m.disk.Sync(logFile)
	m.disk.Sync(logMirrorFile)
	return nil
}
