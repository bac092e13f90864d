// Package streamlog is the stream log service: the named, ordered, durable
// logs that stream processors apply (DESIGN.md, "Streams, processors,
// engines"), as a step machine in the spirit of etcd raft's Ready.
//
// # What it models
//
// A Service holds any number of named streams for one log node. It takes
// one input at a time — a message (Step) or the passing of time (Tick) —
// changes its state and returns a Ready: records to persist and messages to
// send. It does no I/O; a host (cluster in the simulator, live/loghost in
// the real runtime) does, through a Driver over a Storage (driver.go): the
// simulated disk and the file log implement the same two-method interface
// (Append, Sync), and the Driver holds the one copy of the host logic —
// append each step's records, sync once per Flush, and only then hand out
// the messages of every step since the last Flush (group commit when a
// host steps a batch before flushing).
//
//   - wire.MsgAppend: the entry gets the stream's next position (from 1)
//     and a timestamp from a hybrid logical clock over the node's clock, so
//     a stream's timestamps strictly increase even when the clock jumps
//     back. The append is answered with MsgAppendReply and pushed to the
//     stream's subscribers. Requests are remembered per origin (the last
//     Config.DedupeWindow sequences), so a retry is answered with the
//     original position and timestamp instead of being appended again.
//   - wire.MsgSubscribe: the subscriber gets the entries from From to the
//     head at once, in MsgEntries chunks of Config.ReadCountMax, then every
//     later entry as it is appended. Subscribing again replaces the earlier
//     subscription of that subscriber to that stream.
//   - wire.MsgReadLog: up to min(CountMax, ReadCountMax) entries from
//     From, with the head position and timestamp (0 and the zero timestamp
//     for an unknown stream; CountMax 0 asks for the head alone).
//   - Tick: every known stream whose last entry is TickInterval older than
//     the HLC's time gets an EntryTick entry, so that idle streams' time
//     advances. A stream becomes known at its first append or subscribe; a
//     subscribe that creates a stream appends a first tick.
//
// Code fault sites (Config.Sites, asked at every use; nil: off), which a
// simulation turns on to reach paths random timing almost never takes:
// StampAtDeadline stamps an appended transaction entry exactly at its
// deadline (wall D, logical 0; the HLC moves forward to it) when its
// timestamp would fall less than StampWindow before D, counted in
// Stats.StampedAtDeadline; TinyBatches makes every read and catch-up
// carry one entry per message.
//
// # Contract
//
// The host must append and sync every record of Ready.Persist, in order,
// before it sends any of Ready.Messages (persist before you speak), and must
// finish one Ready before the next Step or Tick. After a crash it reads the
// durable records back, cuts a torn tail (a record that never synced was
// never acknowledged), and calls Recover with them — or RecoverSuffix, if
// it removed a stream's oldest records from its storage after RemoveBelow
// dropped them from memory. Subscriptions are soft
// state: they are lost on a crash and subscribers re-subscribe on their own
// timeouts. Origins must number their requests with increasing sequences: a
// request below an origin's dedupe window is dropped unanswered (it may have
// been appended already; appending it again could duplicate it).
//
// # Invariants
//
//   - Positions of a stream are contiguous from 1 (in memory: from its
//     first retained position to its head; the head is never removed).
//   - Timestamps of a stream strictly increase, across clock jumps and
//     restarts (Recover restores the HLC from the highest timestamp on disk;
//     one HLC serves every stream of the node).
//   - An appended request is in the log exactly once, and every answer to it
//     carries the same position and timestamp.
//   - A subscription receives every entry from its start exactly once, in
//     order, when no message is lost.
//   - Output never depends on map order: streams are visited in name order,
//     subscribers in address order.
//
// # What it does not do
//
// It keeps every log in memory from its first retained position (the
// whole log unless the host calls RemoveBelow), and keeps one dedupe
// window per origin forever. Reads and subscriptions from below a
// stream's first retained position start at it: the reader sees the gap
// in the positions, and the host must not remove entries a reader still
// needs. After RecoverSuffix, a retry of an append whose record was
// removed would be appended again. It does not replicate: a log
// node that loses its disk loses its streams. It does not interpret
// payloads, except that ticks carry wire.Entry{Kind: EntryTick}.
//
// # Tests
//
// rapid properties drive random appends, retries, subscriptions, reads,
// ticks, clock jumps and crash-recoveries against the invariants above and
// check that Recover rebuilds the same streams and dedupe answers, also
// after RemoveBelow and RecoverSuffix; a rapid property checks that the
// Driver persists before it speaks and stops at a storage failure;
// datadriven scenario files in testdata/ show append, subscribe, read,
// tick, a clock jump back, recovery and recovery of a suffix; fuzz tests feed arbitrary bytes to
// record decoding and Recover; benchmarks measure appends and recovery.
// cluster runs the service on a crashing simulated node.
package streamlog
