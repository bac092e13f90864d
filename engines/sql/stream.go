package sql

// FROM nodes stream their rows: each calls visit with every row, in an
// order that depends only on the plan and the data. A join passes a
// buffer it reuses for every row, so a consumer that keeps a row copies
// it (unless the node is stable: scans and derived tables pass rows they
// never touch again). Only what must be kept is materialized: the build
// side of a hash join, the rows of a group's first row, output rows. The
// statement's row budget (intermediateMax) counts every row a scan keeps
// and every row a join produces, so no plan runs unbounded.

// fromNode produces the rows of a FROM clause (or of part of it).
type fromNode interface {
	each(s *session, outer *frame, visit func(row []Value) error) error
	// local reports rows that hold one leaf's columns only (scans and
	// derived tables), to be placed at the leaf's offset; other nodes
	// pass rows in the canonical layout.
	local() bool
	// stable reports rows that stay valid after visit returns.
	stable() bool
	explain(w *explainWriter, indent int)
}

// span is where one leaf's columns sit in the canonical layout.
type span struct{ offset, width int }

// collectRows materializes a node's rows, copying them unless stable.
func collectRows(s *session, node fromNode, outer *frame) ([][]Value, error) {
	var rows [][]Value
	stable := node.stable()
	var slab []Value
	err := node.each(s, outer, func(row []Value) error {
		if !stable {
			if len(slab) < len(row) {
				slab = make([]Value, len(row)*joinSlabRows)
			}
			kept := slab[:len(row):len(row)]
			copy(kept, row)
			slab, row = slab[len(row):], kept
		}
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// singleRowNode is the FROM of a SELECT without FROM: one empty row.
type singleRowNode struct{ width int }

func (n *singleRowNode) each(_ *session, _ *frame, visit func([]Value) error) error {
	return visit(make([]Value, n.width))
}
func (n *singleRowNode) local() bool  { return false }
func (n *singleRowNode) stable() bool { return true }

// gateNode evaluates conditions that read no row of its FROM once,
// before anything is read: when one does not hold, nothing is.
type gateNode struct {
	conditions []conjunct
	child      fromNode
}

func gateNodeOf(conditions []conjunct, child fromNode) fromNode {
	if len(conditions) == 0 {
		return child
	}
	return &gateNode{conditions: conditions, child: child}
}

func (n *gateNode) each(s *session, outer *frame, visit func([]Value) error) error {
	ok, err := holdsAll(s, compiledOf(n.conditions), &frame{outer: outer})
	if err != nil || !ok {
		return err
	}
	return n.child.each(s, outer, visit)
}
func (n *gateNode) local() bool  { return n.child.local() }
func (n *gateNode) stable() bool { return n.child.stable() }

func compiledOf(conditions []conjunct) []expression {
	out := make([]expression, len(conditions))
	for i, c := range conditions {
		out[i] = c.compiled
	}
	return out
}

// filterNode passes the canonical rows of its child that satisfy every
// condition.
type filterNode struct {
	child   fromNode
	filters []conjunct
}

func (n *filterNode) each(s *session, outer *frame, visit func([]Value) error) error {
	conditions := compiledOf(n.filters)
	f := &frame{outer: outer}
	return n.child.each(s, outer, func(row []Value) error {
		f.row = row
		ok, err := holdsAll(s, conditions, f)
		if err != nil || !ok {
			return err
		}
		return visit(row)
	})
}
func (n *filterNode) local() bool  { return n.child.local() }
func (n *filterNode) stable() bool { return n.child.stable() }

// orderedNode marks a group joined in a chosen order, for EXPLAIN.
type orderedNode struct {
	child fromNode
	order []string
}

func (n *orderedNode) each(s *session, outer *frame, visit func([]Value) error) error {
	return n.child.each(s, outer, visit)
}
func (n *orderedNode) local() bool  { return n.child.local() }
func (n *orderedNode) stable() bool { return n.child.stable() }

// leafFilter evaluates a leaf's conditions over its local rows: each row
// is placed in a canonical row (when the leaf is not the whole layout)
// that the conditions read.
type leafFilter struct {
	conditions []expression
	offset     int
	scratch    []Value
	frame      *frame
}

func newLeafFilter(filters []conjunct, l *leaf, width int, outer *frame) *leafFilter {
	if len(filters) == 0 {
		return nil
	}
	f := &leafFilter{conditions: compiledOf(filters), offset: l.offset, frame: &frame{outer: outer}}
	if l.width != width {
		f.scratch = make([]Value, width)
	}
	return f
}

func (f *leafFilter) keeps(s *session, row []Value) (bool, error) {
	if f == nil {
		return true, nil
	}
	f.frame.row = row
	if f.scratch != nil {
		copy(f.scratch[f.offset:], row)
		f.frame.row = f.scratch
	}
	return holdsAll(s, f.conditions, f.frame)
}

// scanNode reads a base table through its access path, under the
// path's predicate lock, passing the rows its conditions accept. When
// the conditions hold parameters the path is chosen again from each
// run's arguments, so a kept plan serves any.
type scanNode struct {
	leaf          *leaf
	path          accessPath
	width         int
	filters       []conjunct
	parameterized bool
}

func (n *scanNode) each(s *session, outer *frame, visit func([]Value) error) error {
	path := n.path
	if n.parameterized {
		path = s.planner().chooseAccess(n.leaf.table, n.leaf.offset, compiledOf(n.filters))
	}
	if err := s.locks().predicate(path.lock); err != nil {
		return err
	}
	filter := newLeafFilter(n.filters, n.leaf, n.width, outer)
	return s.readPath(path, func(_ []byte, row []Value) error {
		ok, err := filter.keeps(s, row)
		if err != nil || !ok {
			return err
		}
		if err := s.produced(1); err != nil {
			return err
		}
		return visit(row)
	})
}
func (n *scanNode) local() bool  { return true }
func (n *scanNode) stable() bool { return true }

// derivedNode runs the query of a derived table, view or common table
// expression.
type derivedNode struct {
	leaf    *leaf
	width   int
	filters []conjunct
}

func (n *derivedNode) each(s *session, outer *frame, visit func([]Value) error) error {
	result, err := n.leaf.derived.run(s, outer)
	if err != nil {
		return err
	}
	filter := newLeafFilter(n.filters, n.leaf, n.width, outer)
	for _, row := range result.Rows {
		ok, err := filter.keeps(s, row)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := s.produced(1); err != nil {
			return err
		}
		if err := visit(row); err != nil {
			return err
		}
	}
	return nil
}
func (n *derivedNode) local() bool  { return true }
func (n *derivedNode) stable() bool { return true }
