package workloads

import (
	"context"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/value"
)

// The sql-predicates workload's table: rows keyed by id, with a group
// (indexed) and a score (not indexed), the non-key columns every
// predicate filters on.
const (
	sqlItemsCreate = "CREATE TABLE items (id BIGINT PRIMARY KEY, grp BIGINT NOT NULL, score BIGINT NOT NULL)"
	sqlItemsIndex  = "CREATE INDEX items_grp ON items (grp)"
	// sqlGroups is the number of groups; sqlGroupCap the most rows a
	// group may hold (admissions check it first: write skew breaks it).
	sqlGroups   = 4
	sqlGroupCap = 3
	// sqlSetupRows rows per stream at the start, two per group.
	sqlSetupRows = 8
	// sqlScoreMax bounds the scores drawn.
	sqlScoreMax = 40
)

// Functions of the sql-predicates workload's history.
const (
	functionSQLTxn      = "sql-txn"
	functionSQLReadOnly = "sql-read-only"
)

// sqlStatement is one statement of the workload, by kind (the key of
// sqlStatements), on a stream, with its arguments.
type sqlStatement struct {
	kind      string
	stream    string
	arguments []int64
}

// sqlStatementText maps each kind to its SQL; each filters on grp or
// score, never on the key alone, except the moves and score changes of
// one row.
var sqlStatementText = map[string]string{
	"select-grp":   "SELECT id, grp, score FROM items WHERE grp = ? ORDER BY id",
	"select-score": "SELECT id, grp, score FROM items WHERE score BETWEEN ? AND ? ORDER BY id",
	"select-all":   "SELECT id, grp, score FROM items ORDER BY id",
	"count-grp":    "SELECT COUNT(*) FROM items WHERE grp = ?",
	"set-score":    "UPDATE items SET score = ? WHERE id = ?",
	"bump-grp":     "UPDATE items SET score = score + ? WHERE grp = ?",
	"move":         "UPDATE items SET grp = ? WHERE id = ?",
	"insert":       "INSERT INTO items (id, grp, score) VALUES (?, ?, ?)",
	"delete-score": "DELETE FROM items WHERE score BETWEEN ? AND ?",
}

// sqlPredicatesWorkload: rows of an items table on each of two SQL
// streams, read through predicates on non-key columns (an equality on the
// indexed group, a range on the unindexed score, a count of a group) and
// changed so that rows move in and out of them: score changes of one row
// and of a whole group, moves between groups, inserts and deletes by
// score. An admission counts a group's rows and inserts or moves a row
// into it only below the cap, so write skew would overfill a group.
// Read-only transactions read whole tables at one snapshot. Checked by
// replaying the committed transactions in commit-timestamp order against
// a model of the tables (every result must match: a phantom or a write
// skew cannot), by the group cap in every read, and for unexpected SQL
// errors.
func sqlPredicatesWorkload() workload {
	streams := []string{"sql-pred-1", "sql-pred-2"}
	surprises := &sqlSurprises{}
	nextID := int64(sqlSetupRows + 1)
	var setupCommitTimestamp clock.Timestamp
	return workload{
		name:    "sql-predicates",
		streams: sqlStreams(streams),
		setup: func(ctx context.Context, coord Transactions) (err error) {
			setupCommitTimestamp, err = setupSQLItems(ctx, coord, streams)
			return err
		},
		operation: func(c *client) {
			stream := pick(c, streams)
			switch choice := c.rand(20); {
			case choice < 6:
				id := nextID // taken before the transaction yields to other clients
				nextID++
				sqlAdmit(c, sqlAdmission(c, stream, id, nextID), surprises)
			case choice < 10:
				sqlRun(c, []sqlStatement{sqlReadStatement(c, stream)}, surprises)
			case choice < 15:
				sqlRun(c, []sqlStatement{sqlChangeStatement(c, stream, nextID)}, surprises)
			case choice < 17:
				other := streams[0]
				if other == stream {
					other = streams[1]
				}
				sqlRun(c, []sqlStatement{sqlReadStatement(c, stream), sqlChangeStatement(c, other, nextID)}, surprises)
			default:
				sqlAudit(c, streams, setupCommitTimestamp, surprises)
			}
		},
		checks: []check{
			{name: "sql-replay", run: checkSQLReplay(streams)},
			{name: "group-cap", run: checkGroupCap},
			surprises.check(),
		},
	}
}

// setupSQLItems creates the table and its index on every stream and
// inserts the first rows: id 1..sqlSetupRows, group id mod sqlGroups,
// score 3*id. It returns the commit timestamp.
func setupSQLItems(ctx context.Context, coord Transactions, streams []string) (clock.Timestamp, error) {
	return setupTransaction(ctx, coord, func(tx *coordinator.Txn) error {
		for _, stream := range streams {
			client := sql.New(tx, stream)
			for _, statement := range []string{sqlItemsCreate, sqlItemsIndex} {
				if _, err := client.Exec(ctx, statement); err != nil {
					return err
				}
			}
			for _, row := range sqlSetupItems() {
				if _, err := client.Exec(ctx, sqlStatementText["insert"], row.id, row.group, row.score); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// sqlItem is one row of the items table.
type sqlItem struct{ id, group, score int64 }

func sqlSetupItems() []sqlItem {
	items := make([]sqlItem, sqlSetupRows)
	for i := range items {
		id := int64(i + 1)
		items[i] = sqlItem{id: id, group: id % sqlGroups, score: 3 * id}
	}
	return items
}

// sqlAdmission draws an admission into a group: a count, then (when below
// the cap, decided as it runs) an insert of a new row or a move of a row.
func sqlAdmission(c *client, stream string, newID, idsEnd int64) []sqlStatement {
	group := int64(c.rand(sqlGroups))
	count := sqlStatement{kind: "count-grp", stream: stream, arguments: []int64{group}}
	if c.rand(2) == 0 {
		return []sqlStatement{count, {kind: "insert", stream: stream, arguments: []int64{newID, group, int64(c.rand(sqlScoreMax))}}}
	}
	return []sqlStatement{count, {kind: "move", stream: stream, arguments: []int64{group, 1 + int64(c.rand(int(idsEnd-1)))}}}
}

// sqlReadStatement draws a read through a predicate.
func sqlReadStatement(c *client, stream string) sqlStatement {
	if c.rand(2) == 0 {
		return sqlStatement{kind: "select-grp", stream: stream, arguments: []int64{int64(c.rand(sqlGroups))}}
	}
	low := int64(c.rand(sqlScoreMax))
	return sqlStatement{kind: "select-score", stream: stream, arguments: []int64{low, low + int64(c.rand(12))}}
}

// sqlChangeStatement draws a change that moves rows in or out of
// predicates.
func sqlChangeStatement(c *client, stream string, idsEnd int64) sqlStatement {
	switch c.rand(6) {
	case 0, 1, 2:
		return sqlStatement{kind: "set-score", stream: stream, arguments: []int64{int64(c.rand(sqlScoreMax)), 1 + int64(c.rand(int(idsEnd-1)))}}
	case 3, 4:
		return sqlStatement{kind: "bump-grp", stream: stream, arguments: []int64{1 + int64(c.rand(3)), int64(c.rand(sqlGroups))}}
	}
	low := int64(c.rand(sqlScoreMax))
	return sqlStatement{kind: "delete-score", stream: stream, arguments: []int64{low, low + 1}}
}

// encode records a statement as [kind stream [arguments...] result].
func (s sqlStatement) encode(result value.Value) value.Value {
	arguments := make([]value.Value, len(s.arguments))
	for i, argument := range s.arguments {
		arguments[i] = value.Int(argument)
	}
	return value.List(value.String(s.kind), value.String(s.stream), value.List(arguments...), result)
}

// encodeSQLStatements encodes statements with their results.
func encodeSQLStatements(statements []sqlStatement, results []value.Value) value.Value {
	encoded := make([]value.Value, len(statements))
	for i, statement := range statements {
		encoded[i] = statement.encode(results[i])
	}
	return value.List(encoded...)
}

// sqlRun runs statements in one read-write transaction.
func sqlRun(c *client, statements []sqlStatement, surprises *sqlSurprises) {
	c.transact(functionSQLTxn, "", invokeMicros(statements), func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		return runMicros(ctx, statements, func(ctx context.Context, statement sqlStatement) (value.Value, error) {
			result, err := runSQLStatement(ctx, tx, statement)
			return result, surprises.note(c, statement.kind+" on "+statement.stream, err)
		})
	})
}

// sqlAdmit runs an admission: the count, then the insert or move only
// when the group is below the cap (recorded without it otherwise).
func sqlAdmit(c *client, statements []sqlStatement, surprises *sqlSurprises) {
	c.transact(functionSQLTxn, "", invokeMicros(statements), func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		count, err := runSQLStatement(ctx, tx, statements[0])
		if err != nil {
			return value.Null(), surprises.note(c, "count-grp on "+statements[0].stream, err)
		}
		if n, _ := count.AsInt(); n >= sqlGroupCap {
			return encodeSQLStatements(statements[:1], []value.Value{count}), nil
		}
		admitted, err := runSQLStatement(ctx, tx, statements[1])
		if err != nil {
			return value.Null(), surprises.note(c, statements[1].kind+" on "+statements[1].stream, err)
		}
		return encodeSQLStatements(statements, []value.Value{count, admitted}), nil
	})
}

// sqlAudit reads both tables whole at one snapshot. A snapshot older than
// the setup (a client clock behind the setup's) rightly finds no table.
func sqlAudit(c *client, streams []string, setupCommitTimestamp clock.Timestamp, surprises *sqlSurprises) {
	statements := make([]sqlStatement, len(streams))
	for i, stream := range streams {
		statements[i] = sqlStatement{kind: "select-all", stream: stream}
	}
	c.readOnly(functionSQLReadOnly, "", invokeMicros(statements), func(ctx context.Context, read *coordinator.ReadTxn) (value.Value, error) {
		return runMicros(ctx, statements, func(ctx context.Context, statement sqlStatement) (value.Value, error) {
			result, err := runSQLStatement(ctx, read, statement)
			if errors.Is(err, engines.ErrNotFound) && read.Snapshot().Less(setupCommitTimestamp) {
				return value.Null(), err
			}
			return result, surprises.note(c, "audit of "+statement.stream+" at "+read.Snapshot().String(), err)
		})
	})
}

// runSQLStatement runs one statement and returns its result: the rows
// [id grp score] of a select, the count, or the rows affected.
func runSQLStatement(ctx context.Context, executor engines.Executor, statement sqlStatement) (value.Value, error) {
	client := sql.New(executor, statement.stream)
	arguments := make([]any, len(statement.arguments))
	for i, argument := range statement.arguments {
		arguments[i] = argument
	}
	text := sqlStatementText[statement.kind]
	switch statement.kind {
	case "select-grp", "select-score", "select-all":
		rows, err := client.Query(ctx, text, arguments...)
		if err != nil {
			return value.Null(), err
		}
		var items []value.Value
		for rows.Next() {
			var item sqlItem
			if err := rows.Scan(&item.id, &item.group, &item.score); err != nil {
				return value.Null(), err
			}
			items = append(items, item.encode())
		}
		return value.List(items...), nil
	case "count-grp":
		rows, err := client.Query(ctx, text, arguments...)
		if err != nil {
			return value.Null(), err
		}
		var count int64
		if !rows.Next() {
			return value.Null(), fmt.Errorf("%w: COUNT returned no row", sql.ErrBadResult)
		}
		if err := rows.Scan(&count); err != nil {
			return value.Null(), err
		}
		return value.Int(count), nil
	}
	result, err := client.Exec(ctx, text, arguments...)
	if err != nil {
		return value.Null(), err
	}
	return value.Int(result.RowsAffected), nil
}

func (i sqlItem) encode() value.Value {
	return value.List(value.Int(i.id), value.Int(i.group), value.Int(i.score))
}
