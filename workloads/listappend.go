package workloads

import (
	"context"
	"slices"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines"
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
// over KV keys on three streams (Elle's list-append model); beside them
// Fekete's read-only shapes: a transaction that reads one key and appends
// to another on a different stream, and read-only transactions that read
// two or three keys at one snapshot. A transaction is recorded as
// function "txn" (a read-only one as "ro-txn", with its snapshot) with
// the value [["append" "s/k" 3] ["r" "s/k" [1 2 3]]]: reads are null on
// invoke and the list read (empty when absent) on completion.
func listAppendWorkload() workload {
	streams := []string{"list-1", "list-2", "list-3"}
	keys := keyRefs(streams, "k", listAppendKeysPer)
	nextValue := int64(1)
	appendTo := func(ref keyRef) microOperation {
		operation := microOperation{ref: ref, value: nextValue}
		nextValue++ // taken before the transaction yields to other clients
		return operation
	}
	return workload{
		name:    "list-append",
		streams: kvStreams(streams),
		setup:   noSetup,
		operation: func(c *client) {
			switch choice := c.rand(10); {
			case choice < 6:
				var micro []microOperation
				for range 1 + c.rand(4) {
					if c.rand(2) == 0 {
						micro = append(micro, microOperation{ref: pick(c, keys), read: true})
					} else {
						micro = append(micro, appendTo(pick(c, keys)))
					}
				}
				listAppendOperation(c, micro)
			case choice < 8:
				read, written := keyPairAcrossStreams(c, keys)
				listAppendOperation(c, []microOperation{{ref: read, read: true}, appendTo(written)})
			default:
				listAppendReadOnly(c, distinctKeys(c, keys, 2+c.rand(2)))
			}
		},
		// The list-append checker's strict verdict (its anomalies include
		// the serializable ones); the snapshot check adds read-only transactions;
		// the prefix check is a second, simpler opinion.
		checks: []check{
			{name: "list-append", run: func(history checkers.History) (checkers.Result, error) {
				result, err := checkers.CheckListAppend(history, checkers.ListAppendConfig{})
				return result.StrictSerializable, err
			}},
			{name: "list-append-snapshots", run: checkers.CheckListAppendSnapshots},
			{name: "list-prefix", run: checkListPrefixes},
			{name: "commit-order", run: func(history checkers.History) (checkers.Result, error) {
				return checkers.CheckCommitOrder(history, checkers.CommitOrderConfig{Absent: value.List()})
			}},
		},
	}
}

// keyPairAcrossStreams picks two keys on different streams: a
// transaction over them commits in two phases, whose window between the
// prepares is where a participant that released its read locks early
// lets a writer commit below it (Fekete's read-only anomaly).
func keyPairAcrossStreams(c *client, keys []keyRef) (keyRef, keyRef) {
	first := pick(c, keys)
	for {
		if second := pick(c, keys); second.stream != first.stream {
			return first, second
		}
	}
}

// distinctKeys picks count different keys.
func distinctKeys(c *client, keys []keyRef, count int) []keyRef {
	var picked []keyRef
	for len(picked) < count {
		if ref := pick(c, keys); !slices.Contains(picked, ref) {
			picked = append(picked, ref)
		}
	}
	return picked
}

// listAppendReadOnly reads keys' lists in one read-only transaction.
func listAppendReadOnly(c *client, refs []keyRef) {
	micro := make([]microOperation, len(refs))
	for i, ref := range refs {
		micro[i] = microOperation{ref: ref, read: true}
	}
	readOnlyMicros(c, micro, runMicro)
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
	transactMicros(c, micro, runMicro)
}

// runMicro reads the list (an empty list when absent) and, for an append,
// writes it back with the value added; it returns the list read.
func runMicro(ctx context.Context, executor engines.Executor, m microOperation) (value.Value, error) {
	store := kv.New(executor, m.ref.stream)
	current, err := readList(ctx, store, m.ref.key)
	if err != nil || m.read {
		return current, err
	}
	elements := make([]value.Value, 0, current.Len()+1)
	for i := range current.Len() {
		elements = append(elements, current.Index(i))
	}
	return value.Null(), store.Put(ctx, m.ref.key, value.List(append(elements, value.Int(m.value))...))
}

// readList reads a key's list: an empty list when absent.
func readList(ctx context.Context, store *kv.Client, key string) (value.Value, error) {
	current, found, err := store.Get(ctx, key)
	if err != nil {
		return value.Null(), err
	}
	if !found {
		return value.List(), nil
	}
	return current, nil
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
		if (operation.Function != checkers.FunctionTxn && operation.Function != checkers.FunctionReadOnlyTxn) ||
			operation.Type != checkers.TypeOK {
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
