package net

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// NodeID names a simulated node.
type NodeID uint32

// link is one direction between two nodes.
type link struct {
	from NodeID
	to   NodeID
}

// Stats counts what Plan decided since the network was created.
//
// Invariant: Sent == Blocked + Lost + Delivered - Duplicated.
type Stats struct {
	Sent       uint64 // messages handed to Plan
	Delivered  uint64 // delivery times planned, duplicates included
	Lost       uint64 // messages dropped by random loss
	Blocked    uint64 // messages dropped because their link was blocked
	Duplicated uint64 // messages delivered twice
	Held       uint64 // messages held back by a clog (delivered later, not lost)
}

// Network is the network model. It answers, for each message, when (if ever)
// it arrives; it never schedules anything itself. It is not safe for
// concurrent use: the simulator calls it from its single thread.
type Network struct {
	config Config
	rng    *rand.Rand
	// blocked holds the directed links that drop every message. Only looked
	// up, never ranged. Invariant: no loopback link (from == to) is present.
	blocked map[link]struct{}
	// clogUntilNanos holds, per directed link, the virtual time until which
	// messages are held. Only looked up, never ranged. Invariant: no loopback
	// link is present.
	clogUntilNanos map[link]int64
	// lastDeliveryNanos is, per directed link, the latest delivery time ever
	// planned on it. It survives Heal so that FIFO links stay FIFO.
	lastDeliveryNanos map[link]int64
	stats             Stats
}

// New returns a network with the given config drawing every random choice
// from rng. The same config, rng seed and call sequence give the same plans.
// Requires: cfg.Validate() == nil and rng != nil (New panics otherwise;
// validate configs that come from outside first).
func New(cfg Config, rng *rand.Rand) *Network {
	if rng == nil {
		panic("net: New: rng is nil")
	}
	n := &Network{
		rng:               rng,
		blocked:           make(map[link]struct{}),
		clogUntilNanos:    make(map[link]int64),
		lastDeliveryNanos: make(map[link]int64),
	}
	n.SetConfig(cfg)
	return n
}

// Config returns the current config.
func (n *Network) Config() Config { return n.config }

// SetConfig replaces the config for messages planned from now on; deliveries
// already planned are unaffected. Requires: cfg.Validate() == nil (panics
// otherwise).
func (n *Network) SetConfig(cfg Config) {
	if err := cfg.Validate(); err != nil {
		panic("net: SetConfig: " + err.Error())
	}
	n.config = cfg
}

// Stats returns the counters.
func (n *Network) Stats() Stats { return n.stats }

// Plan decides the fate of one message sent from -> to at virtual time
// nowNanos. It appends zero delivery times (lost or blocked), one, or two
// (duplicated) to out and returns it; it does not allocate when out has room
// for two more (after the link's first message).
//
// A loopback message (from == to) is never blocked, lost, held or duplicated
// and arrives after exactly DelayMin. A message on a clogged link is held:
// its delay starts at the clog's end instead of nowNanos.
//
// Guarantees, for a fixed config and non-decreasing nowNanos: every delivery
// time is in [nowNanos+DelayMin, start+DelayMax()], where start is nowNanos or
// the clog's end; with Reorder false, delivery times on one directed link never
// decrease from one call to the next.
func (n *Network) Plan(from, to NodeID, nowNanos int64, out []int64) []int64 {
	n.stats.Sent++
	key := link{from: from, to: to}
	if from == to {
		return n.deliver(key, nowNanos, n.config.DelayMin, out)
	}
	if _, blocked := n.blocked[key]; blocked {
		n.stats.Blocked++
		return out
	}
	if n.chance(n.config.LossProbability) {
		n.stats.Lost++
		return out
	}
	startNanos := nowNanos
	if untilNanos, clogged := n.clogUntilNanos[key]; clogged && untilNanos > nowNanos {
		startNanos = untilNanos
		n.stats.Held++
	}
	out = n.deliver(key, startNanos, n.drawDelay(), out)
	if n.chance(n.config.DuplicateProbability) {
		n.stats.Duplicated++
		out = n.deliver(key, startNanos, n.drawDelay(), out)
	}
	return out
}

// deliver appends the delivery time startNanos+delay, raised to the link's
// last delivery time when the link is FIFO.
func (n *Network) deliver(key link, startNanos int64, delay time.Duration, out []int64) []int64 {
	deliveryNanos := addSaturating(startNanos, int64(delay))
	lastNanos, seen := n.lastDeliveryNanos[key]
	if seen && !n.config.Reorder && deliveryNanos < lastNanos {
		deliveryNanos = lastNanos
	}
	if !seen || deliveryNanos > lastNanos {
		n.lastDeliveryNanos[key] = deliveryNanos
	}
	n.stats.Delivered++
	return append(out, deliveryNanos)
}

// chance draws true with the given probability; it draws nothing when the
// probability is zero, so a calm network consumes no randomness for it.
func (n *Network) chance(probability float64) bool {
	return probability > 0 && n.rng.Float64() < probability
}

// drawDelay draws one delay: the slow path with SlowTailProbability, uniform
// in [DelayMean, SlowTailMax]; otherwise DelayMin plus a capped exponential
// with mean DelayMean-DelayMin.
func (n *Network) drawDelay() time.Duration {
	config := &n.config
	if n.chance(config.SlowTailProbability) {
		span := uint64(config.SlowTailMax - config.DelayMean)
		return config.DelayMean + time.Duration(n.rng.Uint64N(span+1))
	}
	spread := config.DelayMean - config.DelayMin
	if spread == 0 {
		return config.DelayMin
	}
	extra := n.rng.ExpFloat64() * float64(spread)
	extraMax := float64(normalDelayCapMeans) * float64(spread)
	if extra > extraMax {
		extra = extraMax
	}
	return min(config.DelayMin+time.Duration(extra), config.normalDelayMax())
}

// addSaturating returns a+b for b >= 0, or math.MaxInt64 when that overflows.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Block drops every later message from -> to (one way). Blocking a loopback
// link does nothing: a node always reaches itself.
func (n *Network) Block(from, to NodeID) {
	if from == to {
		return
	}
	n.blocked[link{from: from, to: to}] = struct{}{}
}

// Unblock lets messages from -> to through again.
func (n *Network) Unblock(from, to NodeID) {
	delete(n.blocked, link{from: from, to: to})
}

// Blocked reports whether messages from -> to are dropped.
func (n *Network) Blocked(from, to NodeID) bool {
	_, blocked := n.blocked[link{from: from, to: to}]
	return blocked
}

// Partition blocks both directions between every node of sideA and every
// node of sideB. Links within a side are untouched. A node on both sides is
// not cut from itself.
func (n *Network) Partition(sideA, sideB []NodeID) {
	for _, a := range sideA {
		for _, b := range sideB {
			n.Block(a, b)
			n.Block(b, a)
		}
	}
}

// Isolate blocks both directions between node and every other node of all.
func (n *Network) Isolate(node NodeID, all []NodeID) {
	n.Partition([]NodeID{node}, all)
}

// PartitionRandomHalves splits the distinct nodes of all into two random
// halves (sizes differ by at most one; with two or more nodes both are
// non-empty), partitions them, and returns both sides sorted. The split
// depends only on the set of nodes and rng, not on the order of all.
func (n *Network) PartitionRandomHalves(all []NodeID, rng *rand.Rand) (sideA, sideB []NodeID) {
	nodes := slices.Compact(slices.Sorted(slices.Values(all)))
	rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	half := (len(nodes) + 1) / 2
	sideA = slices.Clone(nodes[:half])
	sideB = slices.Clone(nodes[half:])
	slices.Sort(sideA)
	slices.Sort(sideB)
	n.Partition(sideA, sideB)
	return sideA, sideB
}

// Clog holds messages sent from -> to before untilNanos: they are not lost,
// but their delay starts at untilNanos. A later Clog of the same link replaces
// the earlier one. Clogging a loopback link does nothing.
func (n *Network) Clog(from, to NodeID, untilNanos int64) {
	if from == to {
		return
	}
	n.clogUntilNanos[link{from: from, to: to}] = untilNanos
}

// Heal removes every block and clog. The config is left alone (set it with
// SetConfig, typically to Calm()), and FIFO links stay FIFO: a message sent
// after Heal never overtakes one planned before it.
func (n *Network) Heal() {
	clear(n.blocked)
	clear(n.clogUntilNanos)
}
