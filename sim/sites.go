package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Site names a code fault site: a rarely taken path of correct code (a
// timestamp exactly on a deadline, equal timestamps, a batch of one, a
// retry before the answer could come, a short timeout, a reply sent twice)
// that a run forces when its plan enables the site. The code of a site
// lives in the simulated code paths (the log service, the processor, the
// coordinator, the cluster's hosts), switched by their configuration,
// never by a global; a site is off by default and costs one test of a
// switch when off. The simulator only names the sites and draws them: it
// never acts on them.
type Site uint8

const (
	// SiteDeadlineStamp: the log stamps an entry exactly at its
	// transaction's deadline when its natural timestamp falls shortly
	// before it.
	SiteDeadlineStamp Site = iota
	// SiteCoarseClock: log nodes and coordinators read clocks rounded down
	// to a coarse tick, so that timestamps share their wall time and
	// differ only in their logical counters and nodes.
	SiteCoarseClock
	// SiteTinyBatch: log reads and subscription catch-ups carry one entry
	// per message.
	SiteTinyBatch
	// SiteEarlyRetry: coordinators resend before an answer could arrive,
	// and processors tick (re-subscribe, retry terminations) early.
	SiteEarlyRetry
	// SiteShortTimeout: every other transaction and snapshot read gets a
	// timeout of a few milliseconds, so deadlines pass mid-protocol.
	SiteShortTimeout
	// SiteDuplicateReply: log nodes and processors send every reply twice.
	SiteDuplicateReply
	siteEnd
)

var siteNames = []string{"deadline-stamp", "coarse-clock", "tiny-batch", "early-retry", "short-timeout", "duplicate-reply"}

// SiteNames lists the site names in their fixed order.
func SiteNames() []string { return slices.Clone(siteNames) }

func (s Site) String() string {
	if s < siteEnd {
		return siteNames[s]
	}
	return fmt.Sprintf("site(%d)", uint8(s))
}

// Sites is a set of code fault sites.
type Sites uint16

// SitesAll is every site.
const SitesAll = Sites(1)<<siteEnd - 1

// Has reports whether site is in the set.
func (s Sites) Has(site Site) bool { return s&(1<<site) != 0 }

// With returns the set with site added.
func (s Sites) With(site Site) Sites { return s | 1<<site }

// Without returns the set with site removed.
func (s Sites) Without(site Site) Sites { return s &^ (1 << site) }

// String lists the sites, comma-separated ("none" for the empty set).
func (s Sites) String() string {
	if s == 0 {
		return "none"
	}
	var names []string
	for i, name := range siteNames {
		if s.Has(Site(i)) {
			names = append(names, name)
		}
	}
	return strings.Join(names, ",")
}

// ParseSite reads one site name.
func ParseSite(name string) (Site, error) {
	index := slices.Index(siteNames, name)
	if index < 0 {
		return 0, fmt.Errorf("%w: unknown fault site %q (want one of %s)", ErrBadFaults, name, strings.Join(siteNames, ","))
	}
	return Site(index), nil
}

// ParseSites reads "none", "" or a comma list of site names.
func ParseSites(text string) (Sites, error) {
	if text == "" || text == "none" {
		return 0, nil
	}
	var sites Sites
	for _, name := range strings.Split(text, ",") {
		site, err := ParseSite(strings.TrimSpace(name))
		if err != nil {
			return 0, err
		}
		sites = sites.With(site)
	}
	return sites, nil
}

// DrawSites draws the sites of a swarm run: each site is on with
// probability one third. Callers pass a stream of its own (the cluster
// uses "faults/sites"), so the draw shifts no other.
func DrawSites(rng *rand.Rand) Sites {
	var sites Sites
	for i := range siteNames {
		if rng.IntN(3) == 0 {
			sites = sites.With(Site(i))
		}
	}
	return sites
}

// Topology says how a deployment spreads its stream logs: over LogNodes
// log nodes (0 or 1: one), each with a clock of its own whose offset,
// drift and jumps grow with ClockSkew (0..1). The simulator does not act
// on it; a deployment that has log nodes (cluster) does, and seed files
// record it with the rest of the plan.
type Topology struct {
	LogNodes  int
	ClockSkew float64
}

// LogNodesMax bounds Topology.LogNodes.
const LogNodesMax = 8

// Spread reports whether the logs are spread over more than one node.
func (t Topology) Spread() bool { return t.LogNodes > 1 }

// String describes the topology, e.g. "logs:3,skew:0.42" ("single" for
// one log node).
func (t Topology) String() string {
	if !t.Spread() {
		return "single"
	}
	return fmt.Sprintf("logs:%d,skew:%.2f", t.LogNodes, t.ClockSkew)
}

// DrawTopology draws a swarm run's topology: with probability one half
// the logs are spread over 2 or 3 nodes, with a clock skew drawn
// uniformly from [0.2, 1]; otherwise one log node.
func DrawTopology(rng *rand.Rand) Topology {
	if rng.IntN(2) == 0 {
		return Topology{}
	}
	return Topology{LogNodes: 2 + rng.IntN(2), ClockSkew: 0.2 + 0.8*rng.Float64()}
}

// LogClock is one log node's clock under a topology: an offset from the
// start, a drift during the fault phase, and jumps at given times after
// the faults start.
type LogClock struct {
	Offset   time.Duration
	DriftPPM int64
	Jumps    []ClockJump
}

// ClockJump moves a clock by Delta, After the fault phase began.
type ClockJump struct {
	After time.Duration
	Delta time.Duration
}

// Clock offset, drift and jump bounds at full skew.
const (
	logClockOffsetMax = 100 * time.Millisecond
	logClockDriftMax  = 20_000 // ppm: 2%
	logClockJumpMax   = 100 * time.Millisecond
	logClockJumpsMax  = 4
)

// DrawLogClock draws one log node's clock for a topology's skew and a
// fault phase: an offset and a drift of either sign, up to 100ms and 2%
// at full skew, and up to 4 jumps of up to 100ms during the fault phase.
func DrawLogClock(rng *rand.Rand, skew float64, faultPhase time.Duration) LogClock {
	signed := func(bound float64) float64 { return (2*rng.Float64() - 1) * bound * skew }
	c := LogClock{Offset: time.Duration(signed(float64(logClockOffsetMax))),
		DriftPPM: int64(signed(logClockDriftMax))}
	for range rng.IntN(1 + int(skew*logClockJumpsMax)) {
		c.Jumps = append(c.Jumps, ClockJump{After: time.Duration(rng.Float64() * float64(faultPhase)),
			Delta: time.Duration(signed(float64(logClockJumpMax)))})
	}
	return c
}
