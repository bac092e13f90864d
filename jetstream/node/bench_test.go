package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/jetstream/jslog"
	"github.com/proven2pc/proven/jetstream/natscluster"
)

// BenchmarkLayer measures, on one three-server cluster on loopback, in
// one process: the physical limit of this layer, raw JetStream
// synchronous publishes (one, and three to three streams in parallel), at
// R1 and R3; and read-write transactions through a node (a read and a
// write on one stream, committed in one phase, or on each of three
// streams, committed in two), at R1 and R3; and the three-stream one
// speculated (speculatedReadWrite), and speculated and prepared ahead. Each reports its p50 and p99
// latency; ops/s is one client's rate (ns/op inverted).
func BenchmarkLayer(b *testing.B) {
	cluster, err := natscluster.Start(natscluster.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	for _, replicas := range []int{1, 3} {
		raw := rawStreams(b, js, replicas)
		b.Run(fmt.Sprintf("raw-publish-1/R%d", replicas), func(b *testing.B) {
			measure(b, func() error { _, err := js.Publish(context.Background(), raw[0], []byte("x")); return err })
		})
		b.Run(fmt.Sprintf("raw-publish-3-parallel/R%d", replicas), func(b *testing.B) {
			measure(b, func() error { return publishParallel(js, raw) })
		})
		n := benchNode(b, cluster, replicas, plain)
		for _, streams := range [][]string{{"a"}, {"a", "b", "c"}} {
			b.Run(fmt.Sprintf("txn-%d-stream/R%d", len(streams), replicas), func(b *testing.B) {
				measure(b, func() error { return readWrite(n, streams) })
			})
		}
		n.Close()
		speculating := benchNode(b, cluster, replicas, speculated)
		b.Run(fmt.Sprintf("txn-3-stream-speculated/R%d", replicas), func(b *testing.B) {
			benchSpeculated(b, speculating, []string{"a", "b", "c"})
		})
		speculating.Close()
		preparing := benchNode(b, cluster, replicas, preparedAhead)
		b.Run(fmt.Sprintf("txn-3-stream-prepared-ahead/R%d", replicas), func(b *testing.B) {
			benchSpeculated(b, preparing, []string{"a", "b", "c"})
		})
		preparing.Close()
	}
}

// benchMode is how a benchmark node runs transactions begun with a
// category.
type benchMode uint8

const (
	plain         benchMode = iota // no speculation
	speculated                     // Config.Speculation
	preparedAhead                  // Config.Speculation and Config.PrepareAhead
)

// rawStreams creates three JetStream streams of replicas replicas and
// returns their subjects.
func rawStreams(b *testing.B, js jetstream.JetStream, replicas int) []string {
	var subjects []string
	for _, name := range []string{"x", "y", "z"} {
		subject := fmt.Sprintf("raw%d.%s", replicas, name)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := jslog.Retry(ctx, func(ctx context.Context) error {
			_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: fmt.Sprintf("raw%d_%s", replicas, name),
				Subjects: []string{subject}, Replicas: replicas, Storage: jetstream.FileStorage})
			return err
		})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, subject)
	}
	return subjects
}

func publishParallel(js jetstream.JetStream, subjects []string) error {
	errs := make([]error, len(subjects))
	var group sync.WaitGroup
	for i, subject := range subjects {
		group.Go(func() { _, errs[i] = js.Publish(context.Background(), subject, []byte("x")) })
	}
	group.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// benchNode starts a node hosting streams a, b and c, with speculation
// or without (each in a namespace of its own), and waits until it hosts
// them all.
func benchNode(b *testing.B, cluster *natscluster.Cluster, replicas int, mode benchMode) *Node {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	streams := []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b"), catalog.KV("c")}
	namespace := fmt.Sprintf("%s%d", [...]string{plain: "bench", speculated: "speculated", preparedAhead: "ahead"}[mode],
		replicas)
	n, err := Start(ctx, Config{URL: cluster.URLs(), Namespace: namespace, Streams: streams, ID: 1,
		Nodes: []uint32{1}, Replicas: replicas, Speculation: mode != plain, PrepareAhead: mode == preparedAhead,
		Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(n.Hosting()) < len(streams) {
		if time.Now().After(deadline) {
			b.Fatalf("node hosts %v, not every stream", n.Hosting())
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing
	}
	return n
}

// readWrite reads and increments a counter on each stream in one
// transaction.
func readWrite(n *Node, streams []string) error {
	ctx := context.Background()
	tx := n.Begin(ctx, 5*time.Second)
	for _, stream := range streams {
		store := kv.New(tx, stream)
		count, _, err := store.GetInt(ctx, "count")
		if err != nil {
			return err
		}
		if err := store.PutInt(ctx, "count", count+1); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// measure runs operation b.N times, failing on an error, and reports the
// p50 and p99 latencies.
func measure(b *testing.B, operation func() error) {
	latencies := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := operation(); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	quantile := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds())
	}
	b.ReportMetric(quantile(0.5), "p50-µs")
	b.ReportMetric(quantile(0.99), "p99-µs")
	b.ReportMetric(float64(len(latencies))/b.Elapsed().Seconds(), "ops/s")
}
