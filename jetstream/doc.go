// Package jetstream is the root of Proven's NATS JetStream module, a Go
// module of its own so that users of the core library never download
// NATS. It runs Proven's stream logs on JetStream and its engines on
// several processes:
//
//   - jslog: the stream log service on JetStream (positions are stream
//     sequences, timestamps derived from the log alone, appends
//     deduplicated by request id);
//   - node: one Proven process (processors under leases with fencing,
//     coordinators, the runner), and cmd/proven-node (package nodecli)
//     its command;
//   - remote: the client side of a node's transaction service;
//   - natscluster: NATS servers with JetStream inside a process, on
//     loopback, for tests, benchmarks and the single-binary mode;
//   - jepsen: Jepsen-style runs of the workloads across node processes
//     while a nemesis kills, restarts and pauses NATS servers and nodes,
//     and a quorum-loss test, judged by the simulator's checkers.
//
// The step machines (log service answers, processors, coordinator,
// runner) are the core module's, the same code the simulator proves.
package jetstream
