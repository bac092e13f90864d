package cluster

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/sim"
)

// A transaction keeps its first few participants inside the Txn and the
// rest outside it; transactions over more streams than that commit
// atomically just the same, with their participants in first-use order.
func TestTransactionsWiderThanTheInlineParticipants(t *testing.T) {
	streams := []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7"}
	var specs []StreamSpec
	for _, name := range streams {
		specs = append(specs, KV(name))
	}
	cluster := New(Config{Seed: 3, Streams: specs, EngineNodes: 2, Clients: 1,
		VirtualTimeMax: 10 * time.Minute})
	defer cluster.World.Close()
	ctx := context.Background()
	reversed := slices.Clone(streams)
	slices.Reverse(reversed)
	cluster.Spawn("client", func(p *sim.Process, coord *coordinator.Coordinator) {
		for round, order := range [][]string{streams, reversed, streams[:5]} {
			tx := coord.Begin(ctx, 5*time.Second)
			for _, stream := range order {
				if err := kv.New(tx, stream).PutInt(ctx, "k", int64(round)); err != nil {
					p.Fail("round %d: put %s: %v", round, stream, err)
					return
				}
			}
			if got := tx.Streams(); !slices.Equal(got, order) {
				p.Fail("round %d: participants %v, want %v", round, got, order)
			}
			if err := tx.Commit(ctx); err != nil {
				p.Fail("round %d: commit: %v", round, err)
				return
			}
		}
		read := coord.BeginReadOnly(ctx)
		for i, stream := range streams {
			want := int64(2)
			if i >= 5 {
				want = 1
			}
			if got, found, err := kv.New(read, stream).GetInt(ctx, "k"); err != nil || !found || got != want {
				p.Fail("%s/k = %d %t %v, want %d", stream, got, found, err, want)
			}
		}
	})
	if result := cluster.World.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", result.Failure, result.Reason, result.Detail)
	}
}
