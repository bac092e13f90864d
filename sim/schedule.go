package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// FaultEvent is one action of the fault schedule, for histories, traces
// and fault coverage.
type FaultEvent struct {
	AtNanos int64
	Node    NodeID // 0 for the network or the whole world
	Text    string
	// Family is the family of a fault action; 0 for an event that is not
	// one (a network window closing, a partition healed, the heal).
	Family Family
	// UntilNanos is when the action's effect ends as scheduled: AtNanos
	// for an instant (a clock jump), the end of the window, partition,
	// downtime or pause; for a drift, the end of time. Healing ends every
	// effect earlier (the "heal" event).
	UntilNanos int64
	// Reach and Nodes say what the action acts on.
	Reach Reach
	Nodes []NodeID
}

// Reach is what a fault action acts on.
type Reach uint8

const (
	// ReachEverything: every node and link (loss, duplication and
	// reordering windows).
	ReachEverything Reach = iota
	// ReachNodes: the nodes in Nodes (crash, pause, clock, disk).
	ReachNodes
	// ReachCut: the links between the nodes in Nodes and every other
	// node (a partition into halves, an isolated node).
	ReachCut
	// ReachLink: the link from Nodes[0] to Nodes[1] (a one-way block, a
	// clog).
	ReachLink
)

// Reaches reports whether the action acts on the given nodes or the
// links among them: one of them for ReachNodes, two on either side of
// the cut for ReachCut, both ends of the link for ReachLink.
func (e FaultEvent) Reaches(involved []NodeID) bool {
	switch e.Reach {
	case ReachEverything:
		return true
	case ReachNodes:
		return slices.ContainsFunc(involved, func(id NodeID) bool { return slices.Contains(e.Nodes, id) })
	case ReachCut:
		inside := slices.ContainsFunc(involved, func(id NodeID) bool { return slices.Contains(e.Nodes, id) })
		outside := slices.ContainsFunc(involved, func(id NodeID) bool { return !slices.Contains(e.Nodes, id) })
		return inside && outside
	case ReachLink:
		return len(e.Nodes) == 2 && slices.Contains(involved, e.Nodes[0]) && slices.Contains(involved, e.Nodes[1])
	}
	return false
}

// foreverNanos is the UntilNanos of an effect only healing ends.
const foreverNanos = int64(1<<63 - 1)

// nemesis drives a random fault schedule during the fault phase, then heals.
type nemesis struct {
	world  *World
	plan   FaultPlan
	healed bool
	// Active network fault windows, composed over the calm configuration.
	lossProbability      float64
	duplicateProbability float64
	reorder              bool
}

// StartFaults schedules the plan's random faults from now until
// plan.FaultPhase has passed, then a healing: every network fault removed,
// paused nodes resumed, crashed nodes restarted, clock drift stopped and
// disk faults turned off. Each family draws from its own PRNG stream.
func (w *World) StartFaults(plan FaultPlan) {
	n := &nemesis{world: w, plan: plan}
	w.nemesis = n
	if plan.Families.Has(FamilyDisk) {
		intensity := plan.Intensity[familyIndex(FamilyDisk)]
		w.diskFaults = diskFaults{tornProbability: 0.5 + 0.5*intensity,
			corruptProbability: 0.5 * intensity, corruptionsMax: 1}
	}
	for i, name := range familyNames {
		family := Family(1 << i)
		if plan.Families.Has(family) && family != 0 {
			n.loop(family, w.Rand("faults/"+name), plan.Intensity[i])
		}
	}
	w.After(plan.FaultPhase, w.Heal)
}

func familyIndex(f Family) int {
	for i := range familyNames {
		if f == 1<<i {
			return i
		}
	}
	panic(fmt.Sprintf("sim: %d is not a single fault family", f))
}

// loop schedules the family's next action after an exponential interval:
// between 2 (weak) and 20 (strong) actions per fault phase on average.
func (n *nemesis) loop(family Family, rng *rand.Rand, intensity float64) {
	mean := float64(n.plan.FaultPhase) / (2 + 18*intensity)
	wait := time.Duration(rng.ExpFloat64() * mean)
	n.world.After(wait, func() {
		if n.healed {
			return
		}
		n.act(family, rng, intensity)
		n.loop(family, rng, intensity)
	})
}

// span draws a fault duration in [minimum, minimum + spread*intensity).
func span(rng *rand.Rand, minimum, spread time.Duration, intensity float64) time.Duration {
	return minimum + time.Duration(rng.Float64()*float64(spread)*intensity)
}

func (n *nemesis) act(family Family, rng *rand.Rand, intensity float64) {
	w := n.world
	switch family {
	case FamilyPartition:
		n.partition(rng, intensity)
	case FamilyLoss:
		n.window(family, rng, intensity, func(on bool) {
			n.lossProbability = 0
			if on {
				n.lossProbability = 0.05 + 0.45*intensity*rng.Float64()
			}
		})
	case FamilyDuplicate:
		n.window(family, rng, intensity, func(on bool) {
			n.duplicateProbability = 0
			if on {
				n.duplicateProbability = 0.05 + 0.35*intensity*rng.Float64()
			}
		})
	case FamilyReorder:
		n.window(family, rng, intensity, func(on bool) { n.reorder = on })
	case FamilyCrash, FamilyDisk:
		if id, ok := n.pickNode(rng, true); ok {
			w.fault(id, "crash")
			downtime := span(rng, 10*time.Millisecond, 3*time.Second, intensity)
			w.describeFault(family, downtime, ReachNodes, id)
			w.CrashFor(id, downtime)
		}
	case FamilyPause:
		if id, ok := n.pickNode(rng, true); ok {
			w.Pause(id)
			pause := span(rng, 10*time.Millisecond, 2*time.Second, intensity)
			// Recorded without a note: Pause noted it already.
			w.faultLog = append(w.faultLog, FaultEvent{AtNanos: w.nowNanos, Node: id, Text: "pause"})
			w.describeFault(family, pause, ReachNodes, id)
			w.After(pause, func() { w.Resume(id) })
		}
	case FamilyClock:
		n.clockFault(rng, intensity)
	}
}

// window turns a network fault on for a while, then off.
func (n *nemesis) window(family Family, rng *rand.Rand, intensity float64, set func(on bool)) {
	set(true)
	n.applyNetwork()
	length := span(rng, 50*time.Millisecond, 2*time.Second, intensity)
	n.world.describeFault(family, length, ReachEverything)
	n.world.After(length, func() {
		if n.healed {
			return // Heal restored the calm network; a window ending now must not undo that
		}
		set(false)
		n.applyNetwork()
	})
}

func (n *nemesis) applyNetwork() {
	w := n.world
	config := w.config.Network
	config.LossProbability = n.lossProbability
	config.DuplicateProbability = n.duplicateProbability
	if n.reorder {
		config.Reorder = true
		config.DelayMean *= 4
		config.SlowTailProbability = 0.05
		config.SlowTailMax = max(config.SlowTailMax, 200*time.Millisecond)
	}
	w.network.SetConfig(config)
	w.fault(0, fmt.Sprintf("network loss=%.2f dup=%.2f reorder=%t", config.LossProbability,
		config.DuplicateProbability, config.Reorder))
}

func (n *nemesis) partition(rng *rand.Rand, intensity float64) {
	w := n.world
	all := w.Nodes()
	if len(all) < 2 {
		return
	}
	network := w.network
	reach, nodes := ReachCut, []NodeID(nil)
	switch rng.IntN(4) {
	case 0:
		a, b := network.PartitionRandomHalves(all, rng)
		w.fault(0, fmt.Sprintf("partition %v | %v", a, b))
		nodes = a
	case 1:
		id := all[rng.IntN(len(all))]
		network.Isolate(id, all)
		w.fault(id, "isolate")
		nodes = []NodeID{id}
	case 2:
		from, to := all[rng.IntN(len(all))], all[rng.IntN(len(all))]
		network.Block(from, to)
		w.fault(from, fmt.Sprintf("block one-way n%d->n%d", from, to))
		reach, nodes = ReachLink, []NodeID{from, to}
	default:
		from, to := all[rng.IntN(len(all))], all[rng.IntN(len(all))]
		length := span(rng, 10*time.Millisecond, time.Second, intensity)
		until := w.nowNanos + int64(length)
		network.Clog(from, to, until)
		w.fault(from, fmt.Sprintf("clog n%d->n%d until %v", from, to, time.Duration(until)))
		w.describeFault(FamilyPartition, length, ReachLink, from, to)
		return // a clog ends by itself
	}
	length := span(rng, 50*time.Millisecond, 3*time.Second, intensity)
	w.describeFault(FamilyPartition, length, reach, nodes...)
	w.After(length, func() {
		if !n.healed {
			network.Heal()
			w.fault(0, "partition healed")
		}
	})
}

func (n *nemesis) clockFault(rng *rand.Rand, intensity float64) {
	w := n.world
	all := w.Nodes()
	id := all[rng.IntN(len(all))]
	if rng.IntN(2) == 0 {
		delta := span(rng, time.Millisecond, time.Second, intensity)
		if rng.IntN(2) == 0 {
			delta = -delta
		}
		w.fault(id, "clock jump")
		w.describeFault(FamilyClock, 0, ReachNodes, id)
		w.JumpClock(id, delta)
		return
	}
	ppm := int64(1000 + rng.Float64()*200_000*intensity)
	if rng.IntN(2) == 0 {
		ppm = -ppm
	}
	w.fault(id, "clock drift")
	w.describeFault(FamilyClock, time.Duration(foreverNanos-w.nowNanos), ReachNodes, id)
	w.SetClockDrift(id, ppm)
}

// pickNode draws a crashable node that is up and not paused.
func (n *nemesis) pickNode(rng *rand.Rand, crashable bool) (NodeID, bool) {
	var candidates []NodeID
	for _, node := range n.world.nodes {
		if node.options.Crashable == crashable && !node.down && !node.paused {
			candidates = append(candidates, node.id)
		}
	}
	if len(candidates) == 0 {
		return 0, false
	}
	return candidates[rng.IntN(len(candidates))], true
}

// Heal ends the fault phase: the network is calm and whole, paused nodes
// resume, crashed nodes restart, clocks stop drifting (keeping their current
// offsets, so they do not jump), and disk faults are off.
func (w *World) Heal() {
	if w.nemesis != nil {
		w.nemesis.healed = true
		w.nemesis.lossProbability, w.nemesis.duplicateProbability, w.nemesis.reorder = 0, 0, false
	}
	w.diskFaults = diskFaults{}
	w.network.Heal()
	w.network.SetConfig(w.config.Network)
	w.fault(0, "heal")
	for _, node := range w.nodes {
		w.Resume(node.id)
		if node.down {
			w.Restart(node.id)
		}
		if node.clock.DriftPPM() != 0 {
			w.SetClockDrift(node.id, 0)
		}
	}
}

// Faulting reports whether the fault phase is running: a fault schedule
// started and has not healed yet.
func (w *World) Faulting() bool { return w.nemesis != nil && !w.nemesis.healed }

// Healed reports whether the fault phase has ended.
func (w *World) Healed() bool { return w.nemesis == nil || w.nemesis.healed }

// Faults returns the fault events so far, in order.
func (w *World) Faults() []FaultEvent { return w.faultLog }

// describeFault says what the last fault event was: an action of family
// lasting length (as scheduled), reaching nodes as reach says.
func (w *World) describeFault(family Family, length time.Duration, reach Reach, nodes ...NodeID) {
	last := &w.faultLog[len(w.faultLog)-1]
	last.Family, last.UntilNanos, last.Reach, last.Nodes = family, last.AtNanos+int64(length), reach, nodes
}

func (w *World) fault(node NodeID, text string) {
	w.faultLog = append(w.faultLog, FaultEvent{AtNanos: w.nowNanos, Node: node, Text: text})
	w.note(node, "fault: "+text)
}
