// Package jslog is Proven's stream log service on NATS JetStream: one
// JetStream stream per Proven stream (named <namespace>_<stream>, appends
// published to <namespace>.log.<stream>, replicas as configured), so that
// the logs run on an existing replicated log instead of consensus of our
// own.
//
// # Model
//
// A process opens a Log over a NATS connection. Each stream is read from
// its first message by an ordered consumer into a Tail, the step machine
// of this package: it turns each message into a wire.LogEntry and
// computes the log service's answers (subscriptions pushed, reads,
// acknowledgements of appends) without I/O or a clock. The Log hosts the
// Tails: it publishes appends, feeds consumed messages to the Tail under
// its lock, and hands the Tail's answers to the process's Deliver.
//
// # Contract
//
//   - An entry's position is its JetStream stream sequence; its timestamp
//     is derived from the log alone (Stamp: the larger of the message's
//     stored time and the previous entry's timestamp plus one, stamped
//     with the stream's node, StreamNode), so every process, every replica
//     and every replay computes the same timestamps, deadlines and
//     outcomes, and timestamps strictly increase even when a new stream
//     leader's clock is behind.
//   - An append is published with its request id as the JetStream message
//     id (MessageID): a retried append is dropped by JetStream as a
//     duplicate. An append whose sender waits for an acknowledgement is
//     answered only once JetStream has stored it (on a quorum of replicas)
//     and the Tail has reached it, with its position and timestamp. An
//     append nobody waits for (operations, prepares, one-phase commits,
//     ticks) is a core NATS publish without a reply subject: stored and
//     deduplicated the same, but not acknowledged; its sender learns of it
//     from the processor's answer.
//   - Send never waits for JetStream; answers arrive on Deliver. A
//     message the Tail cannot take (a position past the head plus one,
//     ErrGap) restarts the consumer at the head; JetStream streams of
//     Proven never delete a message.
//   - Retry repeats a JetStream API call while the cluster is unavailable
//     (a server restarting, a leader being elected), until ctx ends.
//
// # Tests
//
// Scenario files (testdata/tail) drive the Tail's transitions without
// NATS; a rapid property checks that Stamp is a function of the log
// (every replay computes the same timestamps, strictly increasing); a
// test with three servers on loopback checks that two processes reading
// one deployment agree entry for entry.
package jslog
