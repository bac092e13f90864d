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

// grouper folds streamed rows into groups.
type grouper struct {
	plan      *groupPlan
	s         *session
	frame     *frame
	groups    []*groupState
	index     map[string]int // a group's key to its position in groups
	keyValues []Value
	key       []byte // reused: lookups by string(key) do not allocate
}

type groupState struct {
	first        []Value // a copy of the group's first row
	accumulators []accumulator
}

func (g *groupPlan) start(s *session, outer *frame) *grouper {
	return &grouper{plan: g, s: s, frame: &frame{outer: outer}, index: map[string]int{}, keyValues: make([]Value, len(g.keys))}
}

// add folds one row (over the FROM layout; it may be reused after).
func (g *grouper) add(row []Value) error {
	g.frame.row = row
	for i, k := range g.plan.keys {
		v, err := k.eval(g.s, g.frame)
		if err != nil {
			return err
		}
		g.keyValues[i] = v
	}
	g.key = appendRowKey(g.key[:0], g.keyValues)
	calls := g.plan.aggregates.calls
	position, ok := g.index[string(g.key)]
	if !ok {
		position = len(g.groups)
		g.index[string(g.key)] = position
		g.groups = append(g.groups, &groupState{first: append([]Value(nil), row...), accumulators: make([]accumulator, len(calls))})
	}
	accumulators := g.groups[position].accumulators
	for i, call := range calls {
		if call.star {
			accumulators[i].count++
			continue
		}
		v, err := call.argument.eval(g.s, g.frame)
		if err != nil {
			return err
		}
		if err := accumulators[i].add(call, v); err != nil {
			return err
		}
	}
	return nil
}

// finish returns the grouped rows that HAVING accepts.
func (g *grouper) finish() ([][]Value, error) {
	plan := g.plan
	calls := plan.aggregates.calls
	if !plan.grouped && len(g.groups) == 0 {
		g.groups = append(g.groups, &groupState{first: make([]Value, plan.aggregates.inputWidth), accumulators: make([]accumulator, len(calls))})
	}
	out := make([][]Value, 0, len(g.groups))
	for _, gr := range g.groups {
		row := make([]Value, plan.aggregates.inputWidth+len(calls))
		copy(row, gr.first)
		for i, call := range calls {
			row[plan.aggregates.inputWidth+i] = gr.accumulators[i].result(call)
		}
		if plan.having != nil {
			g.frame.row = row
			ok, err := holds(g.s, plan.having, g.frame)
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
