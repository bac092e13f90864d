// Package loghost runs one stream's log service (engines/streamlog) on a
// goroutine over the stream's file log (live/filelog): the real runtime's
// counterpart of cluster's LogNode, driving the same step machine through
// the same streamlog.Driver.
//
// # What it models
//
// One Host per stream. Its goroutine waits for messages or its ticker;
// then it steps the service with every message waiting in the inbox (the
// batch), ticks it if the ticker fired, flushes the Driver — every record
// of the batch is written in one write and made durable by one fsync — and
// only then hands each outbound message to Config.Deliver. Appends that
// arrive while a batch is being synced form the next batch, so concurrent
// appenders share fsyncs (group commit) without a timer or a lock on the
// path. Timestamps come from an HLC over Config.Clock (clock.Real by
// default), stamped with Config.Node; Start restores the HLC above the
// newest timestamp in the log, so a stream's timestamps strictly increase
// across restarts even when the wall clock went back.
//
// One host per stream, rather than one per store, because streams then
// fsync in parallel, a busy stream never waits behind another's batch, no
// lock is shared between streams, a stream's records are numbered by its
// positions (so removing old segments is exact per stream: below that
// stream's checkpoint), and reopening recovers each stream from its own
// files. The cost is one fsync per stream per batch where a shared log
// would pay one in all: a transaction over three streams waits for three
// concurrent fsyncs, and each idle stream pays an fsync per tick entry.
//
// # Contract
//
//   - Start(log, records, config) takes a log and the records filelog.Open
//     returned (store.Stream.OpenLog gives both); the host owns the log.
//   - Send(from, message) queues wire.MsgAppend, MsgSubscribe or MsgReadLog
//     for the host's stream and never blocks. It refuses another stream's
//     message (ErrWrongStream), any other message (ErrUnknownMessage), a
//     message beyond Config.InboxMax waiting (ErrInboxFull: dropped, to be
//     retried like a lost message), and everything after Close (ErrClosed)
//     or after a failure (the failure).
//   - Deliver is called on the host goroutine, in order, after the fsync
//     that makes the messages' entries durable. It must not block on
//     anything that waits for this host. Delivered messages share the
//     log's memory (entry payloads): recipients read them and never change
//     them.
//   - A failed write or fsync stops the host: the failed batch's messages
//     are never delivered, the log is closed, Done is closed, Err and every
//     Send return the failure, and Close returns it. Nothing is retried.
//   - RemoveBelow(position) removes the entries below position (never
//     the head) from the service's memory and the log's whole segments
//     below position from disk, in order with the messages sent before
//     it. The caller decides what
//     is safe to remove: a processor's checkpoint (store.WriteCheckpoint
//     returns a safe bound for the stream's own replay), but also any
//     termination read another stream's processor may still make from a
//     transaction's start position.
//   - ForgetBelow(position) removes the entries below position (never the
//     head) from the service's memory only, in order with the messages
//     sent before it; the disk keeps them until RemoveBelow.
//   - Head returns the stream's last position and timestamp once every
//     message sent before it was stepped: a barrier for a runtime deciding
//     what to remove (every append sent before it is at or below that
//     position; every later one gets a higher timestamp).
//   - Close steps and flushes everything already sent, stops the goroutine
//     and closes the log.
//
// # What it does not do
//
// It does not route: a runtime keeps one host per stream and sends each
// message to the host of the stream it names (MsgReadLog of a peer stream
// goes to that stream's host). It does not decide when to remove segments,
// does not replicate, and keeps the retained log in memory (bounded by
// removing segments below checkpoints).
//
// # Tests
//
// Tests (with goleak) cover concurrent appenders across restarts onto a
// clock that went back (contiguous positions, strictly increasing
// timestamps, every acknowledged entry kept), group commit made
// deterministic by holding the host inside a delivery (99 waiting appends,
// one fsync), the inbox bound, refused messages, subscriptions with real
// ticks, and segment removal across a restart. A rapid property injects a
// failed or short write or a failed fsync at a random point, crashes, and
// checks every acknowledged append is in the reopened log at the position
// and timestamp its reply named. Benchmarks measure appends/s and records
// per fsync with 1, 16 and 64 appenders against a write-and-fsync-each
// baseline, and reopening one million entries with and without a
// checkpoint.
package loghost
