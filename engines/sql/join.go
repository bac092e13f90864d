package sql

import "github.com/proven2pc/proven/engines/sql/parser"

// joinNode joins two inputs. With equality keys it probes a hash table
// of the right rows by the left rows' keys (when the keys' values hash
// alike: all numbers, or all of one type), else it tests every pair.
// Output rows are in the canonical layout, in the order of the left rows
// and, for each, of its matches; a RIGHT or FULL join appends the
// unmatched right rows last.
type joinNode struct {
	kind        parser.JoinKind
	left, right fromNode
	// leftKeys[i] = rightKeys[i] is the equality equalities[i], split by
	// side: leftKeys read only the left leaves, rightKeys the right ones.
	leftKeys, rightKeys []expression
	equalities          []conjunct
	on                  []conjunct // the other conditions of the join
	width               int
	leftSpans           []span
	rightSpans          []span
}

// joinSlabRows is how many joined rows one allocation holds.
const joinSlabRows = 256

// joinInput is one side of a join while it runs: its rows and how to
// read them in the canonical layout.
type joinInput struct {
	set     rowSet
	spans   []span
	scratch []Value // a canonical row for reading local rows
}

// view returns row i in the canonical layout (valid until the next call).
func (in *joinInput) view(i int) []Value {
	if !in.set.local {
		return in.set.rows[i]
	}
	copy(in.scratch[in.spans[0].offset:], in.set.rows[i])
	return in.scratch
}

// place writes row i's columns into a canonical row.
func (in *joinInput) place(dst []Value, i int) {
	row := in.set.rows[i]
	if in.set.local {
		copy(dst[in.spans[0].offset:], row)
		return
	}
	for _, sp := range in.spans {
		copy(dst[sp.offset:sp.offset+sp.width], row[sp.offset:sp.offset+sp.width])
	}
}

// clear sets this side's columns of a canonical row to NULL.
func (in *joinInput) clear(dst []Value) {
	for _, sp := range in.spans {
		clear(dst[sp.offset : sp.offset+sp.width])
	}
}

func (j *joinNode) run(s *session, outer *frame) (rowSet, error) {
	leftSet, err := j.left.run(s, outer)
	if err != nil {
		return rowSet{}, err
	}
	rightSet, err := j.right.run(s, outer)
	if err != nil {
		return rowSet{}, err
	}
	left := &joinInput{set: leftSet, spans: j.leftSpans, scratch: make([]Value, j.width)}
	right := &joinInput{set: rightSet, spans: j.rightSpans, scratch: make([]Value, j.width)}
	probe, conditions, err := j.prober(s, outer, left, right)
	if err != nil {
		return rowSet{}, err
	}
	return j.combine(s, outer, left, right, probe, conditions)
}

// prober returns, for a left row, the right rows worth testing, and the
// conditions a candidate pair must then satisfy.
func (j *joinNode) prober(s *session, outer *frame, left, right *joinInput) (func(int) []int, []expression, error) {
	everything := func(int) []int { return nil }
	all := append(compiledOf(j.equalities), compiledOf(j.on)...)
	if len(j.leftKeys) == 0 {
		return everything, all, nil
	}
	leftKeys, err := evaluateKeys(s, outer, left, j.leftKeys)
	if err != nil {
		return nil, nil, err
	}
	rightKeys, err := evaluateKeys(s, outer, right, j.rightKeys)
	if err != nil {
		return nil, nil, err
	}
	width := len(j.leftKeys)
	if !keysHashable(leftKeys, rightKeys, width) {
		return everything, all, nil
	}
	buckets := map[string][]int{}
	var key []byte // reused: lookups by string(key) do not allocate
	for r := range len(right.set.rows) {
		values := rightKeys[r*width : (r+1)*width]
		if anyNull(values) {
			continue
		}
		key = appendRowKey(key[:0], values)
		buckets[string(key)] = append(buckets[string(key)], r)
	}
	matches := make([]int, 0, 8) // never nil: nil means every right row
	probe := func(l int) []int {
		values := leftKeys[l*width : (l+1)*width]
		if anyNull(values) {
			return []int{}
		}
		key = appendRowKey(key[:0], values)
		matches = matches[:0]
		for _, r := range buckets[string(key)] {
			if sameKeys(values, rightKeys[r*width:(r+1)*width]) {
				matches = append(matches, r)
			}
		}
		return matches
	}
	return probe, compiledOf(j.on), nil
}

// evaluateKeys evaluates key expressions over every row of a side.
func evaluateKeys(s *session, outer *frame, in *joinInput, keys []expression) ([]Value, error) {
	out := make([]Value, 0, len(in.set.rows)*len(keys))
	f := &frame{outer: outer}
	for i := range in.set.rows {
		f.row = in.view(i)
		for _, key := range keys {
			v, err := key.eval(s, f)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// keysHashable reports whether hashing by group key agrees with SQL
// equality for every key column: all numeric, or all of one type.
func keysHashable(left, right []Value, width int) bool {
	for column := range width {
		seen, numeric, mixed := Type(0), true, false
		check := func(values []Value) {
			for i := column; i < len(values); i += width {
				v := values[i]
				if v.IsNull() {
					continue
				}
				numeric = numeric && v.isNumeric()
				if seen == 0 {
					seen = v.typ
				} else if seen != v.typ {
					mixed = true
				}
			}
		}
		check(left)
		check(right)
		if !numeric && mixed {
			return false
		}
	}
	return true
}

// sameKeys compares hashed keys exactly (group keys of decimals go
// through float64, so equal hashes may differ).
func sameKeys(a, b []Value) bool {
	for i := range a {
		if a[i].typ == TypeInt && b[i].typ == TypeInt || a[i].typ == TypeText && b[i].typ == TypeText {
			if a[i] != b[i] {
				return false
			}
			continue
		}
		if result, ok := compareValues(a[i], b[i]); !ok || result != 0 {
			return false
		}
	}
	return true
}

// combine emits the joined rows. probe returns nil for "every right row".
func (j *joinNode) combine(s *session, outer *frame, left, right *joinInput, probe func(int) []int, conditions []expression) (rowSet, error) {
	var out [][]Value
	rightMatched := make([]bool, len(right.set.rows))
	var slab []Value // joined rows are carved from slabs of joinSlabRows rows
	f := &frame{outer: outer}
	emit := func(row []Value) error {
		out = append(out, row)
		slab = slab[j.width:]
		return s.produced(1)
	}
	fresh := func() []Value {
		if len(slab) < j.width {
			slab = make([]Value, j.width*joinSlabRows)
		}
		return slab[:j.width:j.width]
	}
	for l := range left.set.rows {
		candidates := probe(l)
		count := len(candidates)
		if candidates == nil {
			count = len(right.set.rows)
		}
		matched := false
		for c := range count {
			r := c
			if candidates != nil {
				r = candidates[c]
			}
			row := fresh()
			left.place(row, l)
			right.place(row, r)
			f.row = row
			ok, err := holdsAll(s, conditions, f)
			if err != nil {
				return rowSet{}, err
			}
			if ok {
				matched, rightMatched[r] = true, true
				if err := emit(row); err != nil {
					return rowSet{}, err
				}
			}
		}
		if !matched && (j.kind == parser.JoinLeft || j.kind == parser.JoinFull) {
			row := fresh()
			left.place(row, l)
			right.clear(row)
			if err := emit(row); err != nil {
				return rowSet{}, err
			}
		}
	}
	if j.kind == parser.JoinRight || j.kind == parser.JoinFull {
		for r := range right.set.rows {
			if !rightMatched[r] {
				row := fresh()
				left.clear(row)
				right.place(row, r)
				if err := emit(row); err != nil {
					return rowSet{}, err
				}
			}
		}
	}
	return rowSet{rows: out}, nil
}
