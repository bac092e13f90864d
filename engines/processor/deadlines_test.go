package processor

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestDeadlineQueueMatchesASortedList: interleaved pushes (mostly in
// order, some not, with ties) and pops leave in exactly the order of a
// sorted model, across the FIFO, the heap and compaction.
func TestDeadlineQueueMatchesASortedList(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q deadlineQueue
		var model []deadlineItem
		clock := int64(0)
		for step := range rapid.IntRange(1, 3000).Draw(t, "steps") {
			if rapid.IntRange(0, 2).Draw(t, "pop") == 0 && len(model) > 0 {
				item, inOrder, ok := q.front()
				if !ok {
					t.Fatalf("step %d: empty queue, model has %d", step, len(model))
				}
				if item != model[0] {
					t.Fatalf("step %d: front %+v, model %+v", step, item, model[0])
				}
				q.popFront(inOrder)
				model = model[1:]
				continue
			}
			clock += int64(rapid.IntRange(0, 3).Draw(t, "advance"))
			deadline := clock + int64(rapid.IntRange(0, 2).Draw(t, "late"))*int64(rapid.IntRange(-5, 5).Draw(t, "jitter"))
			item := deadlineItem{deadlineNanos: deadline, txn: txnID(int64(rapid.IntRange(1, 50).Draw(t, "txn")))}
			q.push(item)
			index, _ := slices.BinarySearchFunc(model, item, func(a, b deadlineItem) int {
				switch {
				case a.less(b):
					return -1
				case b.less(a):
					return 1
				}
				return 0
			})
			model = slices.Insert(model, index, item)
		}
		for len(model) > 0 {
			item, inOrder, ok := q.front()
			if !ok || item != model[0] {
				t.Fatalf("drain: front %+v (ok %t), model %+v", item, ok, model[0])
			}
			q.popFront(inOrder)
			model = model[1:]
		}
		if _, _, ok := q.front(); ok {
			t.Fatal("queue not empty after the model drained")
		}
	})
}
