package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/net"
)

// NodeID names a simulated machine. IDs are assigned in the order nodes are
// added, starting at 1.
type NodeID = net.NodeID

// Addr is the address of a message's sender or receiver: a node, and on it
// either the node's server (Process 0) or a client process.
type Addr struct {
	Node    NodeID
	Process uint32
}

func (a Addr) String() string {
	if a.Process == 0 {
		return fmt.Sprintf("n%d", a.Node)
	}
	return fmt.Sprintf("n%d/p%d", a.Node, a.Process)
}

// Node is a server: a step machine that the world drives. It never blocks;
// it reacts to a start, a message or a timer by changing its state, writing
// to its disk and sending messages through ctx. After a crash the world
// discards the Node and asks the node's factory for a new one, which Start
// rebuilds from the disk.
type Node interface {
	// Start runs when the node boots, first and after every restart.
	Start(ctx *NodeContext)
	// Receive handles one decoded message.
	Receive(ctx *NodeContext, from Addr, message any)
	// Timer handles a timer set with ctx.SetTimer.
	Timer(ctx *NodeContext, tag uint64)
}

// NodeFactory builds a fresh Node (empty memory) for a boot or a restart.
type NodeFactory func() Node

// NodeOptions describe a node when it is added.
type NodeOptions struct {
	// Name is used in traces; default "n<id>".
	Name string
	// Factory builds the node's server; nil for a node that only hosts
	// client processes.
	Factory NodeFactory
	// Crashable lets random fault schedules crash, restart and pause the
	// node. Scripted schedules may crash any node.
	Crashable bool
}

// TimerID identifies a timer so that it can be cancelled.
type TimerID uint64

// nodeState is the world's record of one node.
type nodeState struct {
	id      NodeID
	options NodeOptions
	server  Node
	context *NodeContext
	clock   *clock.Virtual
	disk    *Disk
	rng     *rand.Rand
	// incarnation increases at every crash; timers and wakes of an earlier
	// incarnation are dropped when they fire.
	incarnation uint32
	down        bool
	paused      bool
	// held are events that arrived while the node was paused, in arrival
	// order; resume schedules them again.
	held []event
	// timers maps a live timer's id to its tag.
	timers map[uint64]uint64
}

// NodeContext is the node's view of the world, valid for the node's current
// incarnation.
type NodeContext struct {
	world *World
	node  *nodeState
}

// ID returns the node's id.
func (c *NodeContext) ID() NodeID { return c.node.id }

// Name returns the node's name.
func (c *NodeContext) Name() string { return c.node.options.Name }

// Now returns the node's local clock in nanoseconds (offset, drift and jumps
// included; it can go backwards).
func (c *NodeContext) Now() int64 { return c.node.clock.Now() }

// Clock returns the node's local clock.
func (c *NodeContext) Clock() clock.Clock { return c.node.clock }

// Disk returns the node's disk, which survives crashes.
func (c *NodeContext) Disk() *Disk { return c.node.disk }

// Rand returns the node's own PRNG stream.
func (c *NodeContext) Rand() *rand.Rand { return c.node.rng }

// Send encodes message and hands it to the network, addressed to to. A
// message that does not encode fails the run (and returns the error).
func (c *NodeContext) Send(to Addr, message any) error {
	return c.world.send(Addr{Node: c.node.id}, to, message)
}

// SetTimer schedules Timer(tag) after the given virtual duration.
func (c *NodeContext) SetTimer(after time.Duration, tag uint64) TimerID {
	return c.world.setTimer(c.node, after, tag)
}

// CancelTimer stops a timer; cancelling a fired or unknown timer is a no-op.
func (c *NodeContext) CancelTimer(id TimerID) { delete(c.node.timers, uint64(id)) }

// Tracef writes a line to the world's trace, if tracing is on. The text is
// also folded into the fingerprint, so it must be deterministic.
func (c *NodeContext) Tracef(format string, args ...any) {
	c.world.note(c.node.id, fmt.Sprintf(format, args...))
}

// Fail ends the run with a failing verdict: the node found its own
// invariant broken.
func (c *NodeContext) Fail(format string, args ...any) {
	c.world.Fail(fmt.Sprintf("n%d: ", c.node.id) + fmt.Sprintf(format, args...))
}
