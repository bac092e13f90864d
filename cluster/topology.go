package cluster

import (
	"fmt"

	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// Logs spread over several nodes (sim.Topology): stream i's log lives on
// log node i mod LogNodes, each log node has a clock of its own (an
// offset, a drift, jumps during the fault phase), and every part of the
// cluster sends a stream's appends, subscriptions and reads to its node:
// coordinators and processors through the LogOf functions of their
// configs. A transaction over streams on two log nodes gets timestamps
// from two clocks, so the rules that bound a prepare timestamp by what a
// participant has seen from others are exercised.

// addLogNodes adds the log nodes (named log, log2, log3, ...) and routes
// each stream to one.
func (c *Cluster) addLogNodes(config streamlog.Config) {
	count := max(1, c.plan.Topology.LogNodes)
	config.Sites = c.sites.streamlog()
	for i := range count {
		name := "log"
		if i > 0 {
			name = fmt.Sprintf("log%d", i+1)
		}
		c.Logs = append(c.Logs, c.World.AddNode(sim.NodeOptions{Name: name, Crashable: true,
			Factory: func() sim.Node { return &LogNode{config: config, sites: c.sites, coverage: c.coverage} }}))
	}
	c.Log = c.Logs[0]
	c.logOf = map[string]sim.NodeID{}
	for i, spec := range c.config.Streams {
		c.logOf[spec.Name] = c.Logs[i%count]
	}
	if count > 1 {
		c.skewLogClocks()
	}
}

// skewLogClocks gives each log node its clock, drawn from the seed's
// "topology/clocks" stream: the offset and drift now, the jumps once the
// faults start (scheduled by startFaults).
func (c *Cluster) skewLogClocks() {
	random := c.World.Rand("topology/clocks")
	phase := c.plan.FaultPhase
	if phase <= 0 {
		phase = DefaultFaultPhase
	}
	for _, id := range c.Logs {
		logClock := sim.DrawLogClock(random, c.plan.Topology.ClockSkew, phase)
		c.World.JumpClock(id, logClock.Offset)
		if logClock.DriftPPM != 0 {
			c.World.SetClockDrift(id, logClock.DriftPPM)
		}
		c.clockJumps = append(c.clockJumps, logClockJumps{node: id, jumps: logClock.Jumps})
	}
}

// logClockJumps are one log node's clock jumps during the fault phase.
type logClockJumps struct {
	node  sim.NodeID
	jumps []sim.ClockJump
}

// scheduleClockJumps schedules the log nodes' clock jumps from now (the
// start of the fault phase); a jump due after healing does not happen.
func (c *Cluster) scheduleClockJumps() {
	for _, node := range c.clockJumps {
		for _, jump := range node.jumps {
			id, delta := node.node, jump.Delta
			c.World.After(jump.After, func() {
				if c.World.Faulting() {
					c.World.JumpClock(id, delta)
				}
			})
		}
	}
}

// logAddressOf returns the function coordinators and processors route a
// stream's log messages with, or nil when one log node holds them all.
func (c *Cluster) logAddressOf() func(stream string) wire.Address {
	if len(c.Logs) == 1 {
		return nil
	}
	return c.LogAddress
}

// LogAddress returns the address of the log node holding a stream's log
// (the first log node for a stream the cluster does not have).
func (c *Cluster) LogAddress(stream string) wire.Address {
	return Address(sim.Addr{Node: c.LogNodeID(stream)})
}

// LogNodeID returns the log node holding a stream's log (the first log
// node for a stream the cluster does not have).
func (c *Cluster) LogNodeID(stream string) sim.NodeID {
	if node, known := c.logOf[stream]; known {
		return node
	}
	return c.Log
}

// LogNodeOf returns the server of the log node holding a stream's log,
// or nil while that node is down.
func (c *Cluster) LogNodeOf(stream string) *LogNode {
	node, _ := c.World.Server(c.LogNodeID(stream)).(*LogNode)
	return node
}

// Topology returns how the cluster's logs are spread.
func (c *Cluster) Topology() sim.Topology { return c.plan.Topology }
