package sql

import (
	"math"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// joinNode joins two inputs. With equality keys it hashes one side (the
// build side: the right input, or for an inner join the left when it is
// estimated smaller) and streams the other, probing the hash with each
// row's keys; without keys it tests every pair. Hashing is used only
// where it agrees with SQL equality: the build side's key values must be
// all numbers or all of one type per key, and a probe value of another
// kind is compared with every build row the general way. Output rows are
// canonical, in the order of the streamed side and, for each of its
// rows, of its matches; a RIGHT or FULL join passes its unmatched right
// rows last.
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
	buildLeft           bool // inner joins only
}

// joinSlabRows is how many copied rows one allocation holds.
const joinSlabRows = 64

func (j *joinNode) local() bool  { return false }
func (j *joinNode) stable() bool { return false }

// place writes a row of one side into a canonical row.
func place(dst, row []Value, local bool, spans []span) {
	if local {
		copy(dst[spans[0].offset:], row)
		return
	}
	for _, sp := range spans {
		copy(dst[sp.offset:sp.offset+sp.width], row[sp.offset:sp.offset+sp.width])
	}
}

// clearSpans sets one side's columns of a canonical row to NULL.
func clearSpans(dst []Value, spans []span) {
	for _, sp := range spans {
		clear(dst[sp.offset : sp.offset+sp.width])
	}
}

// joinSide is one input of a running join.
type joinSide struct {
	node  fromNode
	spans []span
	keys  []expression
}

func (j *joinNode) each(s *session, outer *frame, visit func([]Value) error) error {
	build := joinSide{node: j.right, spans: j.rightSpans, keys: j.rightKeys}
	stream := joinSide{node: j.left, spans: j.leftSpans, keys: j.leftKeys}
	if j.buildLeft {
		build, stream = stream, build
	}
	rows, err := collectRows(s, build.node, outer)
	if err != nil {
		return err
	}
	run := &joinRun{node: j, s: s, visit: visit, build: build, rows: rows, combined: make([]Value, j.width),
		hashed: compiledOf(j.on), general: append(compiledOf(j.equalities), compiledOf(j.on)...)}
	run.frame = &frame{outer: outer, row: run.combined}
	if run.index, err = newHashIndex(s, outer, rows, build, j.width); err != nil {
		return err
	}
	if j.kind == parser.JoinRight || j.kind == parser.JoinFull {
		run.matched = make([]bool, len(rows))
	}
	if err := stream.node.each(s, outer, func(row []Value) error { return run.probe(stream, row) }); err != nil {
		return err
	}
	if run.matched == nil {
		return nil
	}
	clearSpans(run.combined, j.leftSpans)
	for r, matched := range run.matched {
		if !matched {
			place(run.combined, rows[r], build.node.local(), build.spans)
			if err := run.emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinRun is the state of one run of a join.
type joinRun struct {
	node     *joinNode
	s        *session
	visit    func([]Value) error
	build    joinSide
	rows     [][]Value    // the build side's rows
	index    *hashIndex   // nil without keys
	matched  []bool       // RIGHT and FULL joins: build rows matched
	combined []Value      // the row being joined
	frame    *frame       // over combined
	hashed   []expression // conditions left after a hash match
	general  []expression // conditions of a pair found without the hash
}

func (r *joinRun) emit() error {
	if err := r.s.produced(1); err != nil {
		return err
	}
	return r.visit(r.combined)
}

// probe joins one streamed row with its matches among the build rows.
func (r *joinRun) probe(stream joinSide, row []Value) error {
	place(r.combined, row, stream.node.local(), stream.spans)
	candidates, general, err := r.index.candidates(r.s, r.frame, stream.keys)
	if err != nil {
		return err
	}
	found := false
	try := func(b int, conditions []expression) error {
		place(r.combined, r.rows[b], r.build.node.local(), r.build.spans)
		ok, err := holdsAll(r.s, conditions, r.frame)
		if err != nil || !ok {
			return err
		}
		found = true
		if r.matched != nil {
			r.matched[b] = true
		}
		return r.emit()
	}
	if general {
		for b := range r.rows {
			if err := try(b, r.general); err != nil {
				return err
			}
		}
	} else {
		for _, b := range candidates {
			if err := try(b, r.hashed); err != nil {
				return err
			}
		}
	}
	kind := r.node.kind
	if !found && (kind == parser.JoinLeft || kind == parser.JoinFull) {
		clearSpans(r.combined, r.node.rightSpans)
		return r.emit()
	}
	return nil
}

// hashIndex finds build rows by their key values. A single key whose
// values are all integers is hashed by value (heads and next chain the
// rows of each value, in order); other keys by their group keys.
type hashIndex struct {
	width   int
	keys    []Value // the build rows' keys, row after row
	buckets map[string][]int
	heads   map[int64]int32
	next    []int32 // the next build row of the same integer key, or -1
	kinds   []keyKind
	hashing bool
	probe   []Value
	key     []byte
	matches []int
}

// keyKind is what the build side's values of one key are: all numbers,
// or all of one type; empty when all are NULL.
type keyKind struct {
	numeric  bool
	integers bool // all BIGINT
	typ      Type
	empty    bool
}

func (k keyKind) admits(v Value) bool {
	return k.numeric && v.isNumeric() || v.typ == k.typ
}

func newHashIndex(s *session, outer *frame, rows [][]Value, build joinSide, width int) (*hashIndex, error) {
	if len(build.keys) == 0 {
		return nil, nil
	}
	index := &hashIndex{width: len(build.keys), keys: make([]Value, 0, len(rows)*len(build.keys)),
		probe: make([]Value, len(build.keys)), matches: make([]int, 0, 8)}
	scratch := make([]Value, width)
	f := &frame{outer: outer, row: scratch}
	for _, row := range rows {
		place(scratch, row, build.node.local(), build.spans)
		for _, key := range build.keys {
			v, err := key.eval(s, f)
			if err != nil {
				return nil, err
			}
			index.keys = append(index.keys, v)
		}
	}
	index.classify()
	if !index.hashing {
		return index, nil
	}
	if index.width == 1 && index.kinds[0].integers {
		index.heads = make(map[int64]int32, len(rows))
		index.next = make([]int32, len(rows))
		for r := len(rows) - 1; r >= 0; r-- { // pushed to the front: chains run in row order
			v := index.keys[r]
			if v.IsNull() {
				continue
			}
			head, ok := index.heads[v.integer]
			if !ok {
				head = -1
			}
			index.next[r], index.heads[v.integer] = head, int32(r)
		}
		return index, nil
	}
	index.buckets = make(map[string][]int, len(rows))
	for r := range rows {
		values := index.keys[r*index.width : (r+1)*index.width]
		if anyNull(values) {
			continue
		}
		index.key = appendRowKey(index.key[:0], values)
		index.buckets[string(index.key)] = append(index.buckets[string(index.key)], r)
	}
	return index, nil
}

// classify finds each key's kind; a key of mixed kinds turns hashing off.
func (h *hashIndex) classify() {
	h.kinds = make([]keyKind, h.width)
	h.hashing = true
	for column := range h.width {
		kind := keyKind{numeric: true, empty: true}
		mixed := false
		for i := column; i < len(h.keys); i += h.width {
			v := h.keys[i]
			if v.IsNull() {
				continue
			}
			kind.numeric = kind.numeric && v.isNumeric()
			if kind.empty {
				kind.typ, kind.empty = v.typ, false
			} else if kind.typ != v.typ {
				mixed = true
			}
		}
		kind.integers = !kind.empty && !mixed && kind.typ == TypeInt
		h.kinds[column] = kind
		h.hashing = h.hashing && (kind.numeric || !mixed)
	}
}

// candidates evaluates the probe keys over f and returns the build rows
// they hash to (exactly equal), or general when the rows must be tested
// the general way; a nil index means no keys (general).
func (h *hashIndex) candidates(s *session, f *frame, keys []expression) (rows []int, general bool, err error) {
	if h == nil {
		return nil, true, nil
	}
	for i, key := range keys {
		v, err := key.eval(s, f)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() || h.kinds[i].empty {
			return nil, false, nil // NULL = x, and x = a key of only NULLs, are never true
		}
		if !h.hashing || !h.kinds[i].admits(v) {
			return nil, true, nil
		}
		h.probe[i] = v
	}
	h.matches = h.matches[:0]
	if h.heads != nil {
		integer, exact, general := integerKey(h.probe[0])
		if general {
			return nil, true, nil
		}
		if !exact {
			return h.matches, false, nil // a fraction equals no integer
		}
		head, ok := h.heads[integer]
		for r := head; ok && r >= 0; r = h.next[r] {
			h.matches = append(h.matches, int(r))
		}
		return h.matches, false, nil
	}
	h.key = appendRowKey(h.key[:0], h.probe)
	for _, r := range h.buckets[string(h.key)] {
		if sameKeys(h.probe, h.keys[r*h.width:(r+1)*h.width]) {
			h.matches = append(h.matches, r)
		}
	}
	return h.matches, false, nil
}

// integerKey reads a number as an integer key: exact is false for a
// fraction; general is true when the float conversion could be inexact
// (beyond 2^53), for the general comparison to decide.
func integerKey(v Value) (integer int64, exact, general bool) {
	if v.typ == TypeInt {
		return v.integer, true, false
	}
	f := v.toFloat()
	if math.Abs(f) >= 1<<53 {
		return 0, false, true
	}
	return int64(f), f == math.Trunc(f), false
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
