package compare

import "slices"

// shrinkAttemptsMax bounds the replays one shrink may spend.
const shrinkAttemptsMax = 3000

// shrink returns a smaller script that still mismatches: it drops setup
// statements, then query clauses, select items and expression nodes
// (replacing a node by a child of the same kind), repeating while
// anything helps. q is changed in place.
func shrink(setup []string, q *query) ([]string, *query) {
	attempts := 0
	for progress := true; progress && attempts < shrinkAttemptsMax; {
		progress = false
		for i := len(setup) - 1; i >= 0 && attempts < shrinkAttemptsMax; i-- {
			candidate := slices.Delete(slices.Clone(setup), i, i+1)
			attempts++
			if mismatched(candidate, q) {
				setup, progress = candidate, true
			}
		}
		for _, mutation := range mutations(q) {
			if attempts >= shrinkAttemptsMax {
				break
			}
			undo := mutation()
			attempts++
			if mismatched(setup, q) {
				progress = true
				break // the mutation list refers to the old shape
			}
			undo()
		}
	}
	return setup, q
}

// A mutation changes q and returns the function that undoes it.
type mutation func() (undo func())

func mutations(q *query) []mutation {
	var list []mutation
	set := func(field *bool, value bool) {
		if *field != value {
			list = append(list, func() func() { old := *field; *field = value; return func() { *field = old } })
		}
	}
	setExpr := func(field **expr) {
		if *field != nil {
			list = append(list, func() func() { old := *field; *field = nil; return func() { *field = old } })
		}
	}
	setInt := func(field *int) {
		if *field >= 0 {
			list = append(list, func() func() { old := *field; *field = -1; return func() { *field = old } })
		}
	}
	setExpr(&q.where)
	setExpr(&q.having)
	set(&q.distinct, false)
	setInt(&q.offset)
	setInt(&q.limit)
	if q.limit < 0 {
		set(&q.ordered, false)
	}
	if q.compound != "" {
		list = append(list, func() func() {
			old := q.compound
			q.compound = ""
			return func() { q.compound = old }
		})
	}
	list = append(list, dropItems(q)...)
	for _, root := range roots(q) {
		list = append(list, nodeMutations(root)...)
	}
	return list
}

// dropItems removes one select item at a time (from both sides of a
// compound query); group keys stay.
func dropItems(q *query) []mutation {
	var list []mutation
	if len(q.items) < 2 {
		return nil
	}
	for i := len(q.groupBy); i < len(q.items); i++ {
		list = append(list, func() func() {
			saved := *q
			var right query
			q.items = slices.Delete(slices.Clone(q.items), i, i+1)
			if q.orderings != nil {
				q.orderings = slices.Delete(slices.Clone(q.orderings), i, i+1)
			}
			if q.right != nil {
				right = *q.right
				q.right.items = slices.Delete(slices.Clone(q.right.items), i, i+1)
			}
			return func() {
				*q = saved
				if q.right != nil {
					*q.right = right
				}
			}
		})
	}
	return list
}

func roots(q *query) []*expr {
	list := slices.Clone(q.items)
	for _, e := range []*expr{q.where, q.having, q.joinOn} {
		if e != nil {
			list = append(list, e)
		}
	}
	if q.right != nil && q.compound != "" {
		list = append(list, roots(q.right)...)
	}
	return list
}

// nodeMutations replaces a node by one of its children of the same kind.
func nodeMutations(e *expr) []mutation {
	var list []mutation
	for _, child := range e.args {
		if child.kind == e.kind {
			list = append(list, func() func() {
				saved := *e
				*e = *child
				return func() { *e = saved }
			})
		}
		list = append(list, nodeMutations(child)...)
	}
	return list
}
