// Package cluster is Proven's simulated cluster: a deployment of the log
// service, the stream processors with their engines, and client processes
// with their coordinators, on the nodes of one seeded sim.World, under a
// fault schedule drawn from the same seed. It is public so that you can
// run your own transactional code on it, and check it, exactly as
// Proven's workloads do.
//
// # What you get
//
// New builds the world from a Config:
//
//	c := cluster.New(cluster.Config{Seed: seed,
//		Streams: []cluster.StreamSpec{cluster.KV("users"), cluster.Queue("jobs"),
//			cluster.Resource("tokens"), cluster.SQL("orders")},
//		Faults: sim.FaultMode{Swarm: true}, FaultPhase: 5 * time.Second})
//	defer c.World.Close()
//	c.Spawn("client", func(p *sim.Process, coord *coordinator.Coordinator) {
//		tx := coord.Begin(ctx, 5*time.Second)
//		... kv.New(tx, "users").PutString(ctx, "user:1", "Alice") ...
//		err := tx.Commit(ctx)
//	})
//	result := c.World.Run()
//
// The parts:
//   - Nodes: one log node hosting a streamlog.Service (or, with a spread
//     topology, several: see Topology below); EngineNodes engine
//     nodes (default 2), stream i's processor starting on node
//     i mod EngineNodes; Clients client nodes (default 1); with Failover,
//     a runner node that moves the streams of a silent engine node to live
//     ones (coordinator/runner). Log and engine nodes are crashable.
//   - Engines by stream name: KV, Queue, Resource, SQL and StreamTable
//     (the Stream engine) return the StreamSpec of Proven's engines; a
//     StreamSpec of your own registers any engine that meets the engines
//     contract.
//   - Clients: Spawn runs ordinary sequential code as a simulated process
//     with its own coordinator, on the client nodes in turn.
//   - Speculation: Config.Speculation gives the coordinators of each
//     client node one shared coordinator.Predictor (on), none (off, the
//     default), or draws that per seed from its own "speculation" stream
//     (swarm); Speculating and SpeculationStats report it.
//   - Faults: Config.Faults and FaultPhase ask for a random fault schedule
//     (its plan drawn from the seed's "faults/plan" stream, as
//     sim.DrawFaultPlan draws it), FaultPlan imposes a recorded plan, and
//     FaultsAfterSetup holds the schedule back until StartFaults, so that
//     a setup can run fault-free first. FaultPlan reports the plan. In
//     swarm mode the plan also draws code fault sites ("faults/sites"
//     stream) and a topology ("topology" stream), each from a stream of
//     its own, so no other draw of the run shifts; a recorded plan brings
//     its own.
//   - Topology (sim.Topology in the plan): the streams' logs spread over
//     LogNodes log nodes (log, log2, log3, ...), stream i's on log node
//     i mod LogNodes, each node's clock with its own offset and drift
//     (drawn from "topology/clocks", up to 100ms and 2% at full skew) and
//     jumps during the fault phase. Coordinators and processors route
//     each stream's appends, subscriptions and termination reads to its
//     node (coordinator.Config.LogOf, processor.Config.LogOf); LogNodeOf
//     and LogAddress tell where a stream's log is.
//   - Code fault sites (sim.Site in the plan), on during the fault phase
//     only (healing turns them off): deadline-stamp and tiny-batch in the
//     log service, tiny-batch in the processors' termination reads,
//     early-retry and short-timeout in the coordinators (streamlog,
//     processor and coordinator Config.Sites); the hosts here act on the
//     rest: coarse-clock rounds the log nodes' and coordinators' clocks
//     down to 10ms, duplicate-reply sends every reply of log and engine
//     nodes twice, early-retry ticks the processors every 10ms. A plan
//     without sites gives the step machines nil switches.
//   - Inspection, for checkers: ProcessorNode and PlacementString (where
//     each stream runs), EngineNode (its processors), LogNode (the log
//     service, to read every stream back), RunnerNode.
//   - Address and Addr convert between sim.Addr and wire.Address
//     (node<<32 | process), for code that sends engines messages itself;
//     Codec is the net.Registry of the engines protocol, which
//     Config.Codec extends with your own message types; ProcessHost is
//     the coordinator.Host of a simulated process.
//
// # Contract
//
// The caller runs the world (World.Run or RunFor) and closes it
// (World.Close) so that no process outlives it. Client code is
// sequential: no goroutines, no wall clock, no global randomness (the
// determinism lint checks it). Streams named in Config are the only
// streams: a snapshot read of another fails the run, naming it; a
// read-write operation on another gets no answer and aborts at the
// transaction's deadline, with an error naming it.
// StartFaults requires FaultsAfterSetup and is called once. A Config
// that no run could use (a stream without a name or engine, a name
// registered twice) and the misuse of StartFaults panic with an
// assertion: they are programming errors, not outcomes of a run.
//
// Hosts persist before they speak: the log node appends every record of
// a Ready to both copies of its log ("streamlog" and "streamlog.mirror",
// one sim.Disk.AppendToEach) and syncs them before sending any reply; an
// engine node syncs a checkpoint before the messages that follow it and
// records an adopted assignment before starting its processors.
//
// # Invariants
//
//   - Every acknowledged append survives any crash at its acknowledged
//     position with its acknowledged timestamp, and a stream's timestamps
//     strictly increase across restarts. A record damaged in one copy of
//     the log is mended from the other (sim.Disk.RecoverMirrored); the log
//     service must accept every record the disk verified (asserted).
//   - A processor's state is a function of its stream's log: a restarted
//     engine node restores its last verified checkpoint (a full one and
//     the verified deltas after it, Config.DeltasPerCheckpoint) and
//     replays the log after it. A verified checkpoint or placement record that does not
//     decode is a broken invariant, not a reason to start over.
//   - An engine node runs exactly the streams of the newest assignment it
//     adopted, one processor each; every stream the runner places is a
//     stream of the cluster, on an engine node (asserted at each change).
//   - The fault plan depends only on the seed and the Config, so a seed
//     names a whole run: same seed, same fingerprint.
//
// # What it does not do
//
// It does not replicate a log across nodes (a spread topology puts each
// stream's log on one node): a record damaged in both
// copies with records after it fails the run. Random fault schedules do
// not crash the runner (it stands for a replicated service) or client
// nodes. The directory coordinators ask for placement learns the
// runner's placement at once; stale directory caches are not modeled (a
// coordinator that asks the wrong node retries). It runs no real I/O:
// hosts for real time, goroutines and files live elsewhere.
//
// # Tests
//
// A log node crashed at random times under clock jumps, torn writes,
// corruption, loss and duplication keeps every acknowledged append
// (checked against the clients' acknowledgements and a subscriber's
// view, each seed run twice for one fingerprint). Failover runs crash
// engine nodes past the heartbeat timeout, with and without every fault
// family, and check that streams move, transactions keep committing,
// and atomicity, conservation and liveness hold. Config tests pin the
// fault plan to sim.DrawFaultPlan on "faults/plan", show that
// FaultsAfterSetup keeps faults out of a setup, that Spawn round-robins,
// that each misuse panics naming the mistake, and that a stream missing
// from the Config is named when a client uses it. A spread topology
// routes every stream to its log node with clocks apart and commits
// across them; sites act during the fault phase only; deadline-stamp and
// the coarse clock reach the logs end to end. The workloads and
// coordinator tests run on this package; goleak checks that no coroutine
// outlives a world.
package cluster
