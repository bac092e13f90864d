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

func (n *lookupJoinNode) run(s *session, outer *frame) (rowSet, error) {
	leftSet, err := n.left.run(s, outer)
	if err != nil {
		return rowSet{}, err
	}
	if err := s.locks().predicate(n.lock); err != nil {
		return rowSet{}, err
	}
	left := &joinInput{set: leftSet, spans: n.leftSpans, scratch: make([]Value, n.width)}
	run := &lookupRun{node: n, s: s, left: left, frame: &frame{outer: outer}, keyFrame: &frame{outer: outer},
		conditions: append(compiledOf(n.filters), compiledOf(n.on)...), columnType: n.path.columnType()}
	for l := range leftSet.rows {
		if err := run.probe(l); err != nil {
			return rowSet{}, err
		}
	}
	return rowSet{rows: run.out}, nil
}

// lookupRun is the state of one run of a lookup join.
type lookupRun struct {
	node            *lookupJoinNode
	s               *session
	left            *joinInput
	frame, keyFrame *frame
	conditions      []expression
	columnType      columnType
	out             [][]Value
	slab            []Value
	all             [][]Value // every row of the leaf, read once when needed
	allRead         bool
}

// probe joins left row l to the rows its key finds.
func (r *lookupRun) probe(l int) error {
	r.keyFrame.row = r.left.view(l)
	v, err := r.node.key.eval(r.s, r.keyFrame)
	if err != nil || v.IsNull() {
		return err
	}
	if !sameKind(v, r.columnType) {
		return r.probeAll(l)
	}
	key := bound{Set: true, Value: v, Inclusive: true}
	if !exactIn(key, r.columnType) {
		return nil // a value the column cannot hold equals none of its values
	}
	path := r.node.path
	path.low, path.high = key, key
	return r.s.readPath(path, func(_ []byte, row []Value) error {
		_, err := r.try(l, row, nil)
		return err
	})
}

// probeAll compares left row l with every row of the leaf, with the
// equality itself among the conditions.
func (r *lookupRun) probeAll(l int) error {
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
		if _, err := r.try(l, row, r.node.equality.compiled); err != nil {
			return err
		}
	}
	return nil
}

// try emits left row l joined with a row of the leaf when the
// conditions (and extra, if any) hold.
func (r *lookupRun) try(l int, row []Value, extra expression) (bool, error) {
	width := r.node.width
	if len(r.slab) < width {
		r.slab = make([]Value, width*joinSlabRows)
	}
	combined := r.slab[:width:width]
	r.left.place(combined, l)
	copy(combined[r.node.leaf.offset:], row)
	r.frame.row = combined
	if extra != nil {
		if ok, err := holds(r.s, extra, r.frame); err != nil || !ok {
			return false, err
		}
	}
	ok, err := holdsAll(r.s, r.conditions, r.frame)
	if err != nil || !ok {
		return false, err
	}
	r.out = append(r.out, combined)
	r.slab = r.slab[width:]
	return true, r.s.produced(1)
}

// sameKind reports whether v compares with values of type t without
// conversion: both numbers, or the same type.
func sameKind(v Value, t columnType) bool {
	numeric := func(typ Type) bool { return typ == TypeInt || typ == TypeFloat || typ == TypeDecimal }
	return numeric(v.typ) && numeric(t.Type) || v.typ == t.Type
}
