// Package jepsen runs Jepsen-style tests of Proven on NATS JetStream with
// real faults: Proven nodes as child processes (proven-node) on a
// three-server NATS cluster (child processes too when the cluster is
// started with natscluster.Config.Command), the bank, list-append and
// register workloads sent to them by client goroutines over NATS, and a
// nemesis that kills and restarts the NATS server leading a stream, aimed
// from the entries as they are published at a transaction's prepare, its
// commit or its termination (after killing its coordinator), kills node
// processes with SIGKILL and restarts them (their leases expire and the
// other nodes take their streams over), and pauses nodes with SIGSTOP and
// SIGCONT. Whether a leader kill hit a phase is judged afterwards from the
// streams (Report.LeaderKills); after the timed faults the nemesis aims
// again at the phases not hit yet, a bounded number of times.
//
// The histories are recorded on the wall clock; after the faults are
// healed and a final read of every balance, list and register succeeds, the
// streams are read back from JetStream, info completions are settled from
// their contents (workloads.SettleFromLogs: what was not committed
// becomes fail, what was committed stays info with its commit timestamp),
// and the simulator's checkers judge the run: atomicity from the stream
// contents, unique requests, bank conservation, list-append
// serializability and strict serializability, read-only snapshots, and
// linearizability per key of the registers (porcupine, as the
// simulator's register workload is checked: reads ad hoc, writes of
// fresh values and compare-and-sets as transactions; an info write or
// cas stays open to the end of the history).
//
// RunQuorumLoss loses JetStream's quorum instead: it SIGKILLs two of the
// three servers at once (the leader of a stream a commit was just sent
// to, and another) while the workloads run, restarts them after a few
// seconds, and waits until a transaction begun after the restart
// commits; the streams are then read and checked as after Run. Its test
// requires, besides every checker, that no operation invoked while the
// quorum was lost succeeded before it was restored, and that every info
// completion was settled from the logs.
//
// Not covered yet: network partitions, clock faults, and a quorum loss
// together with a node crash.
package jepsen
