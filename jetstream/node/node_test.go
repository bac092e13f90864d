package node

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/natscluster"
)

func startCluster(t *testing.T) *natscluster.Cluster {
	t.Helper()
	cluster, err := natscluster.Start(natscluster.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	return cluster
}

func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("NODE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func startNode(t *testing.T, cluster *natscluster.Cluster, id uint32, streams []catalog.StreamSpec) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, Config{URL: cluster.URLs(), Streams: streams, ID: id, Nodes: []uint32{1, 2},
		Replicas: 3, LeaseTTL: 2 * time.Second, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// awaitHosted waits until the nodes host every stream between them.
func awaitHosted(t *testing.T, streams []string, nodes ...*Node) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var hosted []string
		for _, n := range nodes {
			hosted = append(hosted, n.Hosting()...)
		}
		slices.Sort(hosted)
		if slices.Equal(hosted, streams) {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not timing
	}
	t.Fatalf("streams %v are not all hosted", streams)
}

// TestTransactionsAcrossNodes: two nodes share two R3 streams; a
// transaction coordinated by one is read by the other; when the node
// hosting a stream stops, the other takes the stream over and
// transactions go on.
func TestTransactionsAcrossNodes(t *testing.T) {
	cluster := startCluster(t)
	streams := []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b")}
	first := startNode(t, cluster, 1, streams)
	second := startNode(t, cluster, 2, streams)
	awaitHosted(t, []string{"a", "b"}, first, second)
	ctx := context.Background()
	put := func(n *Node, x, y int64) {
		t.Helper()
		tx := n.Begin(ctx, 5*time.Second)
		if err := kv.New(tx, "a").PutInt(ctx, "x", x); err != nil {
			t.Fatal(err)
		}
		if err := kv.New(tx, "b").PutInt(ctx, "y", y); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	read := func(n *Node) (int64, int64) {
		t.Helper()
		snapshot := n.BeginReadOnly(ctx)
		x, _, err := kv.New(snapshot, "a").GetInt(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		y, _, err := kv.New(snapshot, "b").GetInt(ctx, "y")
		if err != nil {
			t.Fatal(err)
		}
		return x, y
	}
	put(first, 1, 2)
	// The second node's snapshot must follow the first's commit: its
	// clock learns of it through a read-write transaction of its own.
	put(second, 3, 4)
	if x, y := read(first); x != 3 || y != 4 {
		t.Fatalf("read x=%d y=%d, want 3 and 4", x, y)
	}
	first.Close()
	awaitHosted(t, []string{"a", "b"}, second)
	put(second, 5, 6)
	if x, y := read(second); x != 5 || y != 6 {
		t.Fatalf("after failover read x=%d y=%d, want 5 and 6", x, y)
	}
}

// TestCommitReturnsAtTheDecision: a transaction on three streams is
// answered at its decision; the rest of its commit round goes on behind
// it and ends with a Commit entry in every participant's log, and its
// session back in the pool.
func TestCommitReturnsAtTheDecision(t *testing.T) {
	cluster := startCluster(t)
	streams := []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b"), catalog.KV("c")}
	n := startNode(t, cluster, 1, streams)
	awaitHosted(t, []string{"a", "b", "c"}, n)
	ctx := context.Background()
	for round := range 20 {
		tx := n.Begin(ctx, 5*time.Second)
		for _, stream := range []string{"a", "b", "c"} {
			if err := kv.New(tx, stream).PutInt(ctx, "x", int64(round)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if tx.CommitTimestamp().IsZero() || tx.session != nil {
			t.Fatalf("committed at %v, session %v", tx.CommitTimestamp(), tx.session)
		}
		n.finishing.Wait()
		for _, stream := range []string{"a", "b", "c"} {
			if !hasCommit(n.Log().Entries(stream), tx.ID()) {
				t.Fatalf("round %d: no Commit of %v on %s after its commit round", round, tx.ID(), stream)
			}
		}
	}
}

func hasCommit(entries []wire.LogEntry, txn engines.TxnID) bool {
	for _, logEntry := range entries {
		entry, err := wire.DecodeEntry(logEntry.Payload)
		if err == nil && entry.Kind == wire.EntryCommit && entry.Txn == txn {
			return true
		}
	}
	return false
}
