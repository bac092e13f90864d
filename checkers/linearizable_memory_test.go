package checkers

import (
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/value"
)

// TestQueueSearchStaysWithinItsMemoryBudget: a queue history whose
// backlog is deep gets fewer steps than the step budget, so that the
// search's remembered states fit the memory budget; a search cut short
// says unknown (never illegal) and names the key and its steps, and the
// same history with room enough is ok.
func TestQueueSearchStaysWithinItsMemoryBudget(t *testing.T) {
	var history History
	const depth = 40
	for element := range depth {
		operationEvents(&history, element%4, FunctionEnqueue, "q", value.Int(int64(element)), value.Null(), TypeOK)
	}
	for element := range depth {
		operationEvents(&history, element%4, FunctionDequeue, "q", value.Null(), value.Int(int64(element)), TypeOK)
	}
	partitions, err := partitionByKey(history, LinearizableConfig{Model: ModelQueue})
	if err != nil {
		t.Fatal(err)
	}
	config := LinearizableConfig{Model: ModelQueue, StepBudget: StepBudgetDefault, MemoryBudget: 100_000}
	entryBytes := 96 + (2*depth+7)/8 + depth*32
	if got, want := stepsWithin(partitions["q"], config), 100_000/entryBytes; got != want {
		t.Fatalf("steps within 100000 bytes: %d, want %d (an entry of %d bytes)", got, want, entryBytes)
	}
	config.MemoryBudget = 1_000 // less than one entry: one step
	result, err := CheckLinearizable(history, config)
	if err != nil || result.Verdict != VerdictUnknown || !strings.Contains(result.Explanation, `"q" (1 steps)`) {
		t.Fatalf("with a tiny memory budget: %+v %v, want unknown naming q and its 1 step", result, err)
	}
	result, err = CheckLinearizable(history, LinearizableConfig{Model: ModelQueue})
	if err != nil || result.Verdict != VerdictOK {
		t.Fatalf("with the default budgets: %+v %v, want ok", result, err)
	}
}
