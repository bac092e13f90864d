package sim

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestHealedNetworkStaysCalm: once the fault phase heals, the network
// keeps its calm configuration until the run ends, whatever fault windows
// (loss, duplication, reordering) were open at the heal and end later.
// Found by FuzzOrders (examples/orders, input e75d0cdb3d8ded17): a
// duplication window ending after the heal re-applied a loss window still
// open at the heal, so the calm phase lost messages and a transaction
// waited for its deadline (the progress check's lost-progress).
func TestHealedNetworkStaysCalm(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		defer w.Close()
		w.AddNode(NodeOptions{Factory: echoFactory})
		w.AddNode(NodeOptions{})
		calm := w.Network().Config()
		intensity := rapid.Float64Range(0, 1).Draw(t, "intensity")
		plan := FaultPlan{Families: FamilyLoss | FamilyDuplicate | FamilyReorder,
			FaultPhase: time.Duration(rapid.IntRange(1, 3000).Draw(t, "phase milliseconds")) * time.Millisecond}
		for _, family := range []Family{FamilyLoss, FamilyDuplicate, FamilyReorder} {
			plan.Intensity[familyIndex(family)] = intensity
		}
		w.StartFaults(plan)
		healed := false
		var check func()
		check = func() {
			if w.Healed() {
				healed = true
				if got := w.Network().Config(); got != calm {
					t.Fatalf("at %v, after the heal, the network is %+v, want the calm %+v", time.Duration(w.Now()), got, calm)
				}
			}
			w.After(10*time.Millisecond, check)
		}
		w.After(0, check)
		w.RunFor(plan.FaultPhase + 5*time.Second)
		if !healed {
			t.Fatalf("the fault phase of %v never healed", plan.FaultPhase)
		}
	})
}
