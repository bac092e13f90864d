package coordinator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/sim"
)

// BenchmarkThreeParticipantCommits measures committed read-write
// transactions that write one key on each of three KV streams, inside the
// simulator with no faults, on one goroutine: everything (log service,
// processors, engines, network, codec, coordinators) runs in the
// simulated world. It reports commits per wall second and how much faster
// than real time the virtual clock ran.
func BenchmarkThreeParticipantCommits(b *testing.B) {
	const clients = 8
	cluster := kvCluster(1, "s1", "s2", "s3")
	cluster.World.Close()
	cluster = kvCluster(1, "s1", "s2", "s3")
	defer cluster.World.Close()
	ctx := context.Background()
	committed := 0
	perClient := b.N/clients + 1
	for c := range clients {
		cluster.Spawn(fmt.Sprintf("client%d", c), func(p *sim.Process, coord *coordinator.Coordinator) {
			for i := range perClient {
				tx := coord.Begin(ctx, 5*time.Second)
				for _, stream := range []string{"s1", "s2", "s3"} {
					if err := kv.New(tx, stream).PutInt(ctx, fmt.Sprintf("c%d", c), int64(i)); err != nil {
						p.Fail("put: %v", err)
						return
					}
				}
				if err := tx.Commit(ctx); err != nil {
					p.Fail("commit: %v", err)
					return
				}
				committed++
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	result := cluster.World.Run()
	b.StopTimer()
	if result.Verdict != sim.VerdictOK {
		b.Fatalf("%s", result.Reason)
	}
	wall := b.Elapsed()
	b.ReportMetric(float64(committed)/wall.Seconds(), "commits/s")
	b.ReportMetric(float64(result.VirtualNanos)/float64(wall.Nanoseconds()), "virtual/wall")
	b.ReportMetric(float64(result.Events)/float64(committed), "events/commit")
}
