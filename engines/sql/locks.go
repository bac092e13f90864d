package sql

import (
	"maps"
	"slices"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/bugs"
)

// bound is one end of an interval; unset means unbounded.
type bound struct {
	Set       bool
	Value     Value
	Inclusive bool
}

// predicate is a shared predicate lock: the rows of Table whose Column
// lies between Low and High. An empty Column means every row of the
// table. Invariant: a predicate is implied by the WHERE clause of the
// statement that took it, so every row the statement's answer depends on
// satisfies it.
type predicate struct {
	Table  string
	Column string
	Low    bound
	High   bound
}

func (p predicate) equal(other predicate) bool {
	return p.Table == other.Table && p.Column == other.Column && boundEqual(p.Low, other.Low) && boundEqual(p.High, other.High)
}

func boundEqual(a, b bound) bool {
	return a.Set == b.Set && a.Inclusive == b.Inclusive && a.Value == b.Value
}

// rowImage is a row as a row lock keeps it: its values, named by
// columns (shared with the schema it was read under; never changed).
type rowImage struct {
	columns []string
	values  []Value
}

func (image rowImage) equal(other rowImage) bool {
	return slices.Equal(image.columns, other.columns) && slices.Equal(image.values, other.values)
}

// rowLock is an exclusive lock on one row key of a table, with the images
// (before and after) of the row, so predicates can be tested against it.
// The key (which starts with the table's id) identifies the lock.
type rowLock struct {
	Table  string
	Key    string
	Images []rowImage
}

// mayMatch reports whether some image could satisfy p. It answers true
// when in doubt (a column missing from the image, incomparable types):
// the overlap test must be sound, not precise.
func (p predicate) mayMatch(images []rowImage) bool {
	if p.Column == "" {
		return true
	}
	for _, image := range images {
		if p.imageMayMatch(image) {
			return true
		}
	}
	return false
}

func (p predicate) imageMayMatch(image rowImage) bool {
	if bugs.Enabled(bugs.PredicateIgnoresNonKeyColumns) && len(image.columns) > 0 && image.columns[0] != p.Column { // planted bug: only the key column overlaps
		return false
	}
	for i, name := range image.columns {
		if name != p.Column {
			continue
		}
		v := image.values[i]
		if v.IsNull() {
			return false // a comparison never holds for NULL
		}
		return p.Low.admitsFromBelow(v) && p.High.admitsFromAbove(v)
	}
	return true
}

func (b bound) admitsFromBelow(v Value) bool {
	if !b.Set {
		return true
	}
	result, ok := compareValues(v, b.Value)
	return !ok || result > 0 || result == 0 && b.Inclusive
}

func (b bound) admitsFromAbove(v Value) bool {
	if !b.Set {
		return true
	}
	result, ok := compareValues(v, b.Value)
	return !ok || result < 0 || result == 0 && b.Inclusive
}

// locker takes the locks of one statement's transaction. For a
// snapshot read (record nil) schema and predicate locks are granted
// without being recorded: a snapshot needs none.
type locker struct {
	engine *Engine
	txn    engines.TxnID
	record *transaction
}

// schema takes a schema lock on resource ("t:"+table, "i:"+index).
func (l locker) schema(resource string, exclusive bool) error {
	if l.record == nil {
		return nil
	}
	if held, ok := l.record.schema[resource]; ok && (held || !exclusive) {
		return nil
	}
	if blockers := l.engine.schemaBlockers(l.txn, resource, exclusive); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	if l.record.schema == nil {
		l.record.schema = map[string]bool{}
	}
	l.record.schema[resource] = exclusive
	return nil
}

// predicate takes a shared predicate lock, unless an equal or
// whole-table one is held.
func (l locker) predicate(p predicate) error {
	if l.record == nil {
		return nil
	}
	for _, held := range l.record.predicates {
		if held.equal(p) || held.Table == p.Table && held.Column == "" {
			return nil
		}
	}
	if blockers := l.engine.predicateBlockers(l.txn, p); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	if p.Column == "" {
		// The whole-table lock covers every narrower one of the table.
		kept := l.record.predicates[:0]
		for _, held := range l.record.predicates {
			if held.Table != p.Table {
				kept = append(kept, held)
			}
		}
		l.record.predicates = kept
	}
	l.record.predicates = append(l.record.predicates, p)
	return nil
}

// row takes (or extends) an exclusive lock on a row key.
func (l locker) row(lock rowLock) error {
	if blockers := l.engine.rowBlockers(l.txn, lock); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	held, ok := l.record.rows[lock.Key]
	if !ok {
		if l.record.rows == nil {
			l.record.rows = map[string]rowLock{}
		}
		l.record.rows[lock.Key] = lock
		return nil
	}
	for _, image := range lock.Images {
		if !slices.ContainsFunc(held.Images, image.equal) {
			held.Images = append(held.Images, image)
		}
	}
	l.record.rows[lock.Key] = held
	return nil
}

// others returns the live transactions other than txn, oldest first.
func (e *Engine) others(txn engines.TxnID) []engines.TxnID {
	if live := e.transactions.Lookup(txn) != nil; e.transactions.Len() == 0 || e.transactions.Len() == 1 && live {
		return nil // the common case of one transaction at a time, without allocating
	}
	return slices.DeleteFunc(e.transactions.IDs(), func(id engines.TxnID) bool { return id == txn })
}

// schemaBlockers returns the transactions whose schema locks on resource
// conflict with a lock of the given mode.
func (e *Engine) schemaBlockers(txn engines.TxnID, resource string, exclusive bool) []engines.TxnID {
	var blockers []engines.TxnID
	for _, other := range e.others(txn) {
		held, ok := e.transactions.Lookup(other).schema[resource]
		if ok && (exclusive || held) {
			blockers = append(blockers, other)
		}
	}
	return blockers
}

// predicateBlockers returns the transactions holding row locks that p
// may cover.
func (e *Engine) predicateBlockers(txn engines.TxnID, p predicate) []engines.TxnID {
	var blockers []engines.TxnID
	for _, other := range e.others(txn) {
		record := e.transactions.Lookup(other)
		for _, key := range sortedKeys(record.rows) {
			lock := record.rows[key]
			if lock.Table == p.Table && p.mayMatch(lock.Images) {
				blockers = append(blockers, other)
				break
			}
		}
	}
	return blockers
}

// rowBlockers returns the transactions holding the same row, or a
// predicate that one of the images may satisfy.
func (e *Engine) rowBlockers(txn engines.TxnID, lock rowLock) []engines.TxnID {
	var blockers []engines.TxnID
	for _, other := range e.others(txn) {
		record := e.transactions.Lookup(other)
		if _, held := record.rows[lock.Key]; held {
			blockers = append(blockers, other)
			continue
		}
		for _, p := range record.predicates {
			if p.Table == lock.Table && p.mayMatch(lock.Images) {
				blockers = append(blockers, other)
				break
			}
		}
	}
	return blockers
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}
