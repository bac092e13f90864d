package workloads

import (
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// longestRead returns the event index and micro-operation index of the
// longest list read by a committed transaction.
func longestRead(history checkers.History) (eventIndex, microIndex, length int) {
	eventIndex, microIndex = -1, -1
	for i, event := range history.Events {
		if event.Function != checkers.FunctionTxn || event.Type != checkers.TypeOK {
			continue
		}
		for j := range event.Value.Len() {
			micro := event.Value.Index(j)
			if name, _ := micro.Index(0).AsString(); name == microRead && micro.Index(2).Len() > length {
				eventIndex, microIndex, length = i, j, micro.Index(2).Len()
			}
		}
	}
	return eventIndex, microIndex, length
}

func TestSQLListAppendReadsSeeCommittedAppendsInOrder(t *testing.T) {
	r := checkedRun(t, "sql-list-append", 3)
	eventIndex, _, length := longestRead(r.history)
	if eventIndex < 0 || length < 3 {
		t.Fatalf("the longest committed read holds %d elements; want at least 3", length)
	}
}

func TestSQLListAppendCheckCatchesARepeatedElement(t *testing.T) {
	r := observedRun(t, "sql-list-append", 3)
	eventIndex, microIndex, length := longestRead(r.history)
	if length == 0 {
		t.Fatal("no committed read of a non-empty list")
	}
	event := &r.history.Events[eventIndex]
	micros := make([]value.Value, event.Value.Len())
	for j := range micros {
		micros[j] = event.Value.Index(j)
	}
	read := micros[microIndex].Index(2)
	elements := make([]value.Value, 0, read.Len()+1)
	for k := range read.Len() {
		elements = append(elements, read.Index(k))
	}
	elements = append(elements, read.Index(0))
	micros[microIndex] = value.List(micros[microIndex].Index(0), micros[microIndex].Index(1), value.List(elements...))
	event.Value = value.List(micros...)
	results, _ := r.check()
	for _, c := range listAppendWorkload().checks {
		if result := resultNamed(t, results, c.name); result.Verdict == checkers.VerdictIllegal {
			return
		}
	}
	t.Fatalf("a read with a repeated element passed every list-append check: %v", results)
}
