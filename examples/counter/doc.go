// Package counter is a worked example of testing your own service with
// the simulator (package sim) alone, without Proven's engines: a counter
// service on one crashable server node, incremented by client processes
// on their own nodes under a random fault schedule drawn from the seed.
// Run it with
//
//	go test ./examples/counter
//
// which runs 200 seeds under every fault family (each seed twice, to show
// the fingerprints agree) and shows that each planted bug is caught.
//
// # The service
//
// The server (Server) is a step machine: it reacts to a message by
// changing state, writing to its disk and sending, and never blocks. It
// makes each increment durable before it answers (persist before you
// speak): the increment is appended to a write-ahead log and its mirror
// with one sim.Disk.AppendToEach, both copies are synced, and only then is
// it acknowledged. Requests carry ids, so a retried increment is answered
// from the log instead of being applied twice. Each acknowledgement
// carries an HLC timestamp. On restart the server rebuilds its state with
// sim.Disk.RecoverMirrored: a torn tail (an unacknowledged write cut by a
// crash) is dropped, a record damaged in one copy is taken from the other,
// and a record damaged in both copies with records after it fails the run
// instead of silently ending the log there.
//
// # The scenario and its invariants
//
// Run builds a world from Options.Seed: the server node, one node per
// client, and a checker process. Clients retry each increment until it is
// acknowledged, so after healing every client finishes. The checker then
// reads the final value and verifies:
//   - every acknowledged increment is applied: its request id is in the
//     server's recovered state, and the final value counts each applied
//     request exactly once (no increment lost, none applied twice);
//   - acknowledged values are distinct and respect real time: if one
//     increment was acknowledged before another was invoked, its value is
//     smaller (the counter is linearizable);
//   - acknowledgement timestamps order exactly as the values do, across
//     crashes and backward clock jumps (the HLC is restored from the log).
//
// Every parameter comes from the seed, so a failing seed is reproduced by
// running that seed again; Report carries its fingerprint.
//
// # Planted bugs
//
// Options.Bug plants a known mistake in the server (acknowledging before
// the sync, skipping deduplication, stamping with the raw local clock);
// the tests show the invariants catch each one within 100 seeds. Plant
// your own service's likely mistakes the same way, to prove your checks
// can fail.
//
// # What it does not do
//
// It uses no cluster, coordinator or engine: for a service built on
// Proven's engines, use package cluster instead.
package counter
