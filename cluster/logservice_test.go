package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAddressRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		addr := sim.Addr{Node: sim.NodeID(rapid.Uint32().Draw(t, "node")), Process: rapid.Uint32().Draw(t, "process")}
		if got := Addr(Address(addr)); got != addr {
			t.Fatalf("Addr(Address(%v)) = %v", addr, got)
		}
	})
}

func TestCodecRoundTripsStreamMessages(t *testing.T) {
	codec := Codec()
	stamp := clock.Timestamp{WallNanos: 5, Logical: 2, Node: 1}
	messages := []any{
		wire.MsgAppend{Request: wire.RequestID{Origin: 1, Sequence: 2}, ReplyTo: 3, Stream: "s", Payload: []byte{0, 1}},
		wire.MsgAppendReply{Stream: "s", Position: 4, Timestamp: stamp},
		wire.MsgSubscribe{Stream: "s", From: 2, Subscriber: 9},
		wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{{Position: 1, Timestamp: stamp, Payload: []byte("p")}}},
		wire.MsgReadLog{Stream: "s", From: 1, CountMax: 3},
		wire.MsgReadLogReply{Stream: "s", HeadPosition: 1, HeadTimestamp: stamp},
		wire.MsgOperationReply{Txn: stamp, Status: engines.StatusDone, Result: []byte("r")},
		wire.MsgVote{Txn: stamp, Prepared: true, PrepareTimestamp: stamp},
		wire.MsgOutcome{Txn: stamp, Committed: true, CommitTimestamp: stamp},
		wire.MsgSnapshotRead{Stream: "s", Snapshot: stamp, Operation: []byte("o")},
		wire.MsgSnapshotReadReply{Stream: "s", Result: []byte("r")},
	}
	for _, message := range messages {
		data, err := codec.Encode(message)
		if err != nil {
			t.Fatalf("encode %T: %v", message, err)
		}
		decoded, err := codec.Decode(data)
		if err != nil {
			t.Fatalf("decode %T: %v", message, err)
		}
		if fmt.Sprintf("%#v", decoded) != fmt.Sprintf("%#v", message) {
			t.Fatalf("round trip of %T: got %#v", message, decoded)
		}
		if kind, _ := codec.Kind(message); fmt.Sprintf("wire.%s", kind) != fmt.Sprintf("%T", message) {
			t.Fatalf("%T registered as %q", message, kind)
		}
	}
}

// logRun is one simulated run: a crashing log node, appending clients, a
// subscriber, and a checker.
type logRun struct {
	world     *sim.World
	logNode   sim.NodeID
	clients   int
	appends   int
	acks      []wire.MsgAppendReply
	finished  int
	stop      bool
	delivered map[uint64]wire.LogEntry // the subscriber's view of stream s0
	repairs   int                      // boots that repaired the log
}

const logRunStreams = 2

func runLogScenario(seed uint64) (sim.Result, *logRun) {
	w := sim.NewWorld(sim.Config{Seed: seed, Codec: Codec(), VirtualTimeMax: 2 * time.Minute, EventsMax: 2_000_000})
	defer w.Close()
	r := &logRun{world: w, clients: 3, appends: 25, delivered: map[uint64]wire.LogEntry{}}
	config := streamlog.Config{TickInterval: 20 * time.Millisecond, ReadCountMax: 8, DedupeWindow: 4}
	r.logNode = w.AddNode(sim.NodeOptions{Name: "log", Crashable: true,
		Factory: func() sim.Node { return &countingLogNode{LogNode: &LogNode{config: config}, run: r} }})
	for c := range r.clients {
		node := w.AddNode(sim.NodeOptions{Name: fmt.Sprintf("client%d", c+1)})
		w.Spawn(node, fmt.Sprintf("client%d", c+1), func(p *sim.Process) { r.client(p, uint64(c+1)) })
	}
	w.Spawn(w.AddNode(sim.NodeOptions{Name: "subscriber"}), "subscriber", r.subscriber)
	w.Spawn(w.AddNode(sim.NodeOptions{Name: "checker"}), "checker", r.check)
	crashes := w.Rand("test/crashes")
	for range 1 + crashes.IntN(5) {
		at := time.Duration(crashes.Int64N(int64(3 * time.Second)))
		downtime := time.Duration(crashes.Int64N(int64(300 * time.Millisecond)))
		w.After(at, func() { w.CrashFor(r.logNode, downtime) })
	}
	w.StartFaults(sim.DrawFaultPlan(sim.FaultMode{Families: sim.FamilyClock | sim.FamilyDisk | sim.FamilyLoss |
		sim.FamilyDuplicate | sim.FamilyReorder}, w.Rand("test/plan"), 3*time.Second))
	return w.Run(), r
}

// client appends to random streams, retrying each append until it is
// acknowledged.
func (r *logRun) client(p *sim.Process, origin uint64) {
	for sequence := range uint64(r.appends) {
		request := wire.RequestID{Origin: origin, Sequence: sequence}
		message := wire.MsgAppend{Request: request, ReplyTo: Address(p.Addr()),
			Stream: fmt.Sprintf("s%d", p.Rand().IntN(logRunStreams)), Payload: []byte(request.String())}
		for {
			_ = p.Send(sim.Addr{Node: r.logNode}, message)
			if reply, ok := r.awaitReply(p, request, 100*time.Millisecond); ok {
				r.acks = append(r.acks, reply)
				break
			}
		}
		p.Sleep(time.Duration(p.Rand().IntN(40)) * time.Millisecond)
	}
	r.finished++
}

// awaitReply waits up to timeout (global virtual time) for the append
// reply to request, dropping replies to earlier attempts.
func (r *logRun) awaitReply(p *sim.Process, request wire.RequestID, timeout time.Duration) (wire.MsgAppendReply, bool) {
	message, ok := r.await(p, timeout, func(message any) bool {
		reply, match := message.(wire.MsgAppendReply)
		return match && reply.Request == request
	})
	reply, _ := message.(wire.MsgAppendReply)
	return reply, ok
}

// await waits up to timeout (global virtual time) for a message that
// matches, dropping others.
func (r *logRun) await(p *sim.Process, timeout time.Duration, matches func(any) bool) (any, bool) {
	deadline := r.world.Now() + int64(timeout)
	for r.world.Now() < deadline {
		_, message, ok := p.Receive(time.Duration(deadline - r.world.Now()))
		if !ok {
			break
		}
		if matches(message) {
			return message, true
		}
	}
	return nil, false
}

// subscriber follows stream s0, re-subscribing from the next position it
// lacks whenever nothing arrives for a while (subscriptions die with the
// log node).
func (r *logRun) subscriber(p *sim.Process) {
	next := uint64(1)
	for !r.stop {
		_ = p.Send(sim.Addr{Node: r.logNode}, wire.MsgSubscribe{Stream: "s0", From: next, Subscriber: Address(p.Addr())})
		for !r.stop {
			_, message, ok := p.Receive(100 * time.Millisecond)
			if !ok {
				break
			}
			entries, _ := message.(wire.MsgEntries)
			for _, entry := range entries.Entries {
				if entry.Position == next {
					r.delivered[next] = entry
					next++
				}
			}
		}
	}
}

// check waits for the clients, crashes the log node once more, reads every
// stream back and checks it against the acknowledgements and the
// subscriber's view.
func (r *logRun) check(p *sim.Process) {
	defer func() { r.stop = true }()
	for r.finished < r.clients || !r.world.Healed() {
		p.Sleep(50 * time.Millisecond)
	}
	r.world.CrashFor(r.logNode, 10*time.Millisecond)
	logs := map[string][]wire.LogEntry{}
	for s := range logRunStreams {
		stream := fmt.Sprintf("s%d", s)
		logs[stream] = r.readAll(p, stream)
		r.checkStream(p, stream, logs[stream])
	}
	for _, ack := range r.acks {
		entries := logs[ack.Stream]
		if ack.Position == 0 || ack.Position > uint64(len(entries)) || entries[ack.Position-1].Timestamp != ack.Timestamp {
			p.Fail("acknowledged append %v at %s#%d %v is not in the recovered log", ack.Request, ack.Stream,
				ack.Position, ack.Timestamp)
			return
		}
		if got := string(entries[ack.Position-1].Payload); got != ack.Request.String() {
			p.Fail("%s#%d holds %q, acknowledged for %v", ack.Stream, ack.Position, got, ack.Request)
			return
		}
	}
	r.checkSubscriber(p, logs["s0"])
}

// countingLogNode counts the boots that repaired the log.
type countingLogNode struct {
	*LogNode
	run *logRun
}

func (n *countingLogNode) Start(ctx *sim.NodeContext) {
	n.LogNode.Start(ctx)
	if n.Repaired {
		n.run.repairs++
	}
}

// readAll reads a whole stream with MsgReadLog, retrying lost requests.
func (r *logRun) readAll(p *sim.Process, stream string) []wire.LogEntry {
	var entries []wire.LogEntry
	for sequence := uint64(0); ; sequence++ {
		request := wire.RequestID{Origin: 1000, Sequence: sequence}
		_ = p.Send(sim.Addr{Node: r.logNode}, wire.MsgReadLog{Request: request, ReplyTo: Address(p.Addr()),
			Stream: stream, From: uint64(len(entries) + 1), CountMax: 100})
		message, ok := r.await(p, 100*time.Millisecond, func(message any) bool {
			reply, isReply := message.(wire.MsgReadLogReply)
			return isReply && reply.Request == request
		})
		if !ok {
			continue
		}
		reply := message.(wire.MsgReadLogReply)
		entries = append(entries, reply.Entries...)
		if uint64(len(entries)) >= reply.HeadPosition {
			return entries
		}
	}
}

func (r *logRun) checkStream(p *sim.Process, stream string, entries []wire.LogEntry) {
	for i, entry := range entries {
		if entry.Position != uint64(i+1) {
			p.Fail("%s: entry %d has position %d", stream, i, entry.Position)
		}
		if i > 0 && !entries[i-1].Timestamp.Less(entry.Timestamp) {
			p.Fail("%s#%d: timestamp %v not after %v", stream, entry.Position, entry.Timestamp, entries[i-1].Timestamp)
		}
	}
}

// checkSubscriber: every entry the subscriber received is the log's entry
// at that position (it may lag behind the read or run ahead of it; it
// never disagrees).
func (r *logRun) checkSubscriber(p *sim.Process, entries []wire.LogEntry) {
	// Ticks keep coming after the read: compare the prefix both have.
	for position := uint64(1); position <= uint64(min(len(r.delivered), len(entries))); position++ {
		got, want := r.delivered[position], entries[position-1]
		if got.Timestamp != want.Timestamp || string(got.Payload) != string(want.Payload) {
			p.Fail("subscriber got s0#%d %v, the log holds %v", position, got.Timestamp, want.Timestamp)
			return
		}
	}
}

func TestLogNodeKeepsAcknowledgedAppendsAcrossCrashes(t *testing.T) {
	repairs := 0
	for seed := uint64(1); seed <= 40; seed++ {
		result, run := runLogScenario(seed)
		if result.Verdict != sim.VerdictOK {
			t.Fatalf("seed %d: %s: %s\n%s", seed, result.Failure, result.Reason, result.Detail)
		}
		if len(run.acks) != run.clients*run.appends {
			t.Fatalf("seed %d: %d acknowledgements, want %d", seed, len(run.acks), run.clients*run.appends)
		}
		if len(run.delivered) == 0 {
			t.Fatalf("seed %d: the subscriber received nothing", seed)
		}
		repairs += run.repairs
		again, _ := runLogScenario(seed)
		if again.Fingerprint != result.Fingerprint {
			t.Fatalf("seed %d: fingerprints %s and %s differ", seed, result.FingerprintHex(), again.FingerprintHex())
		}
	}
	if repairs == 0 {
		t.Fatal("no boot over 40 seeds repaired the log: the disk faults do not reach the log node")
	}
	t.Logf("%d repaired boots over 40 seeds", repairs)
}
