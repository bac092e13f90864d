package sim

import (
	"errors"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// A set of sites prints as its names and parses back; a name that is not
// a site is an error naming it and the known ones.
func TestSitesRoundTripThroughTheirNames(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sites := Sites(rapid.Uint16Range(0, uint16(SitesAll)).Draw(t, "sites"))
		parsed, err := ParseSites(sites.String())
		if err != nil || parsed != sites {
			t.Fatalf("%v printed %q and parsed back as %v (%v)", uint16(sites), sites, parsed, err)
		}
		for i := range SiteNames() {
			site := Site(i)
			if sites.With(site).Without(site).Has(site) || !sites.With(site).Has(site) {
				t.Fatalf("With/Without %v on %v", site, sites)
			}
		}
	})
	_, err := ParseSites("tiny-batch,gremlins")
	if !errors.Is(err, ErrBadFaults) || err.Error() != `sim: bad faults: unknown fault site "gremlins" (want one of `+
		`deadline-stamp,coarse-clock,tiny-batch,early-retry,short-timeout,duplicate-reply)` {
		t.Fatalf("error %v", err)
	}
}

// Swarm draws of sites and topologies use only the stream they are given
// (a seed draws the same whatever else the run draws), and every site and
// every spread topology comes up over many seeds.
func TestSwarmDrawsSitesAndTopologies(t *testing.T) {
	var seenSites Sites
	spread := map[int]bool{}
	for seed := uint64(1); seed <= 200; seed++ {
		sites := DrawSites(newStream(seed, "faults/sites"))
		topology := DrawTopology(newStream(seed, "topology"))
		if again := DrawSites(newStream(seed, "faults/sites")); again != sites {
			t.Fatalf("seed %d: sites %v then %v", seed, sites, again)
		}
		if topology.Spread() && (topology.LogNodes > 3 || topology.ClockSkew < 0.2 || topology.ClockSkew > 1) {
			t.Fatalf("seed %d: topology %v out of the swarm's range", seed, topology)
		}
		seenSites |= sites
		spread[topology.LogNodes] = true
	}
	if seenSites != SitesAll || !spread[0] || !spread[2] || !spread[3] {
		t.Fatalf("200 seeds drew sites %v and log node counts %v", seenSites, spread)
	}
}

// A log node's clock stays within its bounds, scaled by the skew: no
// offset or jump over 100ms, no drift over 2%, at most 4 jumps, all
// within the fault phase; no skew, no change.
func TestLogClocksStayWithinTheirBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		skew := rapid.Float64Range(0, 1).Draw(t, "skew")
		phase := time.Duration(rapid.Int64Range(1, int64(time.Minute)).Draw(t, "phase"))
		c := DrawLogClock(newStream(rapid.Uint64().Draw(t, "seed"), "topology/clocks"), skew, phase)
		within := func(value, bound float64) bool { return value >= -bound*skew && value <= bound*skew }
		if !within(float64(c.Offset), float64(logClockOffsetMax)) || !within(float64(c.DriftPPM), logClockDriftMax) ||
			len(c.Jumps) > logClockJumpsMax {
			t.Fatalf("skew %.2f: clock %+v", skew, c)
		}
		for _, jump := range c.Jumps {
			if jump.After < 0 || jump.After >= phase || !within(float64(jump.Delta), float64(logClockJumpMax)) {
				t.Fatalf("skew %.2f, phase %v: jump %+v", skew, phase, jump)
			}
		}
	})
}

// Every action of a fault schedule says its family, how long it lasts
// and what it reaches; the events that only close or heal say no family.
// A crash reaches the crashed node for its downtime, a pause the paused
// node, a network window everything, a partition a cut or a link, a
// clock fault one node.
func TestFaultEventsSayWhatTheyReach(t *testing.T) {
	seen := Family(0)
	for seed := uint64(1); seed <= 30; seed++ {
		w := newTestWorld(seed)
		for range 3 {
			w.AddNode(NodeOptions{Factory: echoFactory, Crashable: true})
		}
		w.StartFaults(DrawFaultPlan(FaultMode{Families: FamilyAll}, w.Rand("plan"), 2*time.Second))
		w.RunFor(3 * time.Second)
		for _, event := range w.Faults() {
			seen |= event.Family
			want := map[Family][]Reach{FamilyCrash: {ReachNodes}, FamilyDisk: {ReachNodes}, FamilyPause: {ReachNodes},
				FamilyClock: {ReachNodes}, FamilyLoss: {ReachEverything}, FamilyDuplicate: {ReachEverything},
				FamilyReorder: {ReachEverything}, FamilyPartition: {ReachCut, ReachLink}}[event.Family]
			switch {
			case event.Family == 0 && event.UntilNanos != 0:
				t.Fatalf("seed %d: %+v closes or heals, yet lasts", seed, event)
			case event.Family == 0:
			case event.UntilNanos < event.AtNanos || !slices.Contains(want, event.Reach):
				t.Fatalf("seed %d: %+v", seed, event)
			case event.Reach == ReachNodes && (len(event.Nodes) != 1 || event.Nodes[0] != event.Node):
				t.Fatalf("seed %d: %+v reaches %v, not its node", seed, event, event.Nodes)
			case event.Reach == ReachLink && len(event.Nodes) != 2:
				t.Fatalf("seed %d: %+v is a link of %v", seed, event, event.Nodes)
			}
		}
		w.Close()
	}
	if seen != FamilyAll {
		t.Fatalf("30 seeds of every family saw actions of %v", seen)
	}
	cut := FaultEvent{Reach: ReachCut, Nodes: []NodeID{1, 2}}
	link := FaultEvent{Reach: ReachLink, Nodes: []NodeID{3, 1}}
	nodes := FaultEvent{Reach: ReachNodes, Nodes: []NodeID{2}}
	for _, c := range []struct {
		event    FaultEvent
		involved []NodeID
		want     bool
	}{
		{cut, []NodeID{1, 2}, false}, {cut, []NodeID{1, 3}, true}, {cut, []NodeID{3, 4}, false},
		{link, []NodeID{1, 3}, true}, {link, []NodeID{3, 2}, false},
		{nodes, []NodeID{1, 2}, true}, {nodes, []NodeID{1, 3}, false},
		{FaultEvent{}, []NodeID{5}, true},
	} {
		if got := c.event.Reaches(c.involved); got != c.want {
			t.Errorf("%+v reaches %v: %t, want %t", c.event, c.involved, got, c.want)
		}
	}
}
