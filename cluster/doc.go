// Package cluster is the simulated cluster: the adapters that host
// Proven's step machines on simulated nodes, and a Cluster that assembles
// them (log node, engine nodes, runner, client processes with their
// coordinators) inside one world.
//
// # What it models
//
// The step machines of engines/... (the stream log service, later the
// stream processors) take a message or a tick and return what to persist
// and what to send; they never touch the simulator. An adapter here is a
// sim.Node that feeds them the node's messages and timers and carries out
// their Ready against the node's disk and network.
//
//   - LogNode hosts a streamlog.Service: Start reads the node's log back
//     from disk (cutting a torn tail, repairing a corrupted record from the
//     mirror copy), calls streamlog.Recover and arms the tick timer;
//     Receive steps the service; the timer ticks it and re-arms.
//   - Address and Addr convert between sim.Addr and wire.Address
//     (node<<32 | process), so engines can name reply addresses without
//     importing sim.
//   - Codec is the net.Registry of every engines message type, each under
//     its Go name.
//
// # Contract
//
// Persist before you speak: for every Ready, an adapter appends every
// record to its disk files and syncs them before it sends any message.
// The log is written twice, to "streamlog" and "streamlog.mirror", so that
// a record corrupted in one copy (the disk fault flips a bit in a synced
// record) is repaired from the other. Both copies are written with one
// Disk.AppendToEach (one framed copy of the record, shared until damage
// replaces one of them).
//
// # Invariants
//
// Every acknowledged append survives any crash at its acknowledged position
// with its acknowledged timestamp; a stream's timestamps strictly increase
// across restarts.
//
// # What it does not do
//
// It does not replicate a log across nodes (a log node whose two copies of
// one record are both damaged fails the run), and it runs no real I/O:
// real-runtime hosts live elsewhere.
//
// # Tests
//
// A simulated run per seed: a log node crashed and restarted at random
// times, under clock jumps, torn writes, corruption, message loss and
// duplication, serves clients that append with retries and a subscriber
// that re-subscribes on timeouts; afterwards every acknowledged append is
// in the log at its position with its timestamp, timestamps increase, the
// subscriber saw the same log, and two runs of a seed have one fingerprint.
// goleak checks that no coroutine outlives a world.
package cluster
