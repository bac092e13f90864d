package workloads

import (
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// sqlTables is the model of the sql-predicates tables: per stream, the
// rows by id.
type sqlTables map[string]map[int64]sqlItem

func newSQLTables(streams []string) sqlTables {
	tables := sqlTables{}
	for _, stream := range streams {
		tables[stream] = map[int64]sqlItem{}
		for _, item := range sqlSetupItems() {
			tables[stream][item.id] = item
		}
	}
	return tables
}

// checkSQLReplay replays the committed sql-predicates transactions, and
// the read-only ones at their snapshots, in commit-timestamp order
// (checkers.SerialOrder) against the model of the tables, from the
// setup's rows, and compares every statement's result with the model's:
// a phantom, a lost update or a write skew gives a different result.
func checkSQLReplay(streams []string) func(checkers.History) (checkers.Result, error) {
	return func(history checkers.History) (checkers.Result, error) {
		placed, err := checkers.SerialOrder(history)
		if err != nil {
			return checkers.Result{}, err
		}
		tables := newSQLTables(streams)
		var found findingList
		for _, step := range placed {
			operation := step.Operation
			if operation.Function != functionSQLTxn && operation.Function != functionSQLReadOnly {
				continue
			}
			statements, results, err := decodeSQLStatements(operation)
			if err != nil {
				return checkers.Result{}, err
			}
			for i, statement := range statements {
				want := tables.apply(statement)
				if !want.Equal(results[i]) && len(found.lines) < 10 {
					found.add(fmt.Sprintf("%s at %v: %s %v on %s gave %v, but replaying the commits in timestamp order gives %v",
						operation.Describe(), step.At, statement.kind, statement.arguments, statement.stream, results[i], want),
						operation.InvokeIndex)
				}
			}
		}
		return found.result("sql-replay"), nil
	}
}

// decodeSQLStatements reads back what encodeSQLStatements recorded.
func decodeSQLStatements(operation checkers.Operation) ([]sqlStatement, []value.Value, error) {
	list := operation.Output
	if list.Kind() != value.KindList {
		return nil, nil, fmt.Errorf("%w: op %d: statements %v are not a list", checkers.ErrMalformedHistory, operation.InvokeIndex, list)
	}
	statements := make([]sqlStatement, list.Len())
	results := make([]value.Value, list.Len())
	for i := range list.Len() {
		item := list.Index(i)
		kind, okKind := item.Index(0).AsString()
		stream, okStream := item.Index(1).AsString()
		if item.Kind() != value.KindList || item.Len() != 4 || !okKind || !okStream || sqlStatementText[kind] == "" {
			return nil, nil, fmt.Errorf("%w: op %d: statement %v is not [kind stream arguments result]",
				checkers.ErrMalformedHistory, operation.InvokeIndex, item)
		}
		statement := sqlStatement{kind: kind, stream: stream}
		for j := range item.Index(2).Len() {
			argument, _ := item.Index(2).Index(j).AsInt()
			statement.arguments = append(statement.arguments, argument)
		}
		statements[i], results[i] = statement, item.Index(3)
	}
	return statements, results, nil
}

// apply runs a statement on the model and returns its result.
func (t sqlTables) apply(statement sqlStatement) value.Value {
	rows := t[statement.stream]
	arguments := statement.arguments
	argument := func(i int) int64 {
		if i < len(arguments) {
			return arguments[i]
		}
		return 0
	}
	switch statement.kind {
	case "select-grp":
		return selectItems(rows, func(i sqlItem) bool { return i.group == argument(0) })
	case "select-score":
		return selectItems(rows, func(i sqlItem) bool { return i.score >= argument(0) && i.score <= argument(1) })
	case "select-all":
		return selectItems(rows, func(sqlItem) bool { return true })
	case "count-grp":
		return value.Int(int64(selectItems(rows, func(i sqlItem) bool { return i.group == argument(0) }).Len()))
	case "set-score":
		return updateItems(rows, func(i sqlItem) bool { return i.id == argument(1) }, func(i *sqlItem) { i.score = argument(0) })
	case "bump-grp":
		return updateItems(rows, func(i sqlItem) bool { return i.group == argument(1) }, func(i *sqlItem) { i.score += argument(0) })
	case "move":
		return updateItems(rows, func(i sqlItem) bool { return i.id == argument(1) }, func(i *sqlItem) { i.group = argument(0) })
	case "insert":
		rows[argument(0)] = sqlItem{id: argument(0), group: argument(1), score: argument(2)}
		return value.Int(1)
	case "delete-score":
		deleted := int64(0)
		for id, item := range rows { //proven:allow map-order: deleting a set does not depend on the order
			if item.score >= argument(0) && item.score <= argument(1) {
				delete(rows, id)
				deleted++
			}
		}
		return value.Int(deleted)
	}
	return value.Null()
}

// selectItems returns the rows that match, in id order.
func selectItems(rows map[int64]sqlItem, match func(sqlItem) bool) value.Value {
	var items []value.Value
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		if match(rows[id]) {
			items = append(items, rows[id].encode())
		}
	}
	return value.List(items...)
}

// updateItems changes the rows that match and returns how many.
func updateItems(rows map[int64]sqlItem, match func(sqlItem) bool, change func(*sqlItem)) value.Value {
	updated := int64(0)
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		if item := rows[id]; match(item) {
			change(&item)
			rows[id] = item
			updated++
		}
	}
	return value.Int(updated)
}

// checkGroupCap checks that no ok read saw a group above the cap: the
// admissions count before they add, so only write skew (or a phantom the
// count missed) overfills a group.
func checkGroupCap(history checkers.History) (checkers.Result, error) {
	var found findingList
	for _, operation := range history.Operations() {
		if operation.Type != checkers.TypeOK || (operation.Function != functionSQLTxn && operation.Function != functionSQLReadOnly) {
			continue
		}
		statements, results, err := decodeSQLStatements(operation)
		if err != nil {
			return checkers.Result{}, err
		}
		for i, statement := range statements {
			counts := groupCounts(statement, results[i])
			for _, group := range slices.Sorted(maps.Keys(counts)) {
				if count := counts[group]; count > sqlGroupCap {
					found.add(fmt.Sprintf("%s: %s on %s saw %d rows in group %d, above the cap of %d",
						operation.Describe(), statement.kind, statement.stream, count, group, sqlGroupCap), operation.InvokeIndex)
				}
			}
		}
	}
	return found.result("group-cap"), nil
}

// groupCounts returns, per group, the rows a read saw there: from the
// count, or from the rows a select returned (a whole table or a group).
func groupCounts(statement sqlStatement, result value.Value) map[int64]int64 {
	counts := map[int64]int64{}
	switch statement.kind {
	case "count-grp":
		counts[statement.arguments[0]], _ = result.AsInt()
	case "select-grp", "select-all":
		for i := range result.Len() {
			group, _ := result.Index(i).Index(1).AsInt()
			counts[group]++
		}
	}
	return counts
}
