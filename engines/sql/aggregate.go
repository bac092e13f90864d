package sql

import "github.com/proven2pc/proven/engines/sql/parser"

// groupPlan aggregates the rows of FROM: one group per distinct GROUP BY
// key (in order of first appearance), or one group of every row without
// GROUP BY. A grouped row holds the group's first input row (NULLs for
// an empty group), so that columns outside GROUP BY read as in SQLite,
// followed by one slot per aggregate call.
type groupPlan struct {
	keys       []expression
	aggregates *aggregateSet
	having     expression // nil: none
	grouped    bool       // GROUP BY was given
}

// aggregateSet is the aggregate calls of one SELECT, each with its slot
// after the input columns.
type aggregateSet struct {
	inputWidth int
	calls      []*aggregateCall
}

// slot returns the position of call's result, sharing equal calls.
func (a *aggregateSet) slot(call *aggregateCall) int {
	for i, existing := range a.calls {
		if existing.key == call.key {
			return a.inputWidth + i
		}
	}
	a.calls = append(a.calls, call)
	return a.inputWidth + len(a.calls) - 1
}

type aggregateCall struct {
	name     string
	distinct bool
	star     bool
	argument expression // nil for COUNT(*)
	key      string     // the call as written, to share equal calls
}

// accumulator folds one aggregate call over a group.
type accumulator struct {
	count int64
	value Value           // the sum so far, or the least or greatest value
	seen  map[string]bool // DISTINCT: the values met
}

func (a *accumulator) add(call *aggregateCall, v Value) error {
	if v.IsNull() {
		return nil
	}
	if call.distinct {
		key := groupKey(v)
		if a.seen[key] {
			return nil
		}
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		a.seen[key] = true
	}
	a.count++
	switch call.name {
	case "COUNT":
		return nil
	case "MIN", "MAX":
		if a.count == 1 {
			a.value = v
			return nil
		}
		result, ok := compareValues(v, a.value)
		if !ok {
			return typeError(call.name, v, a.value)
		}
		if call.name == "MIN" && result < 0 || call.name == "MAX" && result > 0 {
			a.value = v
		}
		return nil
	}
	if a.count == 1 {
		if !v.isNumeric() {
			return typeError(call.name, v)
		}
		a.value = v
		return nil
	}
	sum, err := arithmetic(parser.BinaryAdd, a.value, v)
	a.value = sum
	return err
}

func (a *accumulator) result(call *aggregateCall) Value {
	switch {
	case call.name == "COUNT":
		return Int(a.count)
	case a.count == 0:
		return Null()
	case call.name == "AVG":
		return Float(a.value.toFloat() / float64(a.count))
	}
	return a.value
}

// run groups rows (over inputs of the FROM layout) and returns the
// grouped rows that HAVING accepts.
func (g *groupPlan) run(s *session, rows [][]Value, outer *frame) ([][]Value, error) {
	type group struct {
		first        []Value
		accumulators []accumulator
	}
	calls := g.aggregates.calls
	var groups []*group
	index := map[string]int{} // a group's key to its position in groups
	keyValues := make([]Value, len(g.keys))
	var key []byte // reused: lookups by string(key) do not allocate
	f := &frame{outer: outer}
	for _, row := range rows {
		f.row = row
		for i, k := range g.keys {
			v, err := k.eval(s, f)
			if err != nil {
				return nil, err
			}
			keyValues[i] = v
		}
		key = appendRowKey(key[:0], keyValues)
		position, ok := index[string(key)]
		if !ok {
			position = len(groups)
			index[string(key)] = position
			groups = append(groups, &group{first: row, accumulators: make([]accumulator, len(calls))})
		}
		accumulators := groups[position].accumulators
		for i, call := range calls {
			if call.star {
				accumulators[i].count++
				continue
			}
			v, err := call.argument.eval(s, f)
			if err != nil {
				return nil, err
			}
			if err := accumulators[i].add(call, v); err != nil {
				return nil, err
			}
		}
	}
	if !g.grouped && len(groups) == 0 {
		groups = append(groups, &group{first: make([]Value, g.aggregates.inputWidth), accumulators: make([]accumulator, len(calls))})
	}
	out := make([][]Value, 0, len(groups))
	for _, gr := range groups {
		row := make([]Value, g.aggregates.inputWidth+len(calls))
		copy(row, gr.first)
		for i, call := range calls {
			row[g.aggregates.inputWidth+i] = gr.accumulators[i].result(call)
		}
		if g.having != nil {
			f.row = row
			ok, err := holds(s, g.having, f)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, row)
	}
	return out, nil
}
