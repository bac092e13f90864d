package replicated

import (
	"fmt"
	"maps"
	"slices"

	"github.com/anishathalye/porcupine"
	"github.com/proven2pc/proven/checkers"
)

// registerInput is one operation on a key as the model sees it: a write
// of a value, or a read.
type registerInput struct {
	write bool
	value int64
}

// RegisterModel is the specification the history is checked against: a
// register per key (the check partitions by key), initially 0; a write
// sets it, a read returns it.
var RegisterModel = porcupine.Model{
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		operation := input.(registerInput)
		if operation.write {
			return true, operation.value
		}
		return output.(int64) == state.(int64), state
	},
	DescribeOperation: func(input, output any) string {
		operation := input.(registerInput)
		if operation.write {
			return fmt.Sprintf("write(%d)", operation.value)
		}
		return fmt.Sprintf("read() -> %d", output)
	},
}

// CheckLinearizable checks the history against RegisterModel, key by key
// in sorted order, with porcupine. Call and return times are history
// positions, so real-time order is exact. A failed operation took no
// effect and is left out; a read that did not finish constrains nothing;
// a write that did not finish stays open to the end of the history (it
// may have taken effect at any time after its call).
//
// A write that did not finish and whose value no read returned is left
// out too: it can always take effect last, after every other operation,
// so it changes no verdict, but each one open to the end multiplies the
// orders porcupine must try. (Values written are unique, so a read names
// the write it saw.)
func CheckLinearizable(history checkers.History) (checkers.Result, error) {
	if err := history.Validate(); err != nil {
		return checkers.Result{}, err
	}
	operations := history.Operations()
	seen := map[string]bool{}
	for _, operation := range operations {
		if operation.Function == checkers.FunctionRead && operation.Type == checkers.TypeOK {
			seen[operation.Key+"="+operation.Output.String()] = true
		}
	}
	byKey := map[string][]porcupine.Operation{}
	open := int64(len(history.Events))
	for _, operation := range operations {
		write := operation.Function == checkers.FunctionWrite
		unseen := write && operation.Type == checkers.TypeInfo && !seen[operation.Key+"="+operation.Input.String()]
		if operation.Type == checkers.TypeFail || (!write && operation.Type != checkers.TypeOK) || unseen {
			continue
		}
		input := registerInput{write: write}
		input.value, _ = operation.Input.AsInt()
		output, _ := operation.Output.AsInt()
		returned := int64(operation.CompletionIndex)
		if operation.Type != checkers.TypeOK {
			returned, open = open, open+1
		}
		byKey[operation.Key] = append(byKey[operation.Key], porcupine.Operation{ClientId: operation.Process,
			Input: input, Call: int64(operation.InvokeIndex), Output: output, Return: returned})
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		if !porcupine.CheckOperations(RegisterModel, byKey[key]) {
			return checkers.Result{Verdict: checkers.VerdictIllegal, Anomalies: []string{"nonlinearizable"},
				Explanation: fmt.Sprintf("key %s: its %d reads and writes have no linearization", key, len(byKey[key]))}, nil
		}
	}
	return checkers.Result{Verdict: checkers.VerdictOK}, nil
}
