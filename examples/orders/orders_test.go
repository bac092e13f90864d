package orders_test

import (
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/examples/orders"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"go.uber.org/goleak"
)

// Register the workload, so that this test binary reads its seed files.
func init() { workloads.Register(orders.Workload{}) }

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestOrders is the test to copy: 30 seeds of the shop under swarm
// faults, each a subtest. Besides the books, the harness checks
// atomicity from the stream logs and liveness after healing.
func TestOrders(t *testing.T) {
	proven.Check(t, proven.Scenario{Workload: orders.Workload{}, Faults: "swarm"}, proven.Seeds(1, 30))
}

// FuzzOrders lets go test -fuzz=FuzzOrders choose seeds and fault plans.
func FuzzOrders(f *testing.F) {
	proven.Fuzz(f, proven.Scenario{Workload: orders.Workload{}, Operations: 20})
}

// TestPayingSeparatelyIsCaughtAndReplays plants the bug, finds a failing
// seed, writes its seed file and replays it.
func TestPayingSeparatelyIsCaughtAndReplays(t *testing.T) {
	scenario := proven.Scenario{Workload: orders.Workload{Bug: orders.BugPaySeparately}, Faults: "swarm"}
	for seed := uint64(1); seed <= 30; seed++ {
		report := proven.Run(scenario, seed)
		if report.Verdict == sim.VerdictOK {
			continue
		}
		path := filepath.Join(t.TempDir(), seedfile.Name(report.Workload, seed))
		if err := seedfile.Save(path, report.SeedFile("")); err != nil {
			t.Fatal(err)
		}
		replayed := proven.Replay(t, path)
		if outcome := replayed.Outcome(); outcome.Checker != "books" || outcome.Anomaly != "payment-without-order" {
			t.Fatalf("seed %d failed as %s, want the books check's payment-without-order", seed, outcome)
		}
		t.Logf("caught at seed %d: %s", seed, report.Reason)
		return
	}
	t.Fatal("paying separately was not caught in 30 seeds")
}
