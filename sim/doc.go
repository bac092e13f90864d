// Package sim is the deterministic world that every Proven component runs
// in: seeded randomness, virtual time, nodes, client processes, a network,
// disks and a fault schedule, all driven by one 64-bit seed.
//
// # Model
//
// A World owns an event queue ordered by (virtual time in nanoseconds,
// sequence number). Run pops one event at a time and performs it: deliver a
// message, fire a timer, resume a process, or call a scheduled function
// (fault actions). Nothing else runs: the world is single-threaded.
//
//   - Nodes are machines. A node's server is a step machine (Node): it
//     reacts to Start, Receive and Timer by changing state, writing to its
//     Disk and sending messages through its NodeContext. It never blocks.
//     Each node has a local clock (global virtual time plus offset and
//     drift, with jumps) and a disk that survives crashes.
//   - Processes are client threads: ordinary sequential Go functions run as
//     coroutines (iter.Pull), so exactly one runs at a time, and a process
//     parks whenever it waits (Sleep, Receive) until the world resumes it.
//     No goroutine outlives World.Close.
//   - Cond and Chan let processes wait for one another instead of
//     polling shared variables with Sleep: Cond.Wait parks a process
//     until Signal or Broadcast (or a timeout), Chan is a bounded FIFO
//     channel built on it. Waiters are woken in the order they began to
//     wait, each by a wake event at the current time, so scripted
//     interleavings are deterministic and fingerprinted. They are shared
//     memory between processes of one world, not the network.
//   - The network (package net) decides each message's fate: lost, blocked
//     by a partition, delayed, duplicated or reordered. Every message is
//     encoded when sent and decoded at each delivery, so no two nodes share
//     memory and the codec runs on every message.
//   - Disks hold files of checksummed records. Appends are volatile until
//     Sync; a crash loses unsynced records, and with the disk fault on may
//     leave the first of them torn or flip a bit in one synced record.
//     Reads verify every record and report damage as ErrCorrupt.
//     AppendToEach writes one record to several files (a mirrored log);
//     they share the stored frame, which damage replaces, never edits.
//     RecoverMirrored reads such a log back from its two copies, taking
//     each record from a copy that holds it intact, cutting a torn tail,
//     and reporting a record damaged in both copies with records after it
//     as an error rather than ending the log there.
//   - Cost: messages in flight and small disk records are carved out of
//     shared arrays (slots are written once, then only read), and a
//     process's mailbox reuses its array, so a message costs few
//     allocations beyond its codec's.
//   - The fault schedule (StartFaults) draws actions per fault family from
//     the family's own PRNG stream during the fault phase, then heals
//     everything. Swarm mode draws which families are on, and how strong.
//   - Code fault sites (Site, Sites) and the topology of a deployment's
//     logs (Topology, LogClock) are named and drawn here (DrawSites,
//     DrawTopology, DrawLogClock) and recorded in the FaultPlan, but acted
//     on by the deployment (cluster): the simulator knows nothing of logs
//     or deadlines. Faulting reports whether the fault phase is running
//     (sites are on only then).
//
// # Determinism
//
// Every random draw comes from a named stream derived from the seed
// (World.Rand), so a new draw in one consumer never shifts another's. Every
// event that takes effect is folded into a running fingerprint (time, kind,
// node, encoded payload); two runs of one seed must end with equal
// fingerprints, and the tests check that over hundreds of seeds. Code run
// by the world must follow the determinism contract in DESIGN.md; the lint
// in internal/detlint enforces it.
//
// # Bounds
//
// Config.VirtualTimeMax and Config.EventsMax bound every run. Reaching one
// ends the run with a liveness failure, never a hang.
//
// # What it does not do
//
// It knows nothing of engines, transactions or histories: those are built
// on top, and reach the world only through Node, NodeContext and Process.
// Timers run on global virtual time (a drifting clock changes what a node
// reads, not when its timers fire).
//
// # Tests
//
// rapid properties (event order, timers never early, partitions block
// exactly their links, a healed network delivers, a crash loses exactly the
// unsynced writes, torn writes are detected, mirrored-log recovery against
// a model of the damage, Cond against a FIFO model of its waiters),
// tests of scripted Cond and Chan interleavings, datadriven scenario files for
// disks and the network in testdata/, goleak for coroutines, and
// benchmarks for the event queue, process switches and message delivery.
package sim
