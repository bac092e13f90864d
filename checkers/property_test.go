package checkers

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// serialListAppend runs transactions one after another against a map of
// lists and records each as invoke then ok, on its own process.
func serialListAppend(random *rand.Rand, txnCount, keyCount int) History {
	state := map[string][]int64{}
	var history History
	next := int64(1)
	for txn := range txnCount {
		var invoke, complete []value.Value
		for range 1 + random.IntN(4) {
			key := fmt.Sprintf("k%d", random.IntN(keyCount))
			if random.IntN(2) == 0 {
				element := value.Int(next)
				state[key] = append(state[key], next)
				next++
				op := value.List(value.String(MicroAppend), value.String(key), element)
				invoke, complete = append(invoke, op), append(complete, op)
				continue
			}
			var read []value.Value
			for _, element := range state[key] {
				read = append(read, value.Int(element))
			}
			invoke = append(invoke, value.List(value.String(MicroRead), value.String(key), value.Null()))
			complete = append(complete, value.List(value.String(MicroRead), value.String(key), value.List(read...)))
		}
		history.Append(Event{Process: txn, Type: TypeInvoke, Function: FunctionTxn, Value: value.List(invoke...), TimeNanos: int64(2 * txn)})
		history.Append(Event{Process: txn, Type: TypeOK, Function: FunctionTxn, Value: value.List(complete...), TimeNanos: int64(2*txn + 1)})
	}
	return history
}

func TestSerialListAppendIsOK(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		history := serialListAppend(rand.New(rand.NewPCG(seed, 1)), rapid.IntRange(1, 40).Draw(t, "txns"), rapid.IntRange(1, 4).Draw(t, "keys"))
		result, err := CheckListAppend(history, ListAppendConfig{})
		if err != nil || result.StrictSerializable.Verdict != VerdictOK {
			t.Fatalf("serial history judged %v (%v): %s", result.StrictSerializable.Verdict, err, result.StrictSerializable.Explanation)
		}
	})
}

// TestSwappedDependencyIsCaught moves a transaction that read another's
// append to before it in real time: strict serializability must fail.
func TestSwappedDependencyIsCaught(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		history := serialListAppend(rand.New(rand.NewPCG(seed, 2)), 30, 2)
		operations := history.Operations()
		writer, reader := -1, -1
		for later := range operations {
			for earlier := range later {
				if readsFrom(operations[later], operations[earlier]) {
					writer, reader = earlier, later
				}
			}
		}
		if writer < 0 {
			t.Skip("no transaction read another's append")
		}
		// Swap the two transactions' slots in time: the reader now completes
		// before the writer is invoked.
		events := history.Events
		writerSlot, readerSlot := 2*writer, 2*reader
		for offset := range 2 {
			events[writerSlot+offset], events[readerSlot+offset] = events[readerSlot+offset], events[writerSlot+offset]
		}
		for i := range events {
			events[i].Index, events[i].TimeNanos = i, int64(i)
		}
		result, err := CheckListAppend(history, ListAppendConfig{})
		if err != nil || result.StrictSerializable.Verdict != VerdictIllegal {
			t.Fatalf("swapped history judged %v (%v)", result.StrictSerializable.Verdict, err)
		}
	})
}

// readsFrom reports whether reader read an element that writer appended.
func readsFrom(reader, writer Operation) bool {
	for i := range writer.Output.Len() {
		append := writer.Output.Index(i)
		if name, _ := append.Index(0).AsString(); name != MicroAppend {
			continue
		}
		for j := range reader.Output.Len() {
			read := reader.Output.Index(j)
			if name, _ := read.Index(0).AsString(); name != MicroRead || !read.Index(1).Equal(append.Index(1)) {
				continue
			}
			for k := range read.Index(2).Len() {
				if read.Index(2).Index(k).Equal(append.Index(2)) {
					return true
				}
			}
		}
	}
	return false
}
