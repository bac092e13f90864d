package proven

import (
	"testing"
	"time"

	"github.com/proven2pc/proven/sim"
)

// Fuzz lets go test -fuzz explore a scenario's seeds and fault plans:
//
//	func FuzzMyKV(f *testing.F) { proven.Fuzz(f, proven.Scenario{Workload: mykv.Workload{}}) }
//
// Each fuzz input (a seed and a byte string) is one run: the seed names
// the run and the bytes its fault plan (FaultPlanFromBytes), in place of
// the scenario's fault mode. A failing input writes its seed file (a
// fixed fault mode with the plan recorded) and fails as Check does, so
// it replays with -proven.replay; the fuzzer keeps the input in
// testdata/fuzz. Plain go test runs the seed corpus: a few seeds with no
// faults, every family, and every family at full strength.
func Fuzz(f *testing.F, scenario Scenario) {
	f.Helper()
	resolved, err := resolveAndRegister(scenario)
	if err != nil {
		f.Fatalf("%v", err)
		return
	}
	for seed := uint64(1); seed <= 3; seed++ {
		f.Add(seed, []byte{})
		f.Add(seed, []byte{byte(sim.FamilyAll)})
		f.Add(seed, []byte{byte(sim.FamilyAll), 255, 255, 255, 255, 255, 255, 255, 255})
	}
	f.Fuzz(func(t *testing.T, seed uint64, faults []byte) {
		plan := FaultPlanFromBytes(faults, resolved.FaultPhase)
		fuzzed := resolved
		fuzzed.Faults = plan.Families.String()
		if report := run(fuzzed, seed, &plan); report.Verdict != sim.VerdictOK {
			reportFailure(t, report, testName(t))
		}
	})
}

// FaultPlanFromBytes maps a fuzz input to a fault plan: the first byte's
// bits turn the fault families on (bit i is family i of sim.FamilyNames),
// and the next eight bytes give each family's intensity, byte/255 (0.5
// when missing); a tenth byte's bits turn code fault sites on (bit i is
// site i of sim.SiteNames), and an eleventh spreads the logs over byte%3+1
// log nodes, with a twelfth as clock skew, byte/255 (0.5 when missing).
// No bytes: no faults.
func FaultPlanFromBytes(faults []byte, faultPhase time.Duration) sim.FaultPlan {
	plan := sim.FaultPlan{FaultPhase: faultPhase}
	if len(faults) == 0 {
		return plan
	}
	plan.Families = sim.Family(faults[0]) & sim.FamilyAll
	for i := range sim.FamilyNames() {
		if !plan.Families.Has(sim.Family(1 << i)) {
			continue
		}
		plan.Intensity[i] = 0.5
		if 1+i < len(faults) {
			plan.Intensity[i] = float64(faults[1+i]) / 255
		}
	}
	if len(faults) > 9 {
		plan.Sites = sim.Sites(faults[9]) & sim.SitesAll
	}
	if len(faults) > 10 && faults[10]%3 > 0 {
		plan.Topology = sim.Topology{LogNodes: int(faults[10]%3) + 1, ClockSkew: 0.5}
		if len(faults) > 11 {
			plan.Topology.ClockSkew = float64(faults[11]) / 255
		}
	}
	return plan
}
