package workloads_test

import (
	"flag"
	"testing"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// speculationSeeds is the number of swarm seeds per workload that
// TestEveryWorkloadPassesWithSpeculation runs; the campaign in
// BENCHMARKS.md ran it with -speculation-seeds=1000.
var speculationSeeds = flag.Int("speculation-seeds", 6, "swarm seeds per workload with speculation drawn per seed")

// TestEveryWorkloadPassesWithSpeculation runs every workload under swarm
// faults with speculation drawn per seed (on or off, and its thresholds,
// from strict to so lax that most predictions fail): every check passes,
// and the seeds with speculation on speculate.
func TestEveryWorkloadPassesWithSpeculation(t *testing.T) {
	for _, name := range workloads.Names() {
		t.Run(name, func(t *testing.T) {
			speculated, mispredicted, began, preparedAhead := 0, 0, 0, 0
			for seed := uint64(1); seed <= uint64(*speculationSeeds); seed++ {
				report := workloads.Run(workloads.Options{Seed: seed, Workload: workloads.Named(name), Faults: swarm,
					Speculation: cluster.SpeculationSwarm})
				if report.Verdict != sim.VerdictOK {
					t.Fatalf("seed %d: %s", seed, describe(report))
				}
				preparedAhead += report.Speculation.ReadWrite.PreparedAhead
				for _, stats := range []struct{ Began, Speculated, Mispredicted int }{
					{report.Speculation.ReadWrite.Began, report.Speculation.ReadWrite.Speculated, report.Speculation.ReadWrite.Mispredicted},
					{report.Speculation.ReadOnly.Began, report.Speculation.ReadOnly.Speculated, report.Speculation.ReadOnly.Mispredicted},
				} {
					began += stats.Began
					speculated += stats.Speculated
					mispredicted += stats.Mispredicted
				}
			}
			t.Logf("%s over %d seeds: %d transactions with a category, %d speculated (%d prepared ahead), %d mispredicted",
				name, *speculationSeeds, began, speculated, preparedAhead, mispredicted)
			if speculated == 0 {
				t.Fatalf("no transaction speculated over %d seeds", *speculationSeeds)
			}
		})
	}
}
