package workloads

import (
	"context"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
)

// Micro-operation names inside a list-append transaction's value, as
// Elle's list-append model spells them.
const (
	microAppend = "append"
	microRead   = "r"
)

// listAppendKeysPer is the number of list keys per stream.
const listAppendKeysPer = 3

// listAppendWorkload: transactions of one to four micro-operations, each
// an append of a unique integer to a key's list or a read of the list,
// over KV keys on three streams (Elle's list-append model). A transaction
// is recorded as function "txn" with the value
// [["append" "s/k" 3] ["r" "s/k" [1 2 3]]]: reads are null on invoke and
// the list read (empty when absent) on completion.
func listAppendWorkload() workload {
	keys := keyRefs([]string{"list-1", "list-2", "list-3"}, "k", listAppendKeysPer)
	nextValue := int64(1)
	return workload{
		name:    "list-append",
		streams: kvStreams([]string{"list-1", "list-2", "list-3"}),
		setup:   noSetup,
		operation: func(c *client) {
			var micro []microOperation
			for range 1 + c.rand(4) {
				operation := microOperation{ref: pick(c, keys), read: c.rand(2) == 0}
				if !operation.read {
					operation.value = nextValue
					nextValue++
				}
				micro = append(micro, operation)
			}
			listAppendOperation(c, micro)
		},
		// The list-append checker's strict verdict (its anomalies include
		// the serializable ones); the prefix check is a second, simpler
		// opinion.
		checks: []check{
			{name: "list-append", run: func(history checkers.History) (checkers.Result, error) {
				result, err := checkers.CheckListAppend(history, checkers.ListAppendConfig{})
				return result.StrictSerializable, err
			}},
			{name: "list-prefix", run: checkListPrefixes},
		},
	}
}

// microOperation is an append of value to ref's list, or a read of it.
type microOperation struct {
	ref   keyRef
	read  bool
	value int64
}

func (m microOperation) encode(readResult value.Value) value.Value {
	if m.read {
		return value.List(value.String(microRead), value.String(m.ref.label()), readResult)
	}
	return value.List(value.String(microAppend), value.String(m.ref.label()), value.Int(m.value))
}

func listAppendOperation(c *client, micro []microOperation) {
	invoke := make([]value.Value, len(micro))
	for i, m := range micro {
		invoke[i] = m.encode(value.Null())
	}
	c.transact(checkers.FunctionTxn, "", value.List(invoke...), func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		completed := make([]value.Value, len(micro))
		for i, m := range micro {
			result, err := runMicro(ctx, tx, m)
			if err != nil {
				return value.Null(), err
			}
			completed[i] = m.encode(result)
		}
		return value.List(completed...), nil
	})
}

// runMicro reads the list (an empty list when absent) and, for an append,
// writes it back with the value added; it returns the list read.
func runMicro(ctx context.Context, tx *coordinator.Txn, m microOperation) (value.Value, error) {
	store := kv.New(tx, m.ref.stream)
	current, found, err := store.Get(ctx, m.ref.key)
	if err != nil {
		return value.Null(), err
	}
	elements := []value.Value{}
	if found {
		for i := range current.Len() {
			elements = append(elements, current.Index(i))
		}
	}
	if m.read {
		return value.List(elements...), nil
	}
	return value.Null(), store.Put(ctx, m.ref.key, value.List(append(elements, value.Int(m.value))...))
}

// checkListPrefixes checks a necessary condition of serializability for
// list-append histories: the lists read from one key by committed
// transactions are all prefixes of the longest one (a key's list only
// grows), and no list holds an element twice.
func checkListPrefixes(history checkers.History) (checkers.Result, error) {
	var found findingList
	longest := map[string]value.Value{}
	longestOperation := map[string]checkers.Operation{}
	for _, operation := range history.Operations() {
		if operation.Function != checkers.FunctionTxn || operation.Type != checkers.TypeOK {
			continue
		}
		for i := range operation.Output.Len() {
			micro := operation.Output.Index(i)
			if name, _ := micro.Index(0).AsString(); name != microRead {
				continue
			}
			key, _ := micro.Index(1).AsString()
			read := micro.Index(2)
			if hasDuplicate(read) {
				found.add(operation.Describe()+" read "+key+" = "+read.String()+" with a repeated element", operation.InvokeIndex)
			}
			previous, seen := longest[key]
			shorter, longer := previous, read
			if shorter.Len() > longer.Len() {
				shorter, longer = longer, shorter
			}
			switch {
			case !seen:
			case !isPrefix(shorter, longer):
				found.add(operation.Describe()+" read "+key+" = "+read.String()+", incompatible with "+
					longestOperation[key].Describe()+"'s "+previous.String(), operation.InvokeIndex, longestOperation[key].InvokeIndex)
				continue
			}
			if !seen || read.Len() > previous.Len() {
				longest[key], longestOperation[key] = read, operation
			}
		}
	}
	return found.result("list-prefix"), nil
}

func isPrefix(shorter, longer value.Value) bool {
	for i := range shorter.Len() {
		if !shorter.Index(i).Equal(longer.Index(i)) {
			return false
		}
	}
	return true
}

func hasDuplicate(list value.Value) bool {
	seen := map[int64]bool{}
	for i := range list.Len() {
		element, _ := list.Index(i).AsInt()
		if seen[element] {
			return true
		}
		seen[element] = true
	}
	return false
}
