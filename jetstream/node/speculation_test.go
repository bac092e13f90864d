package node

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/jetstream/natscluster"
	"github.com/proven2pc/proven/jetstream/remote"
)

// startPreparingNode starts a node hosting KV streams a, b and c with
// replicas replicas, speculating with prediction and preparing ahead,
// and waits until it hosts them; it returns the node and the streams.
func startPreparingNode(t *testing.T, cluster *natscluster.Cluster, replicas int,
	prediction coordinator.PredictorConfig) (*Node, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, Config{URL: cluster.URLs(), Streams: []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b"),
		catalog.KV("c")}, ID: 1, Nodes: []uint32{1}, Replicas: replicas, Speculation: true, PrepareAhead: true,
		Prediction: prediction, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	streams := []string{"a", "b", "c"}
	awaitHosted(t, streams, n)
	return n, streams
}

// TestPreparedAheadUnderContention: clients contend for one key on three
// R3 streams with speculated transactions prepared ahead (each reads the
// key on every stream and writes a fresh value there). A transaction
// prepared on one stream while it waits on another must not hold the
// others up until its deadline (a predicted operation waits at most two
// RetryIntervals), and what commits is serial: ordered by commit
// timestamp, every committed transaction read, on every stream, the
// value the one before it wrote, and a snapshot after the run reads the
// last one's.
func TestPreparedAheadUnderContention(t *testing.T) {
	cluster := startCluster(t)
	// Thresholds lax enough that speculation goes on while a quarter of
	// the transactions are wounded.
	n, streams := startPreparingNode(t, cluster, 3,
		coordinator.PredictorConfig{ReadWrite: coordinator.Confidence{SeenMin: 4, RateMin: 0.5}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	type committed struct {
		at      clock.Timestamp
		reads   []int64
		written int64
	}
	var (
		mutex          sync.Mutex
		commits        []committed
		aborted        = map[coordinator.Reason]int{}
		indeterminates []error
	)
	run := func(written int64) {
		tx := n.BeginCategory(ctx, 5*time.Second, speculatedCategory, value.String(speculatedKey), value.Int(written))
		reads, err := readWriteIn(ctx, tx, streams, written)
		mutex.Lock()
		defer mutex.Unlock()
		var abort *coordinator.AbortedError
		switch {
		case err == nil:
			commits = append(commits, committed{at: tx.CommitTimestamp(), reads: reads, written: written})
		case errors.As(err, &abort):
			aborted[abort.Reason]++
		default:
			indeterminates = append(indeterminates, err)
		}
	}
	for i := range speculatedWarmup { // one client: the predictor learns the category
		run(int64(i + 1))
	}
	before := n.predictor.Stats().ReadWrite
	const clients, each = 4, 40
	var group sync.WaitGroup
	for client := range clients {
		group.Go(func() {
			for i := range each {
				run(int64(1000*(client+1) + i))
			}
		})
	}
	group.Wait()
	stats := n.predictor.Stats().ReadWrite
	preparedAhead := stats.PreparedAhead - before.PreparedAhead
	t.Logf("%d committed, aborted %v, %d prepared ahead of %d begun under contention", len(commits), aborted,
		preparedAhead, stats.Began-before.Began)
	if len(indeterminates) != 0 {
		t.Fatalf("%d outcomes unknown on a healthy cluster, first: %v", len(indeterminates), indeterminates[0])
	}
	if preparedAhead < clients*each/4 {
		t.Fatalf("%d of %d contended transactions prepared ahead", preparedAhead, clients*each)
	}
	if len(commits) < speculatedWarmup+clients*each*3/4 {
		t.Fatalf("only %d of %d contended transactions committed", len(commits)-speculatedWarmup, clients*each)
	}
	slices.SortFunc(commits, func(x, y committed) int { return x.at.Compare(y.at) })
	previous := int64(0)
	for i, c := range commits {
		for s, read := range c.reads {
			if read != previous {
				t.Fatalf("commit %d (wrote %d at %v) read %d on %s, want %d (the commit before it)", i, c.written, c.at,
					read, streams[s], previous)
			}
		}
		previous = c.written
	}
	snapshot := n.BeginReadOnly(ctx)
	for _, stream := range streams {
		final, _, err := kv.New(snapshot, stream).GetInt(ctx, speculatedKey)
		if err != nil {
			t.Fatal(err)
		}
		if final != previous {
			t.Fatalf("a snapshot after the run reads %d on %s, want %d (the last commit's)", final, stream, previous)
		}
	}
}

// awaitService waits until a request on subject finds the node's service:
// the client may be connected to another server of the cluster than the
// node, and servers learn each other's subscriptions asynchronously.
func awaitService(t *testing.T, nc *nats.Conn, subject string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := nc.Request(subject, []byte(`{"op":"ping"}`), time.Second)
		if !errors.Is(err, nats.ErrNoResponders) {
			return // answered (an unknown request), or a failure the test will meet
		}
		if time.Now().After(deadline) {
			t.Fatalf("no responder on %s after 10s", subject)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRemoteClientsPrepareAhead: a client with no coordinator of its
// own begins transactions of a category with their arguments over the
// node's service (remote.Client.BeginCategory); the node learns them,
// speculates and prepares them ahead, and each committed transaction
// read, on every stream, the value the one before it wrote. Arguments
// that are not a key tuple are refused, naming the category.
func TestRemoteClientsPrepareAhead(t *testing.T) {
	cluster := startCluster(t)
	n, streams := startPreparingNode(t, cluster, 1, coordinator.PredictorConfig{})
	if err := n.Serve(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	awaitService(t, nc, n.subjects.client(1))
	client := remote.New(nc, n.config.Namespace, 1)

	const transactions = 40
	written := int64(0)
	for i := range transactions {
		next := int64(i + 1)
		tx := client.BeginCategory(ctx, 5*time.Second, speculatedCategory, value.String(speculatedKey), value.Int(next))
		for _, stream := range streams {
			store := kv.New(tx, stream)
			read, _, err := store.GetInt(ctx, speculatedKey)
			if err != nil {
				t.Fatalf("transaction %d: %v", i, err)
			}
			if read != written {
				t.Fatalf("transaction %d read %d on %s, want %d", i, read, stream, written)
			}
			if err := store.PutInt(ctx, speculatedKey, next); err != nil {
				t.Fatalf("transaction %d: %v", i, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
		written = next
	}
	stats := n.predictor.Stats().ReadWrite
	t.Logf("%+v", stats)
	if stats.Began != transactions || stats.PreparedAhead < transactions/2 || stats.Mispredicted != 0 {
		t.Fatalf("began %d, prepared %d ahead, mispredicted %d; want %d, at least half, none", stats.Began,
			stats.PreparedAhead, stats.Mispredicted, transactions)
	}

	reply, err := nc.RequestWithContext(ctx, n.subjects.client(1),
		[]byte(`{"op":"begin","timeout":1000000000,"category":"c","arguments":"AQID"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reply.Data), `arguments of category \"c\"`) {
		t.Fatalf("bad arguments answered %s", reply.Data)
	}
}
