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
	found := false
	var visit func(expression)
	visit = func(e expression) {
		if _, ok := e.(subqueryExpression); ok {
			found = true
		}
		e.each(visit)
	}
	for _, e := range append(append(slices.Clone(plan.conditions), plan.values...), plan.returningItems()...) {
		visit(e)
	}
	return found
}

func (plan *writePlan) returningItems() []expression {
	if plan.returning == nil {
		return nil
	}
	return plan.returning.items
}
