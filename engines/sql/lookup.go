package sql

// lookupJoinNode joins a base-table leaf to its left input by looking
// up, for each left row, the leaf's rows whose key column equals the
// left row's key: a point read of the primary key or of an index. It
// holds the predicate lock of the leaf's own conditions (the whole table
// without any), taken once before the first lookup. A key whose type is
// not the column's kind (a number for a text column, say) is compared
// the general way, against every row of the leaf.
type lookupJoinNode struct {
	left      fromNode
	leaf      *leaf
	path      accessPath // index (or primary key) and column; bounds set per lookup
	lock      predicate
	key       expression // over the left rows
	equality  conjunct   // key = the leaf's column
	filters   []conjunct // the leaf's own conditions
	on        []conjunct // the other conditions of the join
	width     int
	leftSpans []span
}

func (n *lookupJoinNode) local() bool  { return false }
func (n *lookupJoinNode) stable() bool { return false }

func (n *lookupJoinNode) each(s *session, outer *frame, visit func([]Value) error) error {
	if err := s.locks().predicate(n.lock); err != nil {
		return err
	}
	run := &lookupRun{node: n, s: s, visit: visit, combined: make([]Value, n.width),
		conditions: append(compiledOf(n.filters), compiledOf(n.on)...), columnType: n.path.columnType()}
	run.frame = &frame{outer: outer, row: run.combined}
	local := n.left.local()
	return n.left.each(s, outer, func(row []Value) error {
		place(run.combined, row, local, n.leftSpans)
		return run.probe()
	})
}

// lookupRun is the state of one run of a lookup join.
type lookupRun struct {
	node       *lookupJoinNode
	s          *session
	visit      func([]Value) error
	combined   []Value // the left row, then each row found beside it
	frame      *frame  // over combined
	conditions []expression
	columnType columnType
	all        [][]Value // every row of the leaf, read once when needed
	allRead    bool
}

// probe joins the left row in combined to the rows its key finds.
func (r *lookupRun) probe() error {
	v, err := r.node.key.eval(r.s, r.frame)
	if err != nil || v.IsNull() {
		return err
	}
	if !sameKind(v, r.columnType) {
		return r.probeAll()
	}
	key := bound{Set: true, Value: v, Inclusive: true}
	if !exactIn(key, r.columnType) {
		return nil // a value the column cannot hold equals none of its values
	}
	path := r.node.path
	path.low, path.high = key, key
	return r.s.readPath(path, func(_ []byte, row []Value) error {
		return r.try(row, nil)
	})
}

// probeAll compares the left row with every row of the leaf, with the
// equality itself among the conditions.
func (r *lookupRun) probeAll() error {
	if !r.allRead {
		full := accessPath{table: r.node.leaf.table}
		err := r.s.readPath(full, func(_ []byte, row []Value) error {
			r.all = append(r.all, row)
			return nil
		})
		if err != nil {
			return err
		}
		r.allRead = true
	}
	for _, row := range r.all {
		if err := r.try(row, r.node.equality.compiled); err != nil {
			return err
		}
	}
	return nil
}

// try passes the left row joined with a row of the leaf on when the
// conditions (and extra, if any) hold.
func (r *lookupRun) try(row []Value, extra expression) error {
	copy(r.combined[r.node.leaf.offset:], row)
	if extra != nil {
		if ok, err := holds(r.s, extra, r.frame); err != nil || !ok {
			return err
		}
	}
	ok, err := holdsAll(r.s, r.conditions, r.frame)
	if err != nil || !ok {
		return err
	}
	if err := r.s.produced(1); err != nil {
		return err
	}
	return r.visit(r.combined)
}

// sameKind reports whether v compares with values of type t without
// conversion: both numbers, or the same type.
func sameKind(v Value, t columnType) bool {
	numeric := func(typ Type) bool { return typ == TypeInt || typ == TypeFloat || typ == TypeDecimal }
	return numeric(v.typ) && numeric(t.Type) || v.typ == t.Type
}
