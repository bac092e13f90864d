package checkers

import (
	"fmt"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// serialModelHistory is a serial execution of transactions over lists,
// registers, counters and a queue, run against plain Go maps and slices,
// recorded with commit timestamps 1, 2, 3, ... (read-only transactions
// at snapshots between them) in a shuffled history order, one process per
// transaction, every one invoked before any completes (so real time
// orders nothing).
type serialModelHistory struct {
	history History
	// reads lists, per history index of a completion, the positions of
	// its read micro-ops.
	reads map[int][]int
}

func drawSerialModelHistory(t *rapid.T) serialModelHistory {
	lists := map[string][]value.Value{}
	registers := map[string]value.Value{}
	counters := map[string]int64{}
	var queue []value.Value
	next := int64(1)
	type txn struct {
		invoke, complete []value.Value
		at               string
		readOnly         bool
	}
	var txns []txn
	count := rapid.IntRange(1, 30).Draw(t, "txns")
	for i := range count {
		readOnly := rapid.IntRange(0, 3).Draw(t, "kind") == 0
		var current txn
		current.readOnly = readOnly
		current.at = fmt.Sprintf("%d.0@1", 10*(i+1))
		if readOnly {
			current.at = fmt.Sprintf("%d.0@2", 10*(i+1))
		}
		for range rapid.IntRange(1, 4).Draw(t, "micro-ops") {
			key := rapid.SampledFrom([]string{"a", "b"}).Draw(t, "key")
			kind := rapid.IntRange(0, 9).Draw(t, "micro-op")
			if readOnly {
				kind = rapid.SampledFrom([]int{1, 3, 5, 7, 9}).Draw(t, "read")
			}
			micro := func(function, key string, argument value.Value) value.Value {
				return value.List(value.String(function), value.String(key), argument)
			}
			read := func(function, key string, result value.Value) {
				current.invoke = append(current.invoke, micro(function, key, value.Null()))
				current.complete = append(current.complete, micro(function, key, result))
			}
			write := func(function, key string, argument value.Value) {
				current.invoke = append(current.invoke, micro(function, key, argument))
				current.complete = append(current.complete, micro(function, key, argument))
			}
			head := func() value.Value {
				if len(queue) == 0 {
					return value.Null()
				}
				return queue[0]
			}
			switch kind {
			case 0:
				write(MicroAppend, "list-"+key, value.Int(next))
				lists["list-"+key] = append(lists["list-"+key], value.Int(next))
			case 1:
				read(MicroRead, "list-"+key, value.List(lists["list-"+key]...))
			case 2:
				write(MicroWrite, "register-"+key, value.Int(next))
				registers["register-"+key] = value.Int(next)
			case 3:
				stored, ok := registers["register-"+key]
				if !ok {
					stored = value.List()
				}
				read(MicroRead, "register-"+key, stored)
			case 4:
				write(MicroAdd, "counter-"+key, value.Int(next%7-3))
				counters["counter-"+key] += next%7 - 3
			case 5:
				total, added := counters["counter-"+key]
				if !added {
					read(MicroRead, "counter-"+key, value.List())
					break
				}
				read(MicroRead, "counter-"+key, value.Int(total))
			case 6:
				write(MicroEnqueue, "q", value.Int(next))
				queue = append(queue, value.Int(next))
			case 7:
				read(MicroPeek, "q", head())
			case 8:
				read(MicroDequeue, "q", head())
				if len(queue) > 0 {
					queue = queue[1:]
				}
			case 9:
				read(MicroSize, "q", value.Int(int64(len(queue))))
			}
			next++
		}
		txns = append(txns, current)
	}
	order := rapid.Permutation(txns).Draw(t, "order")
	var drawn serialModelHistory
	drawn.reads = map[int][]int{}
	for process, current := range order {
		function := FunctionTxn
		if current.readOnly {
			function = FunctionReadOnlyTxn
		}
		drawn.history.Append(Event{Process: process, Type: TypeInvoke, Function: function, Value: value.List(current.invoke...)})
	}
	for process, current := range order {
		event := Event{Process: process, Type: TypeOK, Function: FunctionTxn, Value: value.List(current.complete...),
			Txn: fmt.Sprintf("t%d", process), CommitTimestamp: current.at}
		if current.readOnly {
			event = Event{Process: process, Type: TypeOK, Function: FunctionReadOnlyTxn, Value: value.List(current.complete...),
				Snapshot: current.at}
		}
		index := drawn.history.Append(event)
		for position, micro := range current.complete {
			if function, _ := micro.Index(0).AsString(); slices.Contains([]string{MicroRead, MicroPeek, MicroDequeue, MicroSize}, function) {
				drawn.reads[index] = append(drawn.reads[index], position)
			}
		}
	}
	return drawn
}

// A key never written reads as the one Absent value, an empty list, for
// lists, registers and counters alike (an add to it starts from 0).
func TestCommitOrderAcceptsSerialExecutionsAndCatchesAnyChangedResult(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		drawn := drawSerialModelHistory(t)
		result, err := CheckCommitOrder(drawn.history, CommitOrderConfig{Absent: value.List()})
		if err != nil {
			t.Fatal(err)
		}
		if result.Verdict != VerdictOK {
			t.Fatalf("a serial execution judged %s: %s", result.Verdict, result.Explanation)
		}
		var completions []int
		for index := range drawn.reads {
			completions = append(completions, index)
		}
		slices.Sort(completions)
		if len(completions) == 0 {
			return
		}
		index := rapid.SampledFrom(completions).Draw(t, "tampered")
		position := rapid.SampledFrom(drawn.reads[index]).Draw(t, "position")
		event := &drawn.history.Events[index]
		micro := make([]value.Value, event.Value.Len())
		for i := range micro {
			micro[i] = event.Value.Index(i)
		}
		changed := micro[position]
		micro[position] = value.List(changed.Index(0), changed.Index(1), value.String("changed"))
		event.Value = value.List(micro...)
		result, err = CheckCommitOrder(drawn.history, CommitOrderConfig{Absent: value.List()})
		if err != nil {
			t.Fatal(err)
		}
		if result.Verdict != VerdictIllegal || !slices.Contains(result.Operations, event.Index-len(drawn.history.Events)/2) {
			t.Fatalf("a changed result at event %d passed or was misplaced: %s %v\n%s", index, result.Verdict, result.Operations, result.Explanation)
		}
	})
}
