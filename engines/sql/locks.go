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

// columnValue is one column of a row image.
type columnValue struct {
	Name  string
	Value Value
}

// rowLock is an exclusive lock on one row key of a table, with the images
// (before and after) of the row, so predicates can be tested against it.
type rowLock struct {
	Table  string
	Key    string
	Images [][]columnValue
}

// mayMatch reports whether some image could satisfy p. It answers true
// when in doubt (a column missing from the image, incomparable types):
// the overlap test must be sound, not precise.
func (p predicate) mayMatch(images [][]columnValue) bool {
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

func (p predicate) imageMayMatch(image []columnValue) bool {
	if bugs.Enabled(bugs.PredicateIgnoresNonKeyColumns) && len(image) > 0 && image[0].Name != p.Column { // planted bug: only the key column overlaps
		return false
	}
	for _, cv := range image {
		if cv.Name != p.Column {
			continue
		}
		if cv.Value.IsNull() {
			return false // a comparison never holds for NULL
		}
		return p.Low.admitsFromBelow(cv.Value) && p.High.admitsFromAbove(cv.Value)
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

// others returns the live transactions other than txn, oldest first.
func (e *Engine) others(txn engines.TxnID) []engines.TxnID {
	if _, live := e.transactions[txn]; len(e.transactions) == 0 || len(e.transactions) == 1 && live {
		return nil // the common case of one transaction at a time, without allocating
	}
	ids := slices.SortedFunc(maps.Keys(e.transactions), engines.TxnID.Compare)
	return slices.DeleteFunc(ids, func(id engines.TxnID) bool { return id == txn })
}

// schemaBlockers returns the transactions whose schema locks on resource
// conflict with a lock of the given mode.
func (e *Engine) schemaBlockers(txn engines.TxnID, resource string, exclusive bool) []engines.TxnID {
	var blockers []engines.TxnID
	for _, other := range e.others(txn) {
		held, ok := e.transactions[other].schema[resource]
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
		record := e.transactions[other]
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
		record := e.transactions[other]
		if _, held := record.rows[rowLockKey(lock.Table, lock.Key)]; held {
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

func rowLockKey(table, key string) string { return table + "\x00" + key }

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}
