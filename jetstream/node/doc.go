// Package node is one Proven process of a deployment on NATS JetStream:
// it hosts the processors of the streams the runner assigns it and whose
// leases it holds, coordinators for its clients' transactions, and the
// runner while it holds the runner's lease. Every node of a deployment
// takes the same Namespace, Streams and Nodes (Config); the stream logs
// are package jslog's.
//
// # Model
//
// The step machines are the simulator's: a processor per hosted stream
// (engines/processor) on a goroutine of its own (processorHost), the
// coordinator's transaction machines driven by sessions of live/sessions
// (one coordinator per session, replies routed by address), and the
// runner (coordinator/runner) on the node that holds its lease. Messages
// between processes travel over NATS subjects: a node's, a session's
// (by incarnation), a processor's (snapshot reads); everything else
// goes through the logs. Sending never blocks: a message that cannot go
// is dropped and its sender retries, as in the simulator.
//
// # Leases and fencing
//
// Leases are keys of a JetStream key-value bucket whose entries expire
// LeaseTTL after their last write (see lease.go): acquiring is Create,
// renewing is Update at the holder's revision, releasing is Delete at
// it. A holder counts its lease valid until the time it sent its last
// successful write plus LeaseTTL minus a margin, so no other node can
// hold it meanwhile; a processor host whose lease lapsed (or was taken,
// or whose process was paused past it) stops before it answers anything.
// The runner writes every placement to the meta bucket before the
// assignments leave. Each start of a process takes a new incarnation
// number (meta bucket), which makes its request origins, session
// addresses and transaction ids unique across restarts.
//
// # Transactions
//
// Begin, BeginCategory (speculation, Config.Speculation), BeginReadOnly
// and AdHoc give handles the typed engine clients use unchanged; the
// transaction service (service.go) serves package remote's clients over
// NATS request-reply. Commit returns at the decision: the first Commit
// append acknowledged at or before the deadline (rule 6); the rest of
// the commit round goes on on a goroutine that holds the session until
// it ends (Close waits for it).
//
// # Tests
//
// Three NATS servers on loopback in the test process (natscluster): a
// transaction across nodes and streams, and the early Commit answer with
// every participant's log getting its Commit afterwards (also run under
// the race detector by .ci/run). BenchmarkLayer measures transactions
// beside raw JetStream publishes in the same run (BENCHMARKS.md). The
// Jepsen-style runs with real faults are in package jepsen.
package node
