package checkers

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// The brute-force property: on small random list-append histories, the
// checker's serializable verdict is illegal exactly when no serial order of
// the committed txns (and of any chosen indeterminate ones) produces every
// committed read, and its strict verdict likewise when the serial order
// must also respect real time. Run it longer with
//
//	go test ./checkers -run TestListAppendMatchesBruteForce -rapid.checks=5000

// bruteTxn is one txn as the brute force sees it, read straight from the
// history's operations (none of the checker's parsing).
type bruteTxn struct {
	outcome            EventType
	invoke, completion int // history indexes; completion -1 when open
	keys               []string
	appends            []bool
	elements           []int64
	lists              [][]int64 // the read's list, for a committed read
}

func bruteTxns(history History) []bruteTxn {
	var txns []bruteTxn
	for _, operation := range history.Operations() {
		v := operation.Input
		if operation.Type == TypeOK {
			v = operation.Output
		}
		txn := bruteTxn{outcome: operation.Type, invoke: operation.InvokeIndex, completion: operation.CompletionIndex}
		for i := range v.Len() {
			micro := v.Index(i)
			function, _ := micro.Index(0).AsString()
			key, _ := micro.Index(1).AsString()
			element, _ := micro.Index(2).AsInt()
			var list []int64
			for j := range micro.Index(2).Len() {
				item, _ := micro.Index(2).Index(j).AsInt()
				list = append(list, item)
			}
			txn.keys = append(txn.keys, key)
			txn.appends = append(txn.appends, function == MicroAppend)
			txn.elements = append(txn.elements, element)
			txn.lists = append(txn.lists, list)
		}
		txns = append(txns, txn)
	}
	return txns
}

// serialOrderExists searches every order of the committed txns, with any
// subset of the indeterminate ones placed anywhere, for one whose serial
// execution returns every committed read; with realTime, a committed txn
// that completed before another was invoked must come first.
func serialOrderExists(txns []bruteTxn, realTime bool) bool {
	placed := make([]bool, len(txns))
	state := map[string][]int64{}
	committedLeft := 0
	for _, txn := range txns {
		if txn.outcome == TypeOK {
			committedLeft++
		}
	}
	var search func(committedLeft int) bool
	search = func(committedLeft int) bool {
		if committedLeft == 0 {
			return true
		}
		for i, txn := range txns {
			if placed[i] || txn.outcome == TypeFail || (realTime && !predecessorsPlaced(txns, placed, i)) {
				continue
			}
			lengths := map[string]int{}
			for _, key := range txn.keys {
				lengths[key] = len(state[key])
			}
			if runSerially(txn, state) {
				placed[i] = true
				left := committedLeft
				if txn.outcome == TypeOK {
					left--
				}
				if search(left) {
					return true
				}
				placed[i] = false
			}
			for key, length := range lengths {
				state[key] = state[key][:length]
			}
		}
		return false
	}
	return search(committedLeft)
}

// predecessorsPlaced: every committed txn that completed before txn i was
// invoked is already placed.
func predecessorsPlaced(txns []bruteTxn, placed []bool, i int) bool {
	for j, other := range txns {
		if other.outcome == TypeOK && other.completion < txns[i].invoke && !placed[j] {
			return false
		}
	}
	return true
}

// runSerially applies txn's appends to state and reports whether each of
// its reads (a committed txn's) returned exactly the current list.
func runSerially(txn bruteTxn, state map[string][]int64) bool {
	for i, key := range txn.keys {
		switch {
		case txn.appends[i]:
			state[key] = append(state[key], txn.elements[i])
		case txn.outcome == TypeOK && !slices.Equal(state[key], txn.lists[i]):
			return false
		}
	}
	return true
}

// plannedMicroOp is one micro-op of a drawn txn.
type plannedMicroOp struct {
	isAppend bool
	key      string
	element  int64 // for an append
}

// plannedTxn is a drawn txn: how it ends, whether it took effect (always
// for ok; sometimes for fail, a dirty write, and for info) and its
// micro-ops.
type plannedTxn struct {
	outcome  EventType
	effect   bool
	microOps []plannedMicroOp
}

// drawSmallHistory draws a few txns over a few keys, runs them in a drawn
// serial order to produce the reads (sometimes from an older snapshot, as
// weaker isolation would), sometimes corrupts a read, and lays the txns
// out in time either around their serial positions (real time agrees) or
// at random.
func drawSmallHistory(t *rapid.T) History {
	plans, elementCount := drawPlans(t)
	order := rapid.Permutation(rapidRange(len(plans))).Draw(t, "serial order")
	reads := serialReads(t, plans, order)
	if rapid.IntRange(0, 2).Draw(t, "corrupt") == 0 {
		corruptRead(t, reads, elementCount+1)
	}
	position := make([]int, len(plans))
	for slot, i := range order {
		position[i] = slot
	}
	if rapid.IntRange(0, 3).Draw(t, "random times") == 0 {
		position = rapid.Permutation(rapidRange(len(plans))).Draw(t, "time order")
	}
	return layOut(t, plans, reads, position)
}

func drawPlans(t *rapid.T) ([]plannedTxn, int64) {
	keys := []string{"x", "y", "z"}[:rapid.IntRange(1, 3).Draw(t, "keys")]
	plans := make([]plannedTxn, rapid.IntRange(1, 6).Draw(t, "txns"))
	elementCount := int64(0)
	for i := range plans {
		plans[i].outcome = rapid.SampledFrom([]EventType{TypeOK, TypeOK, TypeOK, TypeFail, TypeInfo}).Draw(t, "outcome")
		plans[i].effect = plans[i].outcome == TypeOK || rapid.IntRange(0, 3).Draw(t, "takes effect") == 0
		for range rapid.IntRange(1, 3).Draw(t, "micro-ops") {
			micro := plannedMicroOp{key: rapid.SampledFrom(keys).Draw(t, "key"), isAppend: rapid.Bool().Draw(t, "append")}
			if micro.isAppend {
				elementCount++
				micro.element = elementCount
			}
			plans[i].microOps = append(plans[i].microOps, micro)
		}
	}
	return plans, elementCount
}

// serialReads runs the txns that take effect in order and returns each
// txn's reads (nil for an append): the state it starts from, or a drawn
// older one, plus its own appends so far.
func serialReads(t *rapid.T, plans []plannedTxn, order []int) [][][]int64 {
	before := []map[string][]int64{{}} // before[slot]: the state the txn at slot starts from
	for _, i := range order {
		state := maps.Clone(before[len(before)-1])
		for _, micro := range plans[i].microOps {
			if plans[i].effect && micro.isAppend {
				state[micro.key] = append(slices.Clone(state[micro.key]), micro.element)
			}
		}
		before = append(before, state)
	}
	reads := make([][][]int64, len(plans))
	for slot, i := range order {
		snapshot := slot
		if rapid.IntRange(0, 3).Draw(t, "snapshot read") == 0 {
			snapshot = rapid.IntRange(0, slot).Draw(t, "snapshot")
		}
		own := map[string][]int64{}
		reads[i] = make([][]int64, len(plans[i].microOps))
		for j, micro := range plans[i].microOps {
			if micro.isAppend {
				own[micro.key] = append(own[micro.key], micro.element)
			} else {
				reads[i][j] = append(slices.Clone(before[snapshot][micro.key]), own[micro.key]...)
			}
		}
	}
	return reads
}

// layOut records each txn's invoke around 10 times its position and its
// completion after it (an info txn's sometimes never), in time order.
func layOut(t *rapid.T, plans []plannedTxn, reads [][][]int64, position []int) History {
	type moment struct{ at, txn, kind int } // kind 0 invoke, 1 completion
	var moments []moment
	for i := range plans {
		moments = append(moments, moment{position[i]*10 - rapid.IntRange(0, 25).Draw(t, "invoke early"), i, 0})
		if plans[i].outcome != TypeInfo || rapid.Bool().Draw(t, "info completes") {
			moments = append(moments, moment{position[i]*10 + rapid.IntRange(0, 25).Draw(t, "complete late"), i, 1})
		}
	}
	slices.SortFunc(moments, func(a, b moment) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.kind, b.kind), cmp.Compare(a.txn, b.txn))
	})
	var history History
	for _, m := range moments {
		plan := plans[m.txn]
		eventType := TypeInvoke
		if m.kind == 1 {
			eventType = plan.outcome
		}
		var microOps []value.Value
		for j, micro := range plan.microOps {
			function, argument := MicroAppend, value.Int(micro.element)
			if !micro.isAppend {
				function, argument = MicroRead, value.Null()
				if eventType == TypeOK {
					argument = int64List(reads[m.txn][j])
				}
			}
			microOps = append(microOps, value.List(value.String(function), value.String(micro.key), argument))
		}
		history.Append(Event{Process: m.txn + 1, Type: eventType, Function: FunctionTxn,
			Value: value.List(microOps...), TimeNanos: int64(len(history.Events)), Txn: fmt.Sprintf("t%d", m.txn+1)})
	}
	return history
}

func rapidRange(n int) []int {
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	return items
}

func int64List(elements []int64) value.Value {
	items := make([]value.Value, len(elements))
	for i, element := range elements {
		items[i] = value.Int(element)
	}
	return value.List(items...)
}

// corruptRead changes one drawn read: cut short, an element dropped,
// added (any element ever appended, or one no one appended), repeated, or
// two swapped.
func corruptRead(t *rapid.T, reads [][][]int64, next int64) {
	type at struct{ txn, micro int }
	var candidates []at
	for i, txnReads := range reads {
		for j, read := range txnReads {
			if read != nil {
				candidates = append(candidates, at{i, j})
			}
		}
	}
	if len(candidates) == 0 {
		return
	}
	target := rapid.SampledFrom(candidates).Draw(t, "corrupted read")
	read := reads[target.txn][target.micro]
	switch rapid.IntRange(0, 4).Draw(t, "corruption") {
	case 0:
		read = read[:rapid.IntRange(0, len(read)).Draw(t, "cut")]
	case 1:
		if len(read) > 0 {
			read = slices.Delete(read, 0, 1)
		}
	case 2:
		read = append(read, rapid.Int64Range(1, next).Draw(t, "added"))
	case 3:
		if len(read) > 0 {
			read = append(read, read[rapid.IntRange(0, len(read)-1).Draw(t, "repeated")])
		}
	case 4:
		if len(read) > 1 {
			i := rapid.IntRange(0, len(read)-2).Draw(t, "swapped")
			read[i], read[i+1] = read[i+1], read[i]
		}
	}
	reads[target.txn][target.micro] = read
}

// scenarioText prints a history in the testdata/listappend notation, so a
// failing case can become a scenario file.
func scenarioText(history History) string {
	var lines []string
	for _, event := range history.Events {
		var microOps []string
		for i := range event.Value.Len() {
			micro := event.Value.Index(i)
			function, _ := micro.Index(0).AsString()
			key, _ := micro.Index(1).AsString()
			argument := micro.Index(2)
			switch {
			case function == MicroAppend:
				microOps = append(microOps, fmt.Sprintf("a %s %v", key, argument))
			case argument.IsNull():
				microOps = append(microOps, "r "+key)
			case argument.Len() == 0:
				microOps = append(microOps, "r "+key+" -")
			default:
				elements := strings.Trim(argument.String(), "[]")
				microOps = append(microOps, "r "+key+" "+strings.ReplaceAll(elements, ",", ""))
			}
		}
		lines = append(lines, fmt.Sprintf("%d %s %s", event.Process, event.Type, strings.Join(microOps, ", ")))
	}
	return strings.Join(lines, "\n")
}

func TestListAppendMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		history := drawSmallHistory(t)
		result, err := CheckListAppend(history, ListAppendConfig{})
		if err != nil {
			t.Fatalf("checker refused the history: %v\n%s", err, scenarioText(history))
		}
		txns := bruteTxns(history)
		for _, mode := range []struct {
			result   Result
			realTime bool
		}{{result.Serializable, false}, {result.StrictSerializable, true}} {
			exists := serialOrderExists(txns, mode.realTime)
			if (mode.result.Verdict == VerdictOK) != exists {
				t.Fatalf("%s: checker says %s (%v), brute force finds a serial order: %v\nhistory:\n%s\nexplanation:\n%s",
					mode.result.Checker, mode.result.Verdict, mode.result.Anomalies, exists, scenarioText(history), mode.result.Explanation)
			}
		}
		for _, anomaly := range result.Serializable.Anomalies {
			if !slices.Contains(result.StrictSerializable.Anomalies, anomaly) {
				t.Fatalf("strict verdict lacks the serializable anomaly %s", anomaly)
			}
		}
	})
}
