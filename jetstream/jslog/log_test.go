package jslog

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/natscluster"
)

// inbox collects what a Log delivers, per recipient.
type inbox struct {
	mutex    sync.Mutex
	messages map[wire.Address][]any
	changed  chan struct{}
}

func newInbox() *inbox {
	return &inbox{messages: map[wire.Address][]any{}, changed: make(chan struct{}, 1)}
}

func (b *inbox) deliver(to wire.Address, message any) {
	b.mutex.Lock()
	b.messages[to] = append(b.messages[to], message)
	b.mutex.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// await waits until ok holds for the recipient's messages.
func (b *inbox) await(t *testing.T, to wire.Address, ok func([]any) bool) []any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		b.mutex.Lock()
		messages := append([]any(nil), b.messages[to]...)
		b.mutex.Unlock()
		if ok(messages) {
			return messages
		}
		select {
		case <-b.changed:
		case <-timeout:
			t.Fatalf("recipient %d: still waiting, with %d messages", to, len(messages))
		}
	}
}

func startCluster(t *testing.T, size int) *natscluster.Cluster {
	t.Helper()
	cluster, err := natscluster.Start(natscluster.Config{Size: size, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	return cluster
}

func connect(t *testing.T, cluster *natscluster.Cluster) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(cluster.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func openLog(t *testing.T, nc *nats.Conn, replicas int, deliver func(wire.Address, any)) *Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log, err := Open(ctx, nc, Config{Namespace: "t", Streams: []string{"a", "b"}, Replicas: replicas, Create: true,
		Deliver: deliver})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	return log
}

func entryCount(n int) func([]any) bool {
	return func(messages []any) bool {
		count := 0
		for _, m := range messages {
			if entries, ok := m.(wire.MsgEntries); ok {
				count += len(entries.Entries)
			}
		}
		return count >= n
	}
}

// TestTwoProcessesAgree: appends through one log (a retry among them)
// reach both logs' subscribers with the same positions and timestamps;
// an acknowledged append's reply names its entry; a retried append is
// stored once; a log opened later reads the same stream.
func TestTwoProcessesAgree(t *testing.T) {
	cluster := startCluster(t, 3)
	first, second := newInbox(), newInbox()
	log1 := openLog(t, connect(t, cluster), 3, first.deliver)
	log2 := openLog(t, connect(t, cluster), 3, second.deliver)
	for _, log := range []*Log{log1, log2} {
		if err := log.Send(9, wire.MsgSubscribe{Stream: "a", From: 1, Subscriber: 9}); err != nil {
			t.Fatal(err)
		}
	}
	payload := wire.Entry{Kind: wire.EntryTick}.Encode()
	var replies []any
	for round := range 2 { // the second round retries every append: JetStream drops them
		for sequence := uint64(1); sequence <= 5; sequence++ {
			request := wire.RequestID{Origin: 1, Sequence: sequence}
			if err := log1.Send(5, wire.MsgAppend{Request: request, ReplyTo: 5, Stream: "a", Payload: payload}); err != nil {
				t.Fatal(err)
			}
		}
		replies = first.await(t, 5, func(messages []any) bool { return len(messages) == 5*(round+1) })
	}
	entries1 := first.await(t, 9, entryCount(5))
	entries2 := second.await(t, 9, entryCount(5))
	if got := flatten(entries1); len(got) != 5 || !sameEntries(got, flatten(entries2)) {
		t.Fatalf("the logs disagree: %v and %v", got, flatten(entries2))
	}
	byPosition := flatten(entries1)
	for _, message := range replies {
		reply := message.(wire.MsgAppendReply)
		entry := byPosition[reply.Position-1]
		if reply.Position != reply.Request.Sequence || entry.Timestamp != reply.Timestamp {
			t.Fatalf("reply %+v for entry %+v", reply, entry)
		}
	}
	log3 := openLog(t, connect(t, cluster), 3, nil)
	if !sameEntries(log3.Entries("a"), byPosition) {
		t.Fatalf("a later log reads %v, want %v", log3.Entries("a"), byPosition)
	}
}

func flatten(messages []any) []wire.LogEntry {
	var entries []wire.LogEntry
	for _, m := range messages {
		if e, ok := m.(wire.MsgEntries); ok {
			entries = append(entries, e.Entries...)
		}
	}
	return entries
}

func sameEntries(a, b []wire.LogEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Position != b[i].Position || a[i].Timestamp != b[i].Timestamp || string(a[i].Payload) != string(b[i].Payload) {
			return false
		}
	}
	return true
}
