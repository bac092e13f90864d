package checkers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/proven2pc/proven/engines/value"
)

// StepBudgetDefault is the number of model steps a linearizability check may
// take per key when LinearizableConfig.StepBudget is zero.
const StepBudgetDefault = 10_000_000

// LinearizableConfig configures CheckLinearizable.
type LinearizableConfig struct {
	Model Model
	// Initial is each key's initial value: Null for registers (set
	// String("") for append histories), the opening balance (an Int) for
	// accounts; ignored for queues.
	Initial value.Value
	// StepBudget bounds the model steps per key; a key that exhausts it gets
	// the verdict unknown. Zero means StepBudgetDefault.
	StepBudget int
	// FailedCASMeansMismatch checks a cas that completed with fail as one
	// that ran and found a different value, as Jepsen's etcd client records
	// it; otherwise a failed cas, like every failed operation, took no
	// effect and is left out.
	FailedCASMeansMismatch bool
	// NullReadsUnknown checks a read that returned Null as one whose result
	// is unknown, as Knossos reads nil; otherwise Null is the value read
	// (an absent key).
	NullReadsUnknown bool
	// Skip lists functions left out of the check (multi-key transactions
	// that another check judges, on keys of their own).
	Skip []string
}

// stepBudget counts model steps. Porcupine runs the model on its own
// goroutine, so the budget cannot unwind the search by panicking: once spent,
// every step fails, the search backtracks to the end quickly, and the
// verdict is overridden to unknown. The count is deterministic because one
// key is checked at a time.
type stepBudget struct {
	remaining int
	exhausted bool
}

func (b *stepBudget) take() bool {
	if b.remaining <= 0 {
		b.exhausted = true
		return false
	}
	b.remaining--
	return true
}

// CheckLinearizable checks each key's operations (Event.Key: a register, a
// queue, an account) against the sequential model, with porcupine. Failed
// operations took no effect and are left out; an info or unfinished
// operation stays open to the end of the history. Keys are checked one at a
// time in sorted order, stopping at the first illegal one (whose explanation
// names the operations in flight when no linearization remained); the
// verdict is illegal if a key is, else unknown if any key ran out of budget,
// else ok. A malformed history is an error.
func CheckLinearizable(history History, config LinearizableConfig) (Result, error) {
	if config.Model != ModelRegister && config.Model != ModelQueue && config.Model != ModelAccount {
		return Result{}, fmt.Errorf("checkers: unknown model %q", config.Model)
	}
	if config.StepBudget == 0 {
		config.StepBudget = StepBudgetDefault
	}
	if err := history.Validate(); err != nil {
		return Result{}, err
	}
	partitions, err := partitionByKey(history, config)
	if err != nil {
		return Result{}, err
	}
	var found findings
	var unknownKeys []string
	for _, key := range sortedKeys(partitions) {
		verdict, line, involved := checkPartition(partitions[key], config)
		switch verdict {
		case VerdictIllegal:
			found.add("nonlinearizable", fmt.Sprintf("key %q: %s", key, line), involved...)
			return found.result("linearizable"), nil
		case VerdictUnknown:
			unknownKeys = append(unknownKeys, fmt.Sprintf("%q", key))
		}
	}
	result := found.result("linearizable")
	if result.Verdict == VerdictOK && len(unknownKeys) > 0 {
		result.Verdict = VerdictUnknown
		result.Explanation = fmt.Sprintf("step budget of %d exhausted on keys %s", config.StepBudget, strings.Join(unknownKeys, ", "))
	}
	return result, nil
}

// keyedOperation is an operation ready for porcupine, with its place in the
// history. Times are history positions, so ordering is exact and tie-free;
// an open operation returns after the last event.
type keyedOperation struct {
	operation        Operation
	input            modelInput
	output           modelOutput
	callPosition     int64
	completePosition int64
}

func partitionByKey(history History, config LinearizableConfig) (map[string][]keyedOperation, error) {
	partitions := map[string][]keyedOperation{}
	openReturn := int64(len(history.Events))
	for _, operation := range history.Operations() {
		output := modelOutput{known: operation.Type == TypeOK, value: operation.Output}
		switch {
		case slices.Contains(config.Skip, operation.Function):
			continue
		case operation.Type == TypeFail && operation.Function == FunctionCAS && config.FailedCASMeansMismatch:
			output = modelOutput{known: true}
		case operation.Type == TypeFail:
			continue
		case operation.Function == FunctionRead && (operation.Type == TypeInfo || config.NullReadsUnknown && operation.Output.IsNull()):
			continue // an unknown read constrains nothing
		}
		input, err := modelInputOf(config.Model, operation)
		if err != nil {
			return nil, err
		}
		if operation.Type == TypeOK && operation.Function == FunctionCAS {
			swapped, isBool := operation.Output.AsBool()
			output.swapped = !isBool || swapped
		}
		keyed := keyedOperation{operation: operation, input: input, output: output,
			callPosition: int64(operation.InvokeIndex), completePosition: int64(operation.CompletionIndex)}
		if !output.known || operation.CompletionIndex < 0 {
			keyed.completePosition = openReturn
			openReturn++
		}
		partitions[operation.Key] = append(partitions[operation.Key], keyed)
	}
	return partitions, nil
}

// checkPartition checks one key. When it is not linearizable, it finds the
// first history position at which no linearization remains (a prefix of a
// linearizable history is linearizable, so a binary search over cut
// positions works) and names the operation completing there and the
// operations open beside it.
func checkPartition(operations []keyedOperation, config LinearizableConfig) (Verdict, string, []int) {
	budget := &stepBudget{remaining: config.StepBudget}
	verdict := runPorcupine(operations, int64(1)<<62, config, budget)
	if verdict != VerdictIllegal {
		return verdict, "", nil
	}
	low, high := int64(0), int64(0)
	for _, keyed := range operations {
		high = max(high, keyed.completePosition)
	}
	// Invariant: the cut at low is linearizable, the cut at high is not.
	for high-low > 1 {
		middle := low + (high-low)/2
		switch runPorcupine(operations, middle, config, budget) {
		case VerdictIllegal:
			high = middle
		case VerdictOK:
			low = middle
		default:
			return VerdictIllegal, fmt.Sprintf("not linearizable (%d operations; budget ran out narrowing it down)", len(operations)), invokeIndexes(operations)
		}
	}
	line, involved := describeCut(operations, high)
	return VerdictIllegal, line, involved
}

// runPorcupine checks the operations as seen at the cut position: those
// invoked at or after it are dropped, those completing after it are open.
func runPorcupine(operations []keyedOperation, cut int64, config LinearizableConfig, budget *stepBudget) Verdict {
	var porcupineOperations []porcupine.Operation
	for _, keyed := range operations {
		if keyed.callPosition >= cut {
			continue
		}
		output, complete := keyed.output, keyed.completePosition
		if complete >= cut {
			output, complete = modelOutput{}, cut+complete
		}
		porcupineOperations = append(porcupineOperations, porcupine.Operation{
			ClientId: keyed.operation.Process, Input: keyed.input, Output: output,
			Call: keyed.callPosition, Return: complete,
		})
	}
	budget.exhausted = false
	model := porcupineModel(config.Model, config.Initial, budget)
	result := porcupine.CheckOperations(model, porcupineOperations)
	if budget.exhausted {
		return VerdictUnknown
	}
	if result {
		return VerdictOK
	}
	return VerdictIllegal
}

func describeCut(operations []keyedOperation, cut int64) (string, []int) {
	var lines []string
	var involved []int
	for _, keyed := range operations {
		if keyed.callPosition >= cut || keyed.completePosition < cut-1 {
			continue
		}
		lines = append(lines, keyed.operation.Describe()+" "+describeModelOperation(keyed.input, keyed.output))
		involved = append(involved, keyed.operation.InvokeIndex)
	}
	return fmt.Sprintf("no linearization once event %d has happened; operations then in flight: %s",
		cut-1, strings.Join(lines, "; ")), involved
}

func invokeIndexes(operations []keyedOperation) []int {
	indexes := make([]int, len(operations))
	for i, keyed := range operations {
		indexes[i] = keyed.operation.InvokeIndex
	}
	return indexes
}
