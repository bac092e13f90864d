package cluster

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/sim"
)

// engineNodeFactory builds engine node servers. With Failover the factory
// reads the runner's address at boot time (the world boots nodes once it
// runs, after New added the runner node).
func (c *Cluster) engineNodeFactory(streams []StreamSpec) sim.NodeFactory {
	config := engineNodeConfig{Streams: streams, Log: Address(sim.Addr{Node: c.Log}), LogOf: c.logAddressOf(),
		CheckpointEvery: c.config.CheckpointEvery, DeltasPerCheckpoint: c.config.DeltasPerCheckpoint,
		VersionRetention: c.config.VersionRetention, CollectEvery: c.config.CollectEvery,
		sites: c.sites, coverage: c.coverage}
	if !c.config.Failover {
		return newEngineNode(config)
	}
	config.Catalog = c.config.Streams
	config.HeartbeatInterval = c.config.HeartbeatInterval
	return func() sim.Node {
		config.Runner = Address(sim.Addr{Node: c.Runner})
		return newEngineNode(config)()
	}
}

// addRunner adds the runner node. Random fault schedules do not crash or
// pause it (it stands for a replicated service, whose crashes the cluster
// does not model); scripted crashes may, and it recovers its placement
// from its disk. Network and clock faults reach it like any node.
func (c *Cluster) addRunner() {
	config := runner.Config{Nodes: nodeAddresses(c.Engines), HeartbeatMissesMax: c.config.HeartbeatMissesMax}
	for _, spec := range c.config.Streams {
		config.Streams = append(config.Streams, spec.Name)
	}
	c.Runner = c.World.AddNode(sim.NodeOptions{Name: "runner",
		Factory: newRunnerNode(config, c.config.HeartbeatInterval)})
}

// refreshPlacement reads the runner's placement into the cluster's
// directory. This models a directory that learns placement changes at
// once (the cluster reads the runner's memory); what it does not model is
// a coordinator's stale cache of it. While the runner node is down the
// directory keeps the placement it read last. A coordinator that asks the
// wrong node (its processor stopped, or not started yet) gets no answer
// and asks again after its retry interval, reading the directory afresh.
func (c *Cluster) refreshPlacement() {
	if c.Runner == 0 {
		return
	}
	node, _ := c.World.Server(c.Runner).(*RunnerNode)
	if node == nil || node.Runner() == nil {
		return
	}
	for _, placement := range node.Runner().Placements() {
		engine := Addr(placement.Node).Node
		if _, known := c.placement[placement.Stream]; !known {
			assert.Broken("cluster: the runner places %q, which is not a stream of the cluster", placement.Stream)
		}
		if !slices.Contains(c.Engines, engine) {
			assert.Broken("cluster: the runner places %s on n%d, not an engine node", placement.Stream, engine)
		}
		c.placement[placement.Stream] = engine
	}
}

// RunnerNode returns the runner node's server, or nil while it is down or
// without Failover.
func (c *Cluster) RunnerNode() *RunnerNode {
	if c.Runner == 0 {
		return nil
	}
	node, _ := c.World.Server(c.Runner).(*RunnerNode)
	return node
}

// PlacementString describes the current placement, in stream order.
func (c *Cluster) PlacementString() string {
	text := ""
	for i, spec := range c.config.Streams {
		if i > 0 {
			text += " "
		}
		text += fmt.Sprintf("%s@%s", spec.Name, c.World.NodeName(c.ProcessorNode(spec.Name)))
	}
	return text
}
