package sql

import "github.com/proven2pc/proven/engines/value"

// Row counts for the planner. The engine counts, per table id, the rows
// statements insert minus those they delete, when they write them, so
// an aborted transaction's rows stay counted: the count is an estimate,
// good enough to order joins. It is a function of the statements applied
// (never of time or map order) and is part of a checkpoint, so a
// restored engine plans exactly as the one that wrote the checkpoint.

// countRows adds delta to a table's row estimate.
func (e *Engine) countRows(tableID string, delta int) {
	if delta == 0 {
		return
	}
	if e.rowCounts == nil {
		e.rowCounts = map[string]int64{}
	}
	e.rowCounts[tableID] = max(e.rowCounts[tableID]+int64(delta), 0)
}

// forgetRows drops a dropped table's estimate.
func (e *Engine) forgetRows(tableID string) { delete(e.rowCounts, tableID) }

// estimatedRows is a table's row estimate, at least 1.
func (e *Engine) estimatedRows(tableID string) float64 {
	return float64(max(e.rowCounts[tableID], 1))
}

// encodeRowCounts lists the estimates by table id ascending.
func (e *Engine) encodeRowCounts() value.Value {
	var entries []value.Value
	for _, id := range sortedKeys(e.rowCounts) {
		if e.rowCounts[id] > 0 {
			entries = append(entries, value.List(value.Bytes([]byte(id)), value.Int(e.rowCounts[id])))
		}
	}
	return value.List(entries...)
}

func decodeRowCounts(d *valueReader, fields []value.Value, i int) map[string]int64 {
	counts := map[string]int64{}
	var previous string
	for j, entry := range d.items(fields, i) {
		pair := d.list(entry, 2)
		id, count := d.bytes(pair, 0), d.int64(pair, 1)
		if j > 0 && id <= previous || count <= 0 {
			d.fail("row counts out of order or not positive")
		}
		counts[id], previous = count, id
	}
	return counts
}

// changedRows is the net number of rows a statement's changes add.
func changedRows(changes []rowChange) int {
	delta := 0
	for _, c := range changes {
		switch {
		case c.oldKey == nil:
			delta++
		case c.newRow == nil:
			delta--
		}
	}
	return delta
}
