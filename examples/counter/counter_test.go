package counter

import (
	"testing"

	"github.com/proven2pc/proven/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunTwiceDeterminism runs 200 seeds with every fault family on, each
// twice: every run passes its invariants, the two runs of a seed have the
// same fingerprint, and no two seeds share one.
func TestRunTwiceDeterminism(t *testing.T) {
	seen := map[uint64]uint64{}
	recoveries := 0
	for seed := uint64(1); seed <= 200; seed++ {
		options := Options{Seed: seed, Faults: sim.FaultMode{Families: sim.FamilyAll}}
		first, second := Run(options), Run(options)
		if first.Verdict != sim.VerdictOK {
			t.Fatalf("seed %d: %s: %s", seed, first.Failure, first.Reason)
		}
		if first.Fingerprint != second.Fingerprint || first.Events != second.Events {
			t.Fatalf("seed %d: fingerprints %s and %s differ", seed, first.FingerprintHex(), second.FingerprintHex())
		}
		if other, dup := seen[first.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %s", other, seed, first.FingerprintHex())
		}
		seen[first.Fingerprint] = seed
		recoveries += first.Recoveries
	}
	if recoveries == 0 {
		t.Fatal("200 seeds with disk faults and no log ever needed repair: the disk faults are not reaching the server")
	}
}

// TestPlantedBugsAreCaught shows that the scenario's invariants catch each
// planted server bug within 100 seeds under the fault families it needs.
func TestPlantedBugsAreCaught(t *testing.T) {
	cases := []struct {
		bug    Bug
		name   string
		faults sim.Family
	}{
		{BugAckBeforeSync, "ack-before-sync", sim.FamilyCrash},
		{BugNoDeduplication, "no-deduplication", sim.FamilyLoss},
		{BugStampFromWallClock, "stamp-from-wall-clock", sim.FamilyClock},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 100; seed++ {
				report := Run(Options{Seed: seed, Faults: sim.FaultMode{Families: c.faults}, Bug: c.bug})
				if report.Verdict == sim.VerdictFail {
					t.Logf("caught at seed %d: %s", seed, report.Reason)
					return
				}
			}
			t.Fatalf("bug %s not caught in 100 seeds", c.name)
		})
	}
}

func TestFaultFreeRunAcknowledgesEverything(t *testing.T) {
	report := Run(Options{Seed: 42})
	if report.Verdict != sim.VerdictOK {
		t.Fatalf("%s", report.Reason)
	}
	if report.Acknowledged != 60 || report.Final != 60 {
		t.Fatalf("acknowledged=%d final=%d, want 60 and 60", report.Acknowledged, report.Final)
	}
}
