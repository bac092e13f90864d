// Package runner places each stream's processor on an engine node and
// moves it when that node stops answering: the runner of DESIGN.md.
//
// # What it models
//
// A Runner is a step machine, like the processors and the log service: it
// takes a heartbeat (Step) or a tick of its host's timer (Tick) and returns
// a record to persist and messages to send. It never reads a clock: time
// is the count of Ticks, one per heartbeat interval, so a clock jump on the
// runner's machine cannot make it declare a node dead early or late (only
// a slow or lost message can).
//
//   - Initial placement: stream i on node i mod len(Nodes), version 1 (the
//     static placement the simulated cluster used before the runner).
//   - Engine nodes send MsgHeartbeat every interval; each is answered with
//     the current MsgAssignment (the whole placement and its version).
//   - A node silent for more than HeartbeatMissesMax Ticks is dead: each of
//     its streams moves to the live node with the fewest streams (first in
//     node order on a tie), the version increases, the placement is
//     recorded, and every node is sent the new assignment.
//   - A dead node that heartbeats again is live: it is answered with the
//     current assignment, which no longer lists the streams it lost, so it
//     stops their processors. Streams stranded on dead nodes while no node
//     was live move to it. Streams do not move back otherwise (no
//     rebalancing).
//
// # Contract
//
// The host persists Ready.Record (append, sync) before sending
// Ready.Messages, and gives the last intact record to Recover after a
// restart. An engine node adopts an assignment only when its version is
// above the one it runs (so a late or duplicated assignment cannot undo a
// newer one), and runs exactly the streams assigned to it. A heartbeat
// reports the version the node runs: if it is above the runner's (the
// runner lost its newest record to a torn write), the runner moves past it.
//
// # Why two copies of one processor are harmless
//
// Failure detection by timeout cannot tell a crashed node from a slow or
// partitioned one, so a stream can run on two nodes for a while: on the
// new owner, and on the old one until it hears the new assignment (or,
// after a restart, until its first heartbeat is answered — it starts the
// streams of the last assignment it recorded). The runner makes no attempt
// to prevent this, because two copies cannot make different decisions
// (engines/processor/doc.go):
//
//   - A processor's state is a function of the prefix of its stream's log
//     it has applied. Every decision — an operation's result, a wound, a
//     deadline abort, a prepare vote and its timestamp, a commit — is made
//     while applying an entry, from that state and that entry alone. Both
//     copies apply the same log, so they make the same decisions, at the
//     same positions; they may only be at different positions.
//   - The one decision that reads outside the stream, termination (rule 5),
//     reads other streams' immutable log prefixes up to the deadline, and
//     its outcome takes effect only when its EntryResolve is applied from
//     this stream's log: the first resolve entry in the log wins for both
//     copies (a second one is ignored), and both copies append it with the
//     same request id, so the log deduplicates it.
//   - Replies carry request ids, so a coordinator ignores a copy's
//     duplicate answer; a snapshot read is served by whichever copy is
//     asked, only once that copy's log has passed the snapshot.
//
// # Checkpoints
//
// A processor's checkpoints live on its node's disk, which is unreachable
// while that node is down. The new owner starts from its own checkpoint of
// the stream if it ran the stream before (any older checkpoint is valid:
// replay from it reaches the same state), and otherwise from no checkpoint,
// replaying the whole log from position 1. Shared checkpoint storage is
// not modelled.
//
// # What it does not do
//
// It does not replicate itself (its record is on one node's disk; the
// record is the whole placement, and a lost newest record is repaired by
// the version in heartbeats), does not rebalance load, does not fence the
// old owner (there is nothing to fence: see above), and does not tell
// coordinators where processors are: in the simulator the cluster reads
// the runner's placement as a directory (cluster).
//
// # Tests
//
// datadriven scenario files in testdata/ show heartbeats, ticks, failover,
// a node coming back and recovery from a record. A rapid property drives
// random heartbeats, ticks and restarts against invariants: every stream
// has one node, versions never decrease, a node that heartbeats every tick
// is never declared dead, after a Tick no stream stays on a dead node while
// a node is live, and Recover of the last record gives the same placement.
// Arbitrary bytes given to Recover return an error or a runner, never a
// panic.
package runner
