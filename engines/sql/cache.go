package sql

import (
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Caches of an Engine. They hold only what is a pure function of their
// key (a statement's text, a catalog entry's bytes), so a hit returns
// exactly what recomputing would: they change speed, never results. They
// are bounded and evict the least recently used entry; eviction depends
// only on the order of lookups, so it is deterministic too.
const (
	statementCacheEntriesMax = 256
	schemaCacheEntriesMax    = 64
)

// lruCache is a bounded map from string keys to values that evicts the
// least recently used entry. Invariant: len(entries) <= capacity and
// entries holds exactly the nodes of the list from newest to oldest.
type lruCache[V any] struct {
	capacity int
	entries  map[string]*lruNode[V]
	newest   *lruNode[V]
	oldest   *lruNode[V]
}

type lruNode[V any] struct {
	key          string
	value        V
	newer, older *lruNode[V]
}

func newLRUCache[V any](capacity int) *lruCache[V] {
	return &lruCache[V]{capacity: capacity, entries: make(map[string]*lruNode[V], capacity)}
}

// get returns the value under key and marks it most recently used.
func (c *lruCache[V]) get(key string) (V, bool) {
	node, ok := c.entries[key]
	return c.use(node, ok)
}

// getBytes is get(string(key)) without allocating a string.
func (c *lruCache[V]) getBytes(key []byte) (V, bool) {
	node, ok := c.entries[string(key)]
	return c.use(node, ok)
}

// use marks a found node most recently used and returns its value.
func (c *lruCache[V]) use(node *lruNode[V], found bool) (V, bool) {
	if !found {
		var zero V
		return zero, false
	}
	c.unlink(node)
	c.pushNewest(node)
	return node.value, true
}

// put stores value under key, evicting the least recently used entry
// when full.
func (c *lruCache[V]) put(key string, value V) {
	if node, ok := c.entries[key]; ok {
		node.value = value
		c.unlink(node)
		c.pushNewest(node)
		return
	}
	if len(c.entries) >= c.capacity {
		evicted := c.oldest
		c.unlink(evicted)
		delete(c.entries, evicted.key)
	}
	node := &lruNode[V]{key: key, value: value}
	c.entries[key] = node
	c.pushNewest(node)
}

func (c *lruCache[V]) unlink(node *lruNode[V]) {
	if node.newer != nil {
		node.newer.older = node.older
	} else {
		c.newest = node.older
	}
	if node.older != nil {
		node.older.newer = node.newer
	} else {
		c.oldest = node.newer
	}
	node.newer, node.older = nil, nil
}

func (c *lruCache[V]) pushNewest(node *lruNode[V]) {
	node.older = c.newest
	if c.newest != nil {
		c.newest.newer = node
	}
	c.newest = node
	if c.oldest == nil {
		c.oldest = node
	}
}

// parseStatement parses text, reusing the tree of an earlier parse of the
// same text. Requires: nothing mutates a parsed statement (execution only
// reads trees). Syntax errors are not cached.
func (e *Engine) parseStatement(text string) (parser.Statement, error) {
	if statement, ok := e.statements.get(text); ok {
		return statement, nil
	}
	statement, err := parser.Parse(text)
	if err != nil {
		return nil, err
	}
	e.statements.put(text, statement)
	return statement, nil
}

// decodeCachedSchema decodes a catalog entry, reusing the schema decoded
// from the same bytes before. The result is shared: callers must not
// mutate it (DDL changes a clone).
func (e *Engine) decodeCachedSchema(raw []byte) (*tableSchema, error) {
	if t, ok := e.schemas.getBytes(raw); ok {
		return t, nil
	}
	t, err := decodeSchema(raw)
	if err != nil {
		return nil, err
	}
	t.layout = newRowLayout(t)
	t.keyPositions = t.positions(t.PrimaryKey)
	t.names = t.columnNames()
	t.scope = tableScope(t).columns
	t.positionsAll = t.everyPosition()
	e.schemas.put(string(raw), t)
	return t, nil
}

// writePlanCache remembers compiled UPDATE and DELETE statements by
// their parse tree (shared through the statement cache) and the schema
// they were compiled against; a plan holding a subquery (whose answers
// are remembered per statement) is never kept. Compiling is a pure
// function of the tree and the schema (arguments stay parameters), so a
// kept plan is what compiling again would give. At writePlansMax entries
// the cache starts over: a deterministic bound.
type writePlanCache struct {
	plans map[parser.Statement]*writePlan
}

const writePlansMax = 256

func (c *writePlanCache) find(stmt parser.Statement, t *tableSchema) (*writePlan, bool) {
	plan, ok := c.plans[stmt]
	return plan, ok && plan.schema == t
}

func (c *writePlanCache) remember(stmt parser.Statement, plan *writePlan) {
	if plan.holdsSubquery() {
		return
	}
	if c.plans == nil || len(c.plans) >= writePlansMax {
		c.plans = make(map[parser.Statement]*writePlan, writePlansMax)
	}
	c.plans[stmt] = plan
}

func (plan *writePlan) holdsSubquery() bool {
	all := append(append(slices.Clone(plan.conditions), plan.values...), plan.returningItems()...)
	return slices.ContainsFunc(all, holdsSubquery)
}

func (plan *writePlan) returningItems() []expression {
	if plan.returning == nil {
		return nil
	}
	return plan.returning.items
}

// queryPlanCache keeps the plans of queries over one table and no
// subquery, view or common table expression, by parse tree, with the
// schema they were planned against. Such a plan depends on nothing else
// (no row estimates, no remembered answers; its access path is chosen
// again from each run's arguments), so a kept plan is what planning again
// would give. Finding one takes the table's schema lock as planning does.
type queryPlanCache struct {
	plans map[*parser.Query]*keptQuery
}

type keptQuery struct {
	plan       *queryPlan
	table      string
	schema     *tableSchema
	parameters int // the highest parameter number used
}

const queryPlansMax = 256

// find returns the kept plan of q if its table's schema is still the
// one it was planned against, else nil.
func (c *queryPlanCache) find(s *session, q *parser.Query) (*queryPlan, error) {
	kept, ok := c.plans[q]
	if !ok {
		return nil, nil
	}
	t, err := s.catalog().table(kept.table)
	if err != nil || t != kept.schema {
		return nil, nil // planning again reports what changed
	}
	if kept.parameters > len(s.args) {
		_, err := s.argument(kept.parameters)
		return nil, err
	}
	return kept.plan, nil
}

func (c *queryPlanCache) remember(q *parser.Query, plan *queryPlan, parameters int) {
	sel, ok := plan.body.(*selectPlan)
	if !ok {
		return
	}
	from := sel.from
	if gate, ok := from.(*gateNode); ok {
		from = gate.child
	}
	scan, ok := from.(*scanNode)
	if !ok || slices.ContainsFunc(plan.expressions(), holdsSubquery) {
		return
	}
	if c.plans == nil || len(c.plans) >= queryPlansMax {
		c.plans = make(map[*parser.Query]*keptQuery, queryPlansMax)
	}
	c.plans[q] = &keptQuery{plan: plan, table: scan.leaf.name, schema: scan.leaf.table, parameters: parameters}
}

// expressions lists every expression of a single-SELECT plan.
func (plan *queryPlan) expressions() []expression {
	sel := plan.body.(*selectPlan)
	out := append([]expression{plan.limit, plan.offset}, sel.items...)
	for _, key := range sel.order {
		out = append(out, key.expression)
	}
	if g := sel.grouping; g != nil {
		out = append(append(out, g.keys...), g.having)
		for _, call := range g.aggregates.calls {
			out = append(out, call.argument)
		}
	}
	from := sel.from
	if gate, ok := from.(*gateNode); ok {
		out = append(out, compiledOf(gate.conditions)...)
		from = gate.child
	}
	if scan, ok := from.(*scanNode); ok {
		out = append(out, compiledOf(scan.filters)...)
	}
	return slices.DeleteFunc(out, func(e expression) bool { return e == nil })
}

// holdsSubquery reports an expression that runs a subquery.
func holdsSubquery(e expression) bool {
	found := false
	var visit func(expression)
	visit = func(e expression) {
		if _, ok := e.(subqueryExpression); ok {
			found = true
		}
		e.each(visit)
	}
	visit(e)
	return found
}

// readsParameter reports an expression that reads an argument.
func readsParameter(e expression) bool {
	found := false
	var visit func(expression)
	visit = func(e expression) {
		if _, ok := e.(*paramExpr); ok {
			found = true
		}
		e.each(visit)
	}
	visit(e)
	return found
}
