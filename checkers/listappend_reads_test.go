package checkers

import (
	"fmt"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// drawReadHeavyHistory draws transactions over two keys whose reads mostly
// list a prefix of the key's append order (so later reads repeat a verified
// part), sometimes corrupted: an element read twice, an element no one
// appended, two elements swapped, or the list cut at a random point. Some
// transactions fail or end in info, so reads may also see aborted appends.
func drawReadHeavyHistory(t *rapid.T) History {
	order := map[string][]int64{}
	var history History
	next := int64(1)
	txnCount := rapid.IntRange(1, 30).Draw(t, "txns")
	for txn := range txnCount {
		var invoke, complete []value.Value
		for range rapid.IntRange(1, 4).Draw(t, "micro-ops") {
			key := fmt.Sprintf("k%d", rapid.IntRange(0, 1).Draw(t, "key"))
			if rapid.Bool().Draw(t, "append") {
				order[key] = append(order[key], next)
				op := value.List(value.String(MicroAppend), value.String(key), value.Int(next))
				next++
				invoke, complete = append(invoke, op), append(complete, op)
				continue
			}
			read := drawRead(t, order[key])
			elements := make([]value.Value, len(read))
			for i, element := range read {
				elements[i] = value.Int(element)
			}
			invoke = append(invoke, value.List(value.String(MicroRead), value.String(key), value.Null()))
			complete = append(complete, value.List(value.String(MicroRead), value.String(key), value.List(elements...)))
		}
		outcome := rapid.SampledFrom([]EventType{TypeOK, TypeOK, TypeOK, TypeFail, TypeInfo}).Draw(t, "outcome")
		if outcome != TypeOK {
			complete = invoke
		}
		history.Append(Event{Process: txn, Type: TypeInvoke, Function: FunctionTxn, Value: value.List(invoke...), TimeNanos: int64(2 * txn)})
		history.Append(Event{Process: txn, Type: outcome, Function: FunctionTxn, Value: value.List(complete...), TimeNanos: int64(2*txn + 1)})
	}
	return history
}

func drawRead(t *rapid.T, appended []int64) []int64 {
	read := slices.Clone(appended[:rapid.IntRange(0, len(appended)).Draw(t, "length")])
	switch rapid.IntRange(0, 5).Draw(t, "corruption") {
	case 1:
		if len(read) > 0 {
			read = append(read, read[rapid.IntRange(0, len(read)-1).Draw(t, "duplicate")])
		}
	case 2:
		read = slices.Insert(read, rapid.IntRange(0, len(read)).Draw(t, "garbage at"), 1000)
	case 3:
		if len(read) > 1 {
			i := rapid.IntRange(0, len(read)-2).Draw(t, "swap")
			read[i], read[i+1] = read[i+1], read[i]
		}
	}
	return read
}

// TestCheckReadMatchesFullCheck: checking each read only past the key's
// verified list reports exactly what checking every element of every read
// reports, in the same order.
func TestCheckReadMatchesFullCheck(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		history := drawReadHeavyHistory(t)
		fast := &listAppendState{keyIDs: map[string]int{}, seen: map[int64]bool{}}
		full := &listAppendState{keyIDs: map[string]int{}, seen: map[int64]bool{}}
		for _, state := range []*listAppendState{fast, full} {
			if err := state.parse(history); err != nil {
				t.Fatal(err)
			}
		}
		fast.checkReads()
		for txnIndex, txn := range full.txns {
			for i := range txn.microOps {
				if micro := &txn.microOps[i]; txn.committed() && micro.isRead {
					full.checkReadFully(txnIndex, micro)
				}
			}
		}
		if !slices.Equal(fast.found.lines, full.found.lines) || !slices.Equal(fast.found.operations, full.found.operations) {
			t.Fatalf("fast check found\n%v\nfull check found\n%v", fast.found.lines, full.found.lines)
		}
	})
}
