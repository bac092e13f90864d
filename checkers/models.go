package checkers

import (
	"fmt"
	hash64 "hash/fnv"
	"slices"

	"github.com/anishathalye/porcupine"
	"github.com/proven2pc/proven/engines/value"
)

// Model names the sequential object a linearizability check compares each
// key's operations against.
type Model string

// The models.
const (
	// ModelRegister: read (output the value, Null when absent), write
	// (input the value), cas (input [from to]; output Bool(false) when the
	// comparison failed, anything else when it swapped), append (input a
	// string, concatenated to the String value).
	ModelRegister Model = "register"
	// ModelQueue: enqueue (input the element), dequeue (output the head, Null
	// when the queue was empty).
	ModelQueue Model = "queue"
	// ModelAccount: deposit and withdraw (input an Int amount; an ok
	// withdraw requires the balance to cover it), read (output the Int
	// balance).
	ModelAccount Model = "account"
)

// The function names the checkers understand.
const (
	FunctionRead     = "read"
	FunctionWrite    = "write"
	FunctionCAS      = "cas"
	FunctionAppend   = "append"
	FunctionEnqueue  = "enqueue"
	FunctionDequeue  = "dequeue"
	FunctionDeposit  = "deposit"
	FunctionWithdraw = "withdraw"
	FunctionTxn      = "txn"
)

// modelInput is what porcupine hands to Step as the input.
type modelInput struct {
	function string
	argument value.Value
	// target is the new value of a cas.
	target value.Value
	amount int64
}

// modelOutput is what porcupine hands to Step as the output.
type modelOutput struct {
	// known is false when the outcome is unknown (info): any output fits.
	known bool
	value value.Value
	// swapped reports a cas whose comparison succeeded.
	swapped bool
}

// modelInputOf converts an operation's input, or says it is malformed.
func modelInputOf(model Model, operation Operation) (modelInput, error) {
	input := modelInput{function: operation.Function, argument: operation.Input}
	allowed := map[Model][]string{
		ModelRegister: {FunctionRead, FunctionWrite, FunctionCAS, FunctionAppend},
		ModelQueue:    {FunctionEnqueue, FunctionDequeue},
		ModelAccount:  {FunctionRead, FunctionDeposit, FunctionWithdraw},
	}[model]
	if !slices.Contains(allowed, operation.Function) {
		return input, malformed(operation.InvokeIndex, "function %q is not one of the %s model's %v", operation.Function, model, allowed)
	}
	switch operation.Function {
	case FunctionCAS:
		if operation.Input.Kind() != value.KindList || operation.Input.Len() != 2 {
			return input, malformed(operation.InvokeIndex, "cas input %v is not [from to]", operation.Input)
		}
		input.argument, input.target = operation.Input.Index(0), operation.Input.Index(1)
	case FunctionAppend:
		if operation.Input.Kind() != value.KindString {
			return input, malformed(operation.InvokeIndex, "append input %v is not a string", operation.Input)
		}
	case FunctionDeposit, FunctionWithdraw:
		amount, ok := operation.Input.AsInt()
		if !ok {
			return input, malformed(operation.InvokeIndex, "%s input %v is not an int", operation.Function, operation.Input)
		}
		input.amount = amount
	}
	return input, nil
}

// porcupineModel builds the porcupine model; every Step call goes through
// budget first.
func porcupineModel(model Model, initial value.Value, budget *stepBudget) porcupine.Model {
	step := map[Model]func(state any, input modelInput, output modelOutput) (bool, any){
		ModelRegister: registerStep, ModelQueue: queueStep, ModelAccount: accountStep,
	}[model]
	equal := map[Model]func(a, b any) bool{
		ModelRegister: func(a, b any) bool { return a.(value.Value).Equal(b.(value.Value)) },
		ModelQueue: func(a, b any) bool {
			return slices.EqualFunc(a.([]value.Value), b.([]value.Value), value.Value.Equal)
		},
		ModelAccount: func(a, b any) bool { return a.(int64) == b.(int64) },
	}[model]
	return porcupine.Model{
		Init: func() any { return initialState(model, initial) },
		Step: func(state, input, output any) (bool, any) {
			if !budget.take() {
				return false, state
			}
			return step(state, input.(modelInput), output.(modelOutput))
		},
		Equal: equal,
		Hash:  func(state any) uint64 { return hashState(model, state) },
		DescribeOperation: func(input, output any) string {
			return describeModelOperation(input.(modelInput), output.(modelOutput))
		},
	}
}

func initialState(model Model, initial value.Value) any {
	switch model {
	case ModelQueue:
		return []value.Value(nil)
	case ModelAccount:
		balance, _ := initial.AsInt()
		return balance
	default:
		return initial
	}
}

func registerStep(state any, input modelInput, output modelOutput) (bool, any) {
	current := state.(value.Value)
	switch input.function {
	case FunctionRead:
		return !output.known || output.value.Equal(current), current
	case FunctionWrite:
		return true, input.argument
	case FunctionAppend:
		text, _ := current.AsString()
		suffix, _ := input.argument.AsString()
		return true, value.String(text + suffix)
	default: // FunctionCAS
		matches := current.Equal(input.argument)
		next := current
		if matches {
			next = input.target
		}
		if !output.known {
			return true, next
		}
		return matches == output.swapped, next
	}
}

func queueStep(state any, input modelInput, output modelOutput) (bool, any) {
	elements := state.([]value.Value)
	if input.function == FunctionEnqueue {
		next := make([]value.Value, len(elements), len(elements)+1)
		copy(next, elements)
		return true, append(next, input.argument)
	}
	if !output.known {
		if len(elements) == 0 {
			return true, elements
		}
		return true, elements[1:]
	}
	if len(elements) == 0 {
		return output.value.IsNull(), elements
	}
	return output.value.Equal(elements[0]), elements[1:]
}

func accountStep(state any, input modelInput, output modelOutput) (bool, any) {
	balance := state.(int64)
	switch input.function {
	case FunctionDeposit:
		return true, balance + input.amount
	case FunctionWithdraw:
		if balance < input.amount {
			return !output.known, balance
		}
		return true, balance - input.amount
	default: // FunctionRead
		read, ok := output.value.AsInt()
		return !output.known || (ok && read == balance), balance
	}
}

func describeModelOperation(input modelInput, output modelOutput) string {
	result := "?"
	if output.known {
		result = output.value.String()
		if input.function == FunctionCAS {
			result = fmt.Sprint(output.swapped)
		}
	}
	switch input.function {
	case FunctionCAS:
		return fmt.Sprintf("cas(%v, %v) -> %s", input.argument, input.target, result)
	case FunctionRead, FunctionDequeue:
		return fmt.Sprintf("%s() -> %s", input.function, result)
	default:
		return fmt.Sprintf("%s(%v)", input.function, input.argument)
	}
}

// hashState spreads states over porcupine's cache buckets; Equal decides,
// so the hash affects speed, never a verdict or a step count.
func hashState(model Model, state any) uint64 {
	switch model {
	case ModelAccount:
		return uint64(state.(int64))
	case ModelQueue:
		hash := uint64(len(state.([]value.Value)))
		for _, element := range state.([]value.Value) {
			hash = hash*1099511628211 ^ hashValue(element)
		}
		return hash
	default:
		return hashValue(state.(value.Value))
	}
}

func hashValue(value value.Value) uint64 {
	if number, ok := value.AsInt(); ok {
		return uint64(number)
	}
	text, ok := value.AsString()
	if !ok {
		text = value.String()
	}
	hash := hash64.New64a()
	hash.Write([]byte(text))
	return hash.Sum64()
}
