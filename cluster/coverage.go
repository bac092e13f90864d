package cluster

import (
	"slices"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// Fault coverage: which faults hit a transaction in which phase of two-
// phase commit during a run. With Config.Coverage the cluster watches
// what its hosts send and receive (it changes nothing in the run: no
// event, no draw, no byte) and Coverage reports, per phase, the columns
// that hit:
//
//   - A transaction is in a phase from the first message of that phase to
//     the last one answering it: operation (its operation appends and
//     their replies), prepare (Prepare appends and votes), commit (Commit
//     or one-phase appends and their acknowledgements and outcomes),
//     termination (a processor's reads of its peers' logs and its resolve
//     append, from the first read to the last reply), snapshot read (a
//     read-only transaction's snapshot reads and their replies). Abort
//     appends are no phase. The phase involves the nodes of those
//     messages: the client's node, each stream's log node and the engine
//     node running its processor (a snapshot read waits for that log, so
//     its log node is involved too).
//   - A fault family hits a transaction in a phase when one of its actions
//     is in effect during the phase (from the action until its scheduled
//     end or healing, whichever is first; an instant, such as a clock jump,
//     within the phase) and reaches the phase's nodes (sim.FaultEvent's
//     Reaches: every node for a network window; the node for a crash,
//     pause, clock or disk fault; involved nodes on both sides of a
//     partition's cut; both ends of a blocked or clogged link).
//   - A code fault site hits a transaction in a phase when it acts on one
//     of the phase's nodes during the phase: deadline-stamp when a log node
//     involved stamps an entry at its deadline within the phase; the
//     others while they are on (the fault phase) on the nodes whose code
//     they change: coarse-clock on log and client nodes, tiny-batch and
//     duplicate-reply on log and engine nodes, early-retry on client and
//     engine nodes, short-timeout on client nodes for snapshot reads;
//     short-timeout hits a read-write transaction in every phase,
//     termination included, when the site gave it its timeout (its
//     deadline is at most coordinator.ShortTimeout(3), 40ms, after its
//     begin, and the site was on when its entries were sent).
//   - The topology hits a transaction in a phase when the phase involves
//     two log nodes (two clocks).

// Phase is a phase of two-phase commit, for fault coverage.
type Phase uint8

const (
	PhaseOperation Phase = iota
	PhasePrepare
	PhaseCommit
	PhaseTermination
	PhaseSnapshotRead
	phaseCount
)

var phaseNames = [phaseCount]string{"operation", "prepare", "commit", "termination", "snapshot read"}

func (p Phase) String() string { return phaseNames[p] }

// CoveragePhases names the phases, in Phase order: the rows of a
// coverage matrix.
func CoveragePhases() []string { return phaseNames[:] }

// CoverageColumns names what can hit a phase: the fault families
// (sim.FamilyNames), the code fault sites (sim.SiteNames), then
// "topology"; the columns of a coverage matrix, in Coverage's bit order.
func CoverageColumns() []string {
	return append(append(sim.FamilyNames(), sim.SiteNames()...), "topology")
}

// Coverage is one run's fault coverage: Hits[phase] has bit c set when
// column c of CoverageColumns hit a transaction in that phase.
type Coverage struct {
	Hits [phaseCount]uint32
}

// Hit reports whether column hit a transaction in phase.
func (c Coverage) Hit(phase Phase, column int) bool { return c.Hits[phase]&(1<<column) != 0 }

// Column indexes of the sites and the topology in CoverageColumns.
var (
	siteColumn     = len(sim.FamilyNames())
	topologyColumn = siteColumn + len(sim.SiteNames())
)

// phaseSpan is one transaction (or one termination) in one phase.
type phaseSpan struct {
	phase      Phase
	startNanos int64
	endNanos   int64
	nodes      []sim.NodeID
	// txn is the read-write transaction (zero for a snapshot read, and
	// for a termination until its resolve append names it).
	txn engines.TxnID
}

// spanKey names a span: a read-write transaction's phase, a read-only
// transaction's reads (by client process and snapshot), or a
// termination (by engine node and the processor's request).
type spanKey struct {
	phase   Phase
	txn     wire.Address // the client process or engine node
	id      [3]uint64
	request wire.RequestID
}

// siteFiring is a deadline-stamp site firing at a log node.
type siteFiring struct {
	atNanos int64
	node    sim.NodeID
}

// coverageObserver collects the phases' spans and the site firings.
type coverageObserver struct {
	cluster *Cluster
	spans   []phaseSpan
	open    map[spanKey]int
	// requests maps each request to the span it belongs to, for replies.
	requests map[wire.RequestID]int
	stamps   []siteFiring
	// shortened holds the transactions the short-timeout site gave their
	// timeout.
	shortened map[engines.TxnID]bool
	// faultsStartNanos is when the fault phase began (-1: not yet).
	faultsStartNanos int64
}

func newCoverageObserver(c *Cluster) *coverageObserver {
	return &coverageObserver{cluster: c, open: map[spanKey]int{}, requests: map[wire.RequestID]int{},
		shortened: map[engines.TxnID]bool{}, faultsStartNanos: -1}
}

// touch extends the span of key to now, with node added, and returns it.
func (o *coverageObserver) touch(key spanKey, nodes ...sim.NodeID) int {
	now := o.cluster.World.Now()
	index, found := o.open[key]
	if !found {
		index = len(o.spans)
		o.spans = append(o.spans, phaseSpan{phase: key.phase, startNanos: now})
		o.open[key] = index
	}
	span := &o.spans[index]
	span.endNanos = now
	for _, node := range nodes {
		if node != 0 && !slices.Contains(span.nodes, node) {
			span.nodes = append(span.nodes, node)
		}
	}
	return index
}

// streamNodes are the nodes a stream's messages involve: its log node and
// the engine node running its processor.
func (o *coverageObserver) streamNodes(stream string) (sim.NodeID, sim.NodeID) {
	if _, known := o.cluster.logOf[stream]; !known {
		return o.cluster.Log, 0
	}
	return o.cluster.LogNodeID(stream), o.cluster.ProcessorNode(stream)
}

// coordinatorSent records a message a coordinator on node sent.
func (o *coverageObserver) coordinatorSent(from sim.Addr, message any) {
	switch m := message.(type) {
	case wire.MsgAppend:
		header, ok := wire.ReadEntryHeader(m.Payload)
		phase, isPhase := entryPhases[header.Kind]
		if !ok || !isPhase {
			return
		}
		logNode, engineNode := o.streamNodes(m.Stream)
		key := spanKey{phase: phase, id: [3]uint64{uint64(header.Txn.WallNanos), uint64(header.Txn.Logical), uint64(header.Txn.Node)}}
		index := o.touch(key, from.Node, logNode, engineNode)
		o.spans[index].txn = header.Txn
		o.requests[m.Request] = index
		if header.DeadlineNanos-header.Txn.WallNanos <= int64(coordinator.ShortTimeout(3)) && o.cluster.sites.on(sim.SiteShortTimeout) {
			o.shortened[header.Txn] = true
		}
	case wire.MsgSnapshotRead:
		logNode, engineNode := o.streamNodes(m.Stream)
		key := spanKey{phase: PhaseSnapshotRead, txn: Address(from),
			id: [3]uint64{uint64(m.Snapshot.WallNanos), uint64(m.Snapshot.Logical), uint64(m.Snapshot.Node)}}
		o.requests[m.Request] = o.touch(key, from.Node, logNode, engineNode)
	}
}

// entryPhases maps the entries a coordinator appends to their phase.
var entryPhases = map[wire.EntryKind]Phase{wire.EntryOperation: PhaseOperation, wire.EntryPrepare: PhasePrepare,
	wire.EntryCommit: PhaseCommit, wire.EntryOnePhase: PhaseCommit}

// coordinatorReceived records a reply a coordinator received.
func (o *coverageObserver) coordinatorReceived(message any) {
	var request wire.RequestID
	switch m := message.(type) {
	case wire.MsgOperationReply:
		request = m.Request
	case wire.MsgVote:
		request = m.Request
	case wire.MsgAppendReply:
		request = m.Request
	case wire.MsgOutcome:
		request = m.Request
	case wire.MsgSnapshotReadReply:
		request = m.Request
	default:
		return
	}
	if index, known := o.requests[request]; known {
		o.spans[index].endNanos = o.cluster.World.Now()
	}
}

// engineSent records a termination message a processor on node sent: a
// read of a peer's log, or its resolve append (both carry the request id
// of the transaction's termination).
func (o *coverageObserver) engineSent(node sim.NodeID, to wire.Address, message any) {
	switch m := message.(type) {
	case wire.MsgReadLog:
		o.touch(spanKey{phase: PhaseTermination, txn: Address(sim.Addr{Node: node}), request: m.Request}, node, Addr(to).Node)
	case wire.MsgAppend:
		if header, ok := wire.ReadEntryHeader(m.Payload); ok && header.Kind == wire.EntryResolve {
			index := o.touch(spanKey{phase: PhaseTermination, txn: Address(sim.Addr{Node: node}), request: m.Request}, node,
				Addr(to).Node)
			o.spans[index].txn = header.Txn
		}
	}
}

// engineReceived records a peer log's answer to a termination read.
func (o *coverageObserver) engineReceived(node sim.NodeID, message any) {
	if m, ok := message.(wire.MsgReadLogReply); ok {
		key := spanKey{phase: PhaseTermination, txn: Address(sim.Addr{Node: node}), request: m.Request}
		if index, open := o.open[key]; open {
			o.spans[index].endNanos = o.cluster.World.Now()
		}
	}
}

// stamped records deadline-stamp firings at a log node.
func (o *coverageObserver) stamped(node sim.NodeID) {
	o.stamps = append(o.stamps, siteFiring{atNanos: o.cluster.World.Now(), node: node})
}

// coverage computes the run's coverage from the spans, the fault log, the
// site firings and the topology.
func (o *coverageObserver) coverage() Coverage {
	var result Coverage
	healNanos := o.cluster.World.Now()
	faults := o.cluster.World.Faults()
	for _, event := range faults {
		if event.Family == 0 && event.Text == "heal" {
			healNanos = event.AtNanos
		}
	}
	siteNodes := o.siteNodes()
	for i := range o.spans {
		span := &o.spans[i]
		hits := &result.Hits[span.phase]
		for _, event := range faults {
			end := min(event.UntilNanos, healNanos)
			if event.Family != 0 && event.AtNanos <= span.endNanos && end >= span.startNanos && event.Reaches(span.nodes) {
				*hits |= 1 << familyColumn(event.Family)
			}
		}
		if o.shortened[span.txn] {
			*hits |= 1 << (siteColumn + int(sim.SiteShortTimeout))
		}
		for site, nodes := range siteNodes {
			if site == int(sim.SiteShortTimeout) && span.phase != PhaseSnapshotRead {
				continue // a read-write transaction's timeout was shortened or not (above)
			}
			if nodes != nil && o.faultsStartNanos >= 0 && o.faultsStartNanos <= span.endNanos && healNanos >= span.startNanos &&
				slices.ContainsFunc(span.nodes, func(node sim.NodeID) bool { return slices.Contains(nodes, node) }) {
				*hits |= 1 << (siteColumn + site)
			}
		}
		for _, firing := range o.stamps {
			if firing.atNanos >= span.startNanos && firing.atNanos <= span.endNanos && slices.Contains(span.nodes, firing.node) {
				*hits |= 1 << (siteColumn + int(sim.SiteDeadlineStamp))
			}
		}
		logNodes := 0
		for _, node := range span.nodes {
			if slices.Contains(o.cluster.Logs, node) {
				logNodes++
			}
		}
		if logNodes >= 2 {
			*hits |= 1 << topologyColumn
		}
	}
	return result
}

// siteNodes gives each site of the plan that acts while it is on (all
// but deadline-stamp, which fires) the nodes whose code it changes; nil
// for the others.
func (o *coverageObserver) siteNodes() [][]sim.NodeID {
	c := o.cluster
	logAndClient := append(slices.Clone(c.Logs), c.Clients...)
	logAndEngine := append(slices.Clone(c.Logs), c.Engines...)
	clientAndEngine := append(slices.Clone(c.Clients), c.Engines...)
	nodes := make([][]sim.NodeID, len(sim.SiteNames()))
	nodes[sim.SiteCoarseClock], nodes[sim.SiteTinyBatch], nodes[sim.SiteEarlyRetry] = logAndClient, logAndEngine, clientAndEngine
	nodes[sim.SiteShortTimeout], nodes[sim.SiteDuplicateReply] = c.Clients, logAndEngine
	for site := range nodes {
		if !c.plan.Sites.Has(sim.Site(site)) {
			nodes[site] = nil
		}
	}
	return nodes
}

// familyColumn is a single family's column.
func familyColumn(family sim.Family) int {
	column := 0
	for family > 1 {
		family >>= 1
		column++
	}
	return column
}

// Coverage returns the run's fault coverage so far; zero unless
// Config.Coverage.
func (c *Cluster) Coverage() Coverage {
	if c.coverage == nil {
		return Coverage{}
	}
	return c.coverage.coverage()
}
