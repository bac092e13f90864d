// Package counter is the simulator's built-in demonstration scenario, run
// by `proven sim --workload counter` (and by default until the engines
// exist): a counter service on one crashable server node, incremented by
// client processes on their own nodes under the full fault schedule.
//
// The server is a step machine. It makes each increment durable before it
// answers (persist before you speak): the increment is appended to a
// write-ahead log and to a mirror of it, both synced, and only then
// acknowledged. Requests carry ids, so a retried increment is answered from
// the log instead of being applied twice. Each acknowledgement carries an
// HLC timestamp. On restart the server rebuilds its state from the two
// logs: a torn tail (an unacknowledged write cut by a crash) is dropped, and
// a record corrupted in one copy is repaired from the other.
//
// Clients retry each increment until it is acknowledged, so after healing
// every client finishes. A final reader checks the invariants once the
// fault phase is over:
//   - every acknowledged increment is applied: its request id is in the
//     server's recovered state, and the final value counts each applied
//     request exactly once (no increment lost, none applied twice);
//   - acknowledged values are distinct and respect real time: if one
//     increment was acknowledged before another was invoked, its value is
//     smaller (the counter is linearizable);
//   - acknowledgement timestamps order exactly as the values do, across
//     crashes and backward clock jumps (the HLC is restored from the log).
//
// A run with Options.Bug set plants a known mistake; the tests show the
// invariants catch each one.
package counter
