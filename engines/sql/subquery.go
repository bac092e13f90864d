package sql

import (
	"fmt"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Subqueries in expressions. A subquery runs once per distinct value of
// the outer columns it reads (its correlation): an uncorrelated one runs
// once per statement, a correlated one once per distinct outer row it
// can see, and its answers are remembered. IN (SELECT ...) keeps the
// answer as a hash set, so a filter x IN (SELECT y ...) is a hash semi
// join and NOT IN an anti join, with SQL's NULL rules: over an empty
// answer IN is false and NOT IN true; otherwise a NULL operand, or no
// match when the answer holds a NULL, is unknown.

// subqueryExpression is an expression that runs a subquery.
type subqueryExpression interface {
	expression
	correlated() *correlation
}

// subqueryAnswersMax bounds the answers one subquery remembers; past it
// new outer values are answered without remembering.
const subqueryAnswersMax = 1 << 12

// subquery is a planned subquery and its remembered answers.
type subquery struct {
	plan        *queryPlan
	correlation *correlation
	// volatile subqueries (GEN_RANDOM_UUID) run every time.
	volatile bool
	answers  map[string]*subqueryAnswer
	only     *subqueryAnswer // the answer of an uncorrelated subquery
	key      []byte
}

// subqueryAnswer is one answer: the rows, and for IN the value set.
type subqueryAnswer struct {
	result *Result
	set    *valueSet
}

func (c *compiler) planSubquery(q *parser.Query, kind string) (*subquery, error) {
	sub := &subquery{correlation: &correlation{}}
	volatileBefore := c.s.volatileCompiled
	plan, err := c.s.planner().planQuery(q, queryContext{outer: c.scope, correlation: sub.correlation, ctes: c.ctes})
	if err != nil {
		return nil, err
	}
	if kind != "EXISTS" && len(plan.columns) != 1 {
		return nil, fmt.Errorf("%w: %s subquery returns %d columns, not 1", ErrInvalid, kind, len(plan.columns))
	}
	sub.plan, sub.volatile = plan, c.s.volatileCompiled != volatileBefore
	return sub, nil
}

// answer runs the subquery for the outer frame f, or returns the
// remembered answer for the same outer values.
func (q *subquery) answer(s *session, f *frame) (*subqueryAnswer, error) {
	if q.volatile {
		result, err := q.plan.run(s, f)
		return &subqueryAnswer{result: result}, err
	}
	if q.only != nil {
		return q.only, nil
	}
	q.key = q.key[:0]
	for _, reference := range q.correlation.references {
		owner := f
		for range reference.depth {
			owner = owner.outer
		}
		q.key = appendGroupKey(q.key, owner.row[reference.position])
		q.key = append(q.key, 0)
	}
	if known, ok := q.answers[string(q.key)]; ok {
		return known, nil
	}
	result, err := q.plan.run(s, f)
	if err != nil {
		return nil, err
	}
	answer := &subqueryAnswer{result: result}
	if len(q.correlation.references) == 0 {
		q.only = answer
		return answer, nil
	}
	if q.answers == nil {
		q.answers = map[string]*subqueryAnswer{}
	}
	if len(q.answers) < subqueryAnswersMax {
		q.answers[string(q.key)] = answer
	}
	return answer, nil
}

func (c *compiler) exists(e *parser.Exists) (expression, error) {
	sub, err := c.planSubquery(e.Query, "EXISTS")
	if err != nil {
		return nil, err
	}
	out := &existsExpr{sub: sub}
	if sub.correlatedly() {
		out.semi = c.decorrelate(e.Query, true)
	}
	return out, nil
}

func (c *compiler) scalarSubquery(e *parser.Subquery) (expression, error) {
	sub, err := c.planSubquery(e.Query, "scalar")
	if err != nil {
		return nil, err
	}
	return &scalarSubqueryExpr{sub: sub}, nil
}

func (c *compiler) inSubquery(e *parser.InSubquery) (expression, error) {
	operand, err := c.compile(e.Operand)
	if err != nil {
		return nil, err
	}
	sub, err := c.planSubquery(e.Query, "IN")
	if err != nil {
		return nil, err
	}
	out := &inSubqueryExpr{operand: operand, sub: sub, not: e.Not}
	if sub.correlatedly() {
		out.semi = c.decorrelate(e.Query, false)
	}
	return out, nil
}

// correlatedly reports a correlated subquery that may be decorrelated.
func (q *subquery) correlatedly() bool { return len(q.correlation.references) > 0 && !q.volatile }

type existsExpr struct {
	sub  *subquery
	semi *semiJoin // nil unless decorrelated
}

func (e *existsExpr) each(func(expression))    {}
func (e *existsExpr) correlated() *correlation { return e.sub.correlation }
func (e *existsExpr) eval(s *session, f *frame) (Value, error) {
	if e.semi != nil {
		group, ok, err := e.semi.probe(s, f)
		if err != nil || ok {
			return Bool(group != nil), err
		}
	}
	answer, err := e.sub.answer(s, f)
	if err != nil {
		return Value{}, err
	}
	return Bool(len(answer.result.Rows) > 0), nil
}

type scalarSubqueryExpr struct{ sub *subquery }

func (e *scalarSubqueryExpr) each(func(expression))    {}
func (e *scalarSubqueryExpr) correlated() *correlation { return e.sub.correlation }
func (e *scalarSubqueryExpr) eval(s *session, f *frame) (Value, error) {
	answer, err := e.sub.answer(s, f)
	if err != nil {
		return Value{}, err
	}
	switch len(answer.result.Rows) {
	case 0:
		return Null(), nil
	case 1:
		return answer.result.Rows[0][0], nil
	}
	return Value{}, fmt.Errorf("%w: scalar subquery returns more than one row", ErrInvalid)
}

type inSubqueryExpr struct {
	operand expression
	sub     *subquery
	not     bool
	semi    *semiJoin // nil unless decorrelated
}

func (e *inSubqueryExpr) each(visit func(expression)) { visit(e.operand) }
func (e *inSubqueryExpr) correlated() *correlation    { return e.sub.correlation }
func (e *inSubqueryExpr) eval(s *session, f *frame) (Value, error) {
	v, err := e.operand.eval(s, f)
	if err != nil {
		return Value{}, err
	}
	if e.semi != nil {
		group, ok, err := e.semi.probe(s, f)
		switch {
		case err != nil:
			return Value{}, err
		case ok && group == nil:
			return Bool(e.not), nil // an empty answer
		case ok:
			if group.set == nil {
				group.set = newValueSet(group.rows)
			}
			return group.set.in(v, e.not)
		}
	}
	answer, err := e.sub.answer(s, f)
	if err != nil {
		return Value{}, err
	}
	if answer.set == nil {
		answer.set = newValueSet(answer.result.Rows)
	}
	return answer.set.in(v, e.not)
}

// valueSet is the answer of an IN subquery: its values, and a hash of
// them when their hashes agree with equality (all numbers, or all of one
// type).
type valueSet struct {
	values   []Value
	sawNull  bool
	hashed   map[string][]int // group key to positions in values
	integers map[int64]bool   // when every value is a BIGINT: the values
	numeric  bool
	onlyType Type
}

func newValueSet(rows [][]Value) *valueSet {
	set := &valueSet{values: make([]Value, 0, len(rows)), numeric: true}
	mixed := false
	for _, row := range rows {
		v := row[0]
		set.values = append(set.values, v)
		if v.IsNull() {
			set.sawNull = true
			continue
		}
		set.numeric = set.numeric && v.isNumeric()
		if set.onlyType == 0 {
			set.onlyType = v.typ
		} else if set.onlyType != v.typ {
			mixed = true
		}
	}
	if mixed && !set.numeric {
		return set
	}
	if !mixed && set.onlyType == TypeInt {
		set.integers = make(map[int64]bool, len(set.values))
		for _, v := range set.values {
			if !v.IsNull() {
				set.integers[v.integer] = true
			}
		}
		return set
	}
	set.hashed = make(map[string][]int, len(set.values))
	var key []byte
	for i, v := range set.values {
		if !v.IsNull() {
			key = appendGroupKey(key[:0], v)
			set.hashed[string(key)] = append(set.hashed[string(key)], i)
		}
	}
	return set
}

// in is the three-valued v [NOT] IN set.
func (set *valueSet) in(v Value, not bool) (Value, error) {
	if len(set.values) == 0 {
		return Bool(not), nil
	}
	if v.IsNull() {
		return Null(), nil
	}
	if set.integers != nil && v.isNumeric() {
		integer, exact, general := integerKey(v)
		switch {
		case general:
			return inValues(v, set.values, not)
		case exact && set.integers[integer]:
			return Bool(!not), nil
		case set.sawNull:
			return Null(), nil
		}
		return Bool(not), nil
	}
	hashable := set.hashed != nil && (set.numeric && v.isNumeric() || v.typ == set.onlyType || set.onlyType == 0)
	if !hashable {
		return inValues(v, set.values, not)
	}
	var buffer [32]byte
	for _, i := range set.hashed[string(appendGroupKey(buffer[:0], v))] {
		if result, ok := compareValues(v, set.values[i]); ok && result == 0 {
			return Bool(!not), nil
		}
	}
	if set.sawNull {
		return Null(), nil
	}
	return Bool(not), nil
}
