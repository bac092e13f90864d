package workloads_test

import (
	"testing"

	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// TestStreamWorkloadOverAThousandSwarmSeeds runs the stream workload over
// seeds 1..1000 in swarm mode (issue 19's acceptance: gap-free positions
// in commit order, every committed append once, no aborted one, reads
// prefixes of the final log, atomicity and liveness, on every seed). The
// seeds run in four shards in parallel: each run is a world of its own.
// -short runs 100.
func TestStreamWorkloadOverAThousandSwarmSeeds(t *testing.T) {
	seeds := uint64(1000)
	if testing.Short() {
		seeds = 100
	}
	const shards = 4
	for shard := range uint64(shards) {
		t.Run("shard", func(t *testing.T) {
			t.Parallel()
			committed := 0
			for seed := 1 + shard; seed <= seeds; seed += shards {
				report := workloads.Run(workloads.Options{Seed: seed, Workload: workloads.Named("stream"), Faults: swarm})
				if report.Verdict != sim.VerdictOK {
					t.Fatalf("seed %d: %s", seed, describe(report))
				}
				committed += report.Committed
			}
			if committed == 0 {
				t.Fatalf("shard %d: nothing committed", shard)
			}
		})
	}
}
