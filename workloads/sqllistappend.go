package workloads

import (
	"context"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/value"
)

// SQL statements of the sql-list-append workload. A list is the rows of
// one key ordered by position; an append inserts the next position,
// either in one INSERT ... SELECT or as a SELECT of the next position and
// an INSERT of it (two statements, so the read's predicate lock is what
// keeps a concurrent append from taking the same position).
const (
	sqlListCreate = "CREATE TABLE elements (k TEXT NOT NULL, position BIGINT NOT NULL, element BIGINT NOT NULL, " +
		"PRIMARY KEY (k, position))"
	sqlListRead         = "SELECT element FROM elements WHERE k = ? ORDER BY position"
	sqlListAppendSelect = "INSERT INTO elements (k, position, element) SELECT ?, COUNT(*), ? FROM elements WHERE k = ?"
	sqlListNextPosition = "SELECT COALESCE(MAX(position) + 1, 0) FROM elements WHERE k = ?"
	sqlListInsert       = "INSERT INTO elements (k, position, element) VALUES (?, ?, ?)"
)

// errSQLListAppend reports an append that did not insert exactly one row.
var errSQLListAppend = errors.New("workloads: sql-list-append append")

// sqlListAppendWorkload: list-append over SQL rows. The same transactions
// as list-append (one to four appends of unique integers and reads, over
// three keys on each of three SQL streams), recorded the same way and fed
// to the same checks; a key's list is its rows of the elements table,
// (k, position, element), read in position order.
func sqlListAppendWorkload() workload {
	streams := []string{"sql-list-1", "sql-list-2", "sql-list-3"}
	keys := keyRefs(streams, "k", listAppendKeysPer)
	nextValue := int64(1)
	surprises := &sqlSurprises{}
	return workload{
		name:    "sql-list-append",
		streams: sqlStreams(streams),
		setup: func(ctx context.Context, coord Transactions) error {
			return setupSQLLists(ctx, coord, streams)
		},
		operation: func(c *client) {
			var micro []microOperation
			for range 1 + c.rand(4) {
				operation := microOperation{ref: pick(c, keys), read: c.rand(2) == 0}
				if !operation.read {
					operation.value = nextValue
					nextValue++
				}
				micro = append(micro, operation)
			}
			sqlListAppendOperation(c, micro, c.rand(2) == 0, surprises)
		},
		// The KV list-append workload's checks, whatever is plugged in
		// there, so both feed one list-append checker.
		checks: append(listAppendWorkload().checks, surprises.check()),
	}
}

// setupSQLLists creates the elements table on every stream in one
// transaction.
func setupSQLLists(ctx context.Context, coord Transactions, streams []string) error {
	_, err := setupTransaction(ctx, coord, func(tx *coordinator.Txn) error {
		for _, stream := range streams {
			if _, err := sql.New(tx, stream).Exec(ctx, sqlListCreate); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// sqlListAppendOperation runs the micro-operations in one transaction;
// oneStatement chooses the form of its appends.
func sqlListAppendOperation(c *client, micro []microOperation, oneStatement bool, surprises *sqlSurprises) {
	c.transact(checkers.FunctionTxn, "", invokeMicros(micro), func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		return runMicros(ctx, micro, func(ctx context.Context, m microOperation) (value.Value, error) {
			result, err := runSQLMicro(ctx, sql.New(tx, m.ref.stream), m, oneStatement)
			return result, surprises.note(c, m.encode(value.Null()).String(), err)
		})
	})
}

// runSQLMicro reads the key's list or appends the value to it; it returns
// the list read (null for an append).
func runSQLMicro(ctx context.Context, client *sql.Client, m microOperation, oneStatement bool) (value.Value, error) {
	if m.read {
		return readSQLList(ctx, client, m.ref.key)
	}
	if oneStatement {
		result, err := client.Exec(ctx, sqlListAppendSelect, m.ref.key, m.value, m.ref.key)
		if err != nil {
			return value.Null(), err
		}
		return value.Null(), expectOneRow(result, m)
	}
	rows, err := client.Query(ctx, sqlListNextPosition, m.ref.key)
	if err != nil {
		return value.Null(), err
	}
	var position int64
	if !rows.Next() {
		return value.Null(), fmt.Errorf("%w: no next position for %s", errSQLListAppend, m.ref.label())
	}
	if err := rows.Scan(&position); err != nil {
		return value.Null(), err
	}
	result, err := client.Exec(ctx, sqlListInsert, m.ref.key, position, m.value)
	if err != nil {
		return value.Null(), err
	}
	return value.Null(), expectOneRow(result, m)
}

func expectOneRow(result sql.Result, m microOperation) error {
	if result.RowsAffected != 1 {
		return fmt.Errorf("%w: appending %d to %s inserted %d rows", errSQLListAppend, m.value, m.ref.label(), result.RowsAffected)
	}
	return nil
}

// readSQLList returns the key's elements in position order (an empty list
// when the key has no rows).
func readSQLList(ctx context.Context, client *sql.Client, key string) (value.Value, error) {
	rows, err := client.Query(ctx, sqlListRead, key)
	if err != nil {
		return value.Null(), err
	}
	elements := []value.Value{}
	for rows.Next() {
		var element int64
		if err := rows.Scan(&element); err != nil {
			return value.Null(), err
		}
		elements = append(elements, value.Int(element))
	}
	return value.List(elements...), nil
}
