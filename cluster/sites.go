package cluster

import (
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// siteSwitch says which code fault sites are on now: the plan's sites,
// during the fault phase only (a site is a fault: healing turns it off).
// The hosts ask it, and the step machines ask it through the functions
// their configs take (nil when the plan has none of their sites, so that
// a run without sites tests one nil function per use, nothing more).
type siteSwitch struct {
	world *sim.World
	sites sim.Sites
}

// on reports whether site is on now. A nil switch has every site off.
func (s *siteSwitch) on(site sim.Site) bool {
	return s.any(site) && s.world.Faulting()
}

// any reports whether the plan has any of sites.
func (s *siteSwitch) any(sites ...sim.Site) bool {
	if s == nil {
		return false
	}
	for _, site := range sites {
		if s.sites.Has(site) {
			return true
		}
	}
	return false
}

func (s *siteSwitch) streamlog() func() streamlog.Sites {
	if !s.any(sim.SiteDeadlineStamp, sim.SiteTinyBatch) {
		return nil
	}
	return func() streamlog.Sites {
		return streamlog.Sites{StampAtDeadline: s.on(sim.SiteDeadlineStamp), TinyBatches: s.on(sim.SiteTinyBatch)}
	}
}

func (s *siteSwitch) processor() func() processor.Sites {
	if !s.any(sim.SiteTinyBatch) {
		return nil
	}
	return func() processor.Sites { return processor.Sites{TinyBatches: s.on(sim.SiteTinyBatch)} }
}

func (s *siteSwitch) coordinator() func() coordinator.Sites {
	if !s.any(sim.SiteEarlyRetry, sim.SiteShortTimeout) {
		return nil
	}
	return func() coordinator.Sites {
		return coordinator.Sites{EarlyRetry: s.on(sim.SiteEarlyRetry), ShortTimeouts: s.on(sim.SiteShortTimeout)}
	}
}

// coarseClockTick is the granularity of a clock read under the
// coarse-clock site: every timestamp taken within one tick shares its
// wall time (the log's tick interval, so idle streams still advance).
const coarseClockTick = 10 * time.Millisecond

// clock returns physical, read through the coarse-clock site when the
// plan has it.
func (s *siteSwitch) clock(physical clock.Clock) clock.Clock {
	if !s.any(sim.SiteCoarseClock) {
		return physical
	}
	return coarseClock{physical: physical, sites: s}
}

// coarseClock rounds a clock down to coarseClockTick while the
// coarse-clock site is on.
type coarseClock struct {
	physical clock.Clock
	sites    *siteSwitch
}

func (c coarseClock) Now() int64 {
	now := c.physical.Now()
	if !c.sites.on(sim.SiteCoarseClock) {
		return now
	}
	tick := int64(coarseClockTick)
	return now - ((now%tick)+tick)%tick
}

// duplicated reports whether a host sends message twice: a reply, while
// the duplicate-reply site is on.
func (s *siteSwitch) duplicated(message any) bool {
	if !s.any(sim.SiteDuplicateReply) {
		return false
	}
	switch message.(type) {
	case wire.MsgAppendReply, wire.MsgReadLogReply, wire.MsgOperationReply, wire.MsgVote, wire.MsgOutcome,
		wire.MsgSnapshotReadReply:
		return s.on(sim.SiteDuplicateReply)
	}
	return false
}

// earlyTickInterval is the engine nodes' tick under the early-retry site:
// processors re-subscribe and retry terminations five times as often.
const earlyTickInterval = 10 * time.Millisecond

// tickInterval is an engine node's tick interval now.
func (s *siteSwitch) tickInterval(normal time.Duration) time.Duration {
	if s.on(sim.SiteEarlyRetry) {
		return min(normal, earlyTickInterval)
	}
	return normal
}

// processClock is a simulated process's local clock as a clock.Clock.
type processClock struct{ process *sim.Process }

func (c processClock) Now() int64 { return c.process.Now() }
