package workloads_test

import (
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var swarm = sim.FaultMode{Swarm: true}

// describe names a failing run and how to reproduce it.
func describe(report workloads.Report) string {
	text := report.Workload + ": seed " + report.FingerprintHex() + ": " + string(report.Failure) + ": " + report.Reason
	for _, result := range report.Checks {
		if result.Verdict == checkers.VerdictIllegal {
			text += "\n" + result.Checker + ":\n" + result.Explanation
		}
	}
	return text
}

func TestEveryWorkloadPassesUnderSwarmFaultsAndIsDeterministic(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 4
	}
	for _, name := range workloads.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			outcomes := map[string]int{}
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				options := workloads.Options{Seed: seed, Workload: workloads.Named(name), Faults: swarm}
				report := workloads.Run(options)
				if report.Verdict != sim.VerdictOK {
					t.Fatalf("seed %d: %s", seed, describe(report))
				}
				if err := report.History.Validate(); err != nil {
					t.Fatalf("seed %d: settled history is malformed: %v", seed, err)
				}
				again := workloads.Run(options)
				if again.Fingerprint != report.Fingerprint || len(again.History.Events) != len(report.History.Events) {
					t.Fatalf("seed %d: two runs differ: %s/%d events vs %s/%d", seed,
						report.FingerprintHex(), len(report.History.Events), again.FingerprintHex(), len(again.History.Events))
				}
				outcomes["committed"] += report.Committed
				outcomes["aborted"] += report.Aborted
				outcomes["indeterminate"] += report.Indeterminate
				outcomes["settled"] += report.Settled
			}
			t.Logf("%s over %d seeds: %v", name, seeds, outcomes)
			if outcomes["committed"] == 0 {
				t.Fatalf("nothing committed: %v", outcomes)
			}
		})
	}
}

func TestEveryReportEndsWithAtomicityAndLiveness(t *testing.T) {
	report := workloads.Run(workloads.Options{Seed: 3, Faults: sim.FaultMode{Families: sim.FamilyAll}})
	if report.Workload != workloads.DefaultWorkload {
		t.Fatalf("default workload %q", report.Workload)
	}
	for _, name := range []string{"conservation", "atomicity", "liveness"} {
		result, ok := report.Check(name)
		if !ok {
			t.Fatalf("no %s check in %v", name, report.Checks)
		}
		if result.Verdict != checkers.VerdictOK {
			t.Fatalf("%s: %s: %s", name, result.Verdict, result.Explanation)
		}
	}
	if len(report.Faults) == 0 {
		t.Fatal("every fault family on, yet no fault event")
	}
}

func TestUnknownWorkloadIsAFailingReportNotAPanic(t *testing.T) {
	report := workloads.Run(workloads.Options{Seed: 1, Workload: workloads.Named("nope")})
	if report.Verdict != sim.VerdictFail || !strings.Contains(report.Reason, `"nope"`) {
		t.Fatalf("verdict %s reason %q", report.Verdict, report.Reason)
	}
}
