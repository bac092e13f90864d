package runner

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines/wire"
)

// Config describes the deployment the runner places processors on.
type Config struct {
	// Streams are the streams to place, in placement order.
	Streams []string
	// Nodes are the engine nodes' addresses, in placement order.
	Nodes []wire.Address
	// HeartbeatMissesMax is the number of Ticks without a heartbeat after
	// which a node is considered dead (default 5).
	HeartbeatMissesMax int
}

// Placement is one stream and the engine node that runs its processor.
type Placement struct {
	Stream string
	Node   wire.Address
}

// MsgHeartbeat is an engine node's periodic "I am alive", with the
// assignment version it runs.
type MsgHeartbeat struct {
	Node    wire.Address
	Version uint64
}

// MsgAssignment is the whole placement at one version. A node adopts it
// only when Version is above the version it runs, so a late or duplicated
// assignment never undoes a newer one.
type MsgAssignment struct {
	Version    uint64
	Placements []Placement
}

// Outbound is a message the host must send.
type Outbound struct {
	To      wire.Address
	Message any
}

// Ready is what a step produced. Persist before you speak: the host makes
// Record durable (append and sync) before it sends Messages.
type Ready struct {
	// Record, when set, is the new placement to append to the runner's
	// durable record; Recover takes the last intact one.
	Record   []byte
	Messages []Outbound
}

// Errors of New and Recover.
var (
	// ErrInvalidConfig reports a configuration the runner cannot serve.
	ErrInvalidConfig = errors.New("runner: invalid configuration")
	// ErrBadRecord reports a placement record Recover rejects.
	ErrBadRecord = errors.New("runner: bad placement record")
)

// Runner is the placement step machine. Not safe for concurrent use.
type Runner struct {
	config Config
	// owner[i] indexes config.Nodes: the node running config.Streams[i].
	// Invariant: 0 <= owner[i] < len(config.Nodes).
	owner []int
	// version increases at every placement change. Invariant: >= 1.
	version uint64
	// tick counts Ticks since this runner was built.
	tick uint64
	// lastHeardTick[j] is the tick of node j's last heartbeat (the runner's
	// start counts as one: every node gets a full timeout of grace).
	lastHeardTick []uint64
	live          []bool
	out           []Outbound
}

// New returns a runner with the initial placement: stream i on node
// i mod len(Nodes), at version 1.
func New(config Config) (*Runner, error) {
	if len(config.Nodes) == 0 {
		return nil, fmt.Errorf("%w: no engine nodes", ErrInvalidConfig)
	}
	if config.HeartbeatMissesMax <= 0 {
		config.HeartbeatMissesMax = 5
	}
	r := &Runner{config: config, owner: make([]int, len(config.Streams)), version: 1,
		lastHeardTick: make([]uint64, len(config.Nodes)), live: make([]bool, len(config.Nodes))}
	for i := range r.owner {
		r.owner[i] = i % len(config.Nodes)
	}
	for j := range r.live {
		r.live[j] = true
	}
	return r, nil
}

// Recover returns a runner with the placement of a record written by an
// earlier runner over the same Config (nil: New). Every node starts live,
// with a full timeout of grace. Bad input returns an error, never a panic.
func Recover(config Config, record []byte) (*Runner, error) {
	r, err := New(config)
	if err != nil || record == nil {
		return r, err
	}
	version, owner, err := decodeRecord(record, len(config.Streams), len(config.Nodes))
	if err != nil {
		return nil, err
	}
	r.version, r.owner = version, owner
	return r, nil
}

// Version returns the current placement version.
func (r *Runner) Version() uint64 { return r.version }

// Live reports whether the runner believes node is alive.
func (r *Runner) Live(node wire.Address) bool {
	j, ok := r.nodeIndex(node)
	return ok && r.live[j]
}

// Node returns the node running stream's processor (false: unknown stream).
func (r *Runner) Node(stream string) (wire.Address, bool) {
	for i, name := range r.config.Streams {
		if name == stream {
			return r.config.Nodes[r.owner[i]], true
		}
	}
	return 0, false
}

// Placements returns the whole placement, in stream order.
func (r *Runner) Placements() []Placement {
	placements := make([]Placement, len(r.config.Streams))
	for i, name := range r.config.Streams {
		placements[i] = Placement{Stream: name, Node: r.config.Nodes[r.owner[i]]}
	}
	return placements
}

// Step handles a heartbeat: the node is alive (again); it is answered with
// the current assignment. A heartbeat carrying a version above the
// runner's (the runner lost its newest record) moves the runner's version
// past it, so that its next assignment is adopted.
func (r *Runner) Step(from wire.Address, message any) Ready {
	heartbeat, ok := message.(MsgHeartbeat)
	if !ok {
		return r.ready(nil)
	}
	j, known := r.nodeIndex(heartbeat.Node)
	if !known {
		return r.ready(nil)
	}
	r.lastHeardTick[j] = r.tick
	changed := false
	if !r.live[j] {
		r.live[j] = true
		changed = r.reassign()
	}
	if heartbeat.Version > r.version {
		r.version = heartbeat.Version
		changed = true
	}
	if changed {
		return r.change()
	}
	r.send(heartbeat.Node, r.assignment())
	return r.ready(nil)
}

// Tick advances the runner's time by one heartbeat interval: nodes silent
// for more than HeartbeatMissesMax Ticks are dead, and their streams move
// to live nodes.
func (r *Runner) Tick() Ready {
	r.tick++
	died := false
	for j := range r.live {
		if r.live[j] && r.tick-r.lastHeardTick[j] > uint64(r.config.HeartbeatMissesMax) {
			r.live[j] = false
			died = true
		}
	}
	if died && r.reassign() {
		return r.change()
	}
	return r.ready(nil)
}

// reassign moves every stream whose node is dead to the live node with the
// fewest streams (the first in node order on a tie). With no live node,
// nothing moves. It reports whether anything moved.
func (r *Runner) reassign() bool {
	load := make([]int, len(r.config.Nodes))
	for _, j := range r.owner {
		if r.live[j] {
			load[j]++
		}
	}
	moved := false
	for i, j := range r.owner {
		if r.live[j] {
			continue
		}
		target, ok := r.leastLoaded(load)
		if !ok {
			return moved
		}
		r.owner[i] = target
		load[target]++
		moved = true
	}
	return moved
}

func (r *Runner) leastLoaded(load []int) (int, bool) {
	best := -1
	for j := range load {
		if r.live[j] && (best < 0 || load[j] < load[best]) {
			best = j
		}
	}
	return best, best >= 0
}

// change bumps the version, records the placement and tells every node.
func (r *Runner) change() Ready {
	r.version++
	assignment := r.assignment()
	for _, node := range r.config.Nodes {
		r.send(node, assignment)
	}
	return r.ready(encodeRecord(r.version, r.owner))
}

func (r *Runner) assignment() MsgAssignment {
	return MsgAssignment{Version: r.version, Placements: r.Placements()}
}

func (r *Runner) nodeIndex(node wire.Address) (int, bool) {
	for j, address := range r.config.Nodes {
		if address == node {
			return j, true
		}
	}
	return 0, false
}

func (r *Runner) send(to wire.Address, message any) {
	r.out = append(r.out, Outbound{To: to, Message: message})
}

func (r *Runner) ready(record []byte) Ready {
	ready := Ready{Record: record, Messages: r.out}
	r.out = nil
	return ready
}

// Assigned returns the streams an assignment gives to node, in
// assignment order.
func Assigned(assignment MsgAssignment, node wire.Address) []string {
	var streams []string
	for _, placement := range assignment.Placements {
		if placement.Node == node {
			streams = append(streams, placement.Stream)
		}
	}
	return streams
}
