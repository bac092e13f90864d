package workloads

import (
	"context"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/value"
)

// SQL statements of the sql-bank workload. Every stream holds one table
// of accounts; a balance is read with SELECT and written back as an
// absolute value, so a lost update would show as a broken total.
const (
	sqlBankCreate = "CREATE TABLE accounts (id TEXT PRIMARY KEY, balance BIGINT NOT NULL)"
	sqlBankInsert = "INSERT INTO accounts (id, balance) VALUES (?, ?)"
	sqlBankSelect = "SELECT balance FROM accounts WHERE id = ?"
	sqlBankUpdate = "UPDATE accounts SET balance = ? WHERE id = ?"
	sqlBankAll    = "SELECT id, balance FROM accounts ORDER BY id"
)

// sqlBankWorkload: transfers between accounts held as rows of a SQL
// table on two SQL streams; a transfer reads both balances with SELECT
// and writes them with UPDATE, within one stream or across both in one
// two-phase transaction. Read-only transactions read every balance at one
// snapshot. The total is conserved.
func sqlBankWorkload() workload {
	streams := []string{"sql-bank-1", "sql-bank-2"}
	accounts := bankAccounts(nil, streams)
	total := int64(len(accounts) * bankInitialBalance)
	surprises := &sqlSurprises{}
	bank := &sqlBank{streams: streams, surprises: surprises}
	return workload{
		name:    "sql-bank",
		streams: sqlStreams(streams),
		setup: func(ctx context.Context, coord Transactions) (err error) {
			bank.setupCommitTimestamp, err = setupSQLAccounts(ctx, coord, streams, accounts)
			return err
		},
		operation: func(c *client) {
			if c.rand(4) == 0 {
				bank.readBalancesOperation(c)
				return
			}
			sqlTransferOperation(c, accounts, surprises)
		},
		final:  bank.readBalancesOperation,
		checks: []check{conservationCheck(total), surprises.check()},
	}
}

func sqlStreams(streams []string) []cluster.StreamSpec {
	specs := make([]cluster.StreamSpec, len(streams))
	for i, stream := range streams {
		specs[i] = cluster.SQL(stream)
	}
	return specs
}

// sqlBank is what sql-bank's balance reads need to know.
type sqlBank struct {
	streams   []string
	surprises *sqlSurprises
	// setupCommitTimestamp is when the tables appeared. A read-only
	// snapshot comes from its client's clock, which may lag the setup's
	// client's by a clock fault's offset: a snapshot before this
	// timestamp rightly finds no table.
	setupCommitTimestamp clock.Timestamp
}

// setupSQLAccounts creates the accounts table on every stream and inserts
// every account with its opening balance, in one transaction; it returns
// the commit timestamp.
func setupSQLAccounts(ctx context.Context, coord Transactions, streams []string,
	accounts []account) (clock.Timestamp, error) {
	return setupTransaction(ctx, coord, func(tx Txn) error {
		for _, stream := range streams {
			if _, err := sql.New(tx, stream).Exec(ctx, sqlBankCreate); err != nil {
				return err
			}
		}
		for _, a := range accounts {
			if _, err := sql.New(tx, a.stream).Exec(ctx, sqlBankInsert, a.name, bankInitialBalance); err != nil {
				return err
			}
		}
		return nil
	})
}

// sqlTransferOperation moves a random amount between two accounts, as a
// SELECT and an UPDATE of each, refused when the source's balance does
// not cover it.
func sqlTransferOperation(c *client, accounts []account, surprises *sqlSurprises) {
	from, to, amount, input, ok := drawTransfer(c, accounts)
	if !ok {
		return
	}
	c.transact("transfer", "", input, func(ctx context.Context, tx Txn) (value.Value, error) {
		if err := sqlAdd(ctx, tx, from, -amount); err != nil {
			return input, surprises.note(c, "transfer: debit "+from.label(), err)
		}
		return input, surprises.note(c, "transfer: credit "+to.label(), sqlAdd(ctx, tx, to, amount))
	})
}

// sqlAdd reads an account's balance and writes it back changed by delta;
// it refuses a change that would make the balance negative.
func sqlAdd(ctx context.Context, tx Txn, a account, delta int64) error {
	client := sql.New(tx, a.stream)
	balance, err := sqlBalance(ctx, client, a)
	if err != nil {
		return err
	}
	if balance+delta < 0 {
		return errInsufficient
	}
	result, err := client.Exec(ctx, sqlBankUpdate, balance+delta, a.name)
	if err != nil {
		return err
	}
	if result.RowsAffected != 1 {
		return fmt.Errorf("%w: UPDATE of %s changed %d rows", errSQLAccount, a.label(), result.RowsAffected)
	}
	return nil
}

// errSQLAccount reports an account row that is missing or repeated.
var errSQLAccount = errors.New("workloads: sql-bank account row")

func sqlBalance(ctx context.Context, client *sql.Client, a account) (int64, error) {
	rows, err := client.Query(ctx, sqlBankSelect, a.name)
	if err != nil {
		return 0, err
	}
	if rows.Len() != 1 {
		return 0, fmt.Errorf("%w: SELECT of %s returned %d rows", errSQLAccount, a.label(), rows.Len())
	}
	var balance int64
	rows.Next()
	return balance, rows.Scan(&balance)
}

// readBalancesOperation reads every account row of every stream in one
// read-only transaction, recorded as a "read" whose value maps account
// labels to balances (as bank's reads, so the same conservation check
// applies). A snapshot older than the setup fails without surprise.
func (b *sqlBank) readBalancesOperation(c *client) {
	c.read(checkers.FunctionRead, "", func(ctx context.Context) (value.Value, error) {
		read := c.coord.BeginReadOnlyCategory(ctx, checkers.FunctionRead)
		balances, err := readSQLBalances(ctx, read, b.streams)
		if errors.Is(err, engines.ErrNotFound) && read.Snapshot().Less(b.setupCommitTimestamp) {
			return balances, err
		}
		return balances, b.surprises.note(c, "read balances at "+read.Snapshot().String(), err)
	})
}

// readSQLBalances scans the accounts table of every stream and returns
// every row it saw: a lost or extra row is not an error here but shows in
// the conservation check's sum.
func readSQLBalances(ctx context.Context, executor engines.Executor, streams []string) (value.Value, error) {
	balances := map[string]value.Value{}
	for _, stream := range streams {
		rows, err := sql.New(executor, stream).Query(ctx, sqlBankAll)
		if err != nil {
			return value.Null(), err
		}
		for rows.Next() {
			var name string
			var balance int64
			if err := rows.Scan(&name, &balance); err != nil {
				return value.Null(), err
			}
			balances[account{stream: stream, name: name}.label()] = value.Int(balance)
		}
	}
	return value.Map(balances), nil
}

// sqlSurprises collects errors a correct engine never returns to these
// workloads (a broken constraint, a bad statement, a missing table or
// row): the statements are fixed and serializability rules the rest out,
// so each one is a bug that would otherwise hide as a failed transaction.
type sqlSurprises struct{ lines []string }

// unexpectedSQLErrors are the errors sqlSurprises collects. Aborts,
// deadlines, indeterminate outcomes and insufficient balances are normal.
var unexpectedSQLErrors = []error{engines.ErrInvalid, engines.ErrNotFound, engines.ErrExists, engines.ErrConstraint,
	engines.ErrReadOnly, engines.ErrInternal, sql.ErrBadResult, sql.ErrScan, errSQLAccount, errSQLListAppend}

// note records err if it is unexpected and returns it unchanged.
func (s *sqlSurprises) note(c *client, what string, err error) error {
	for _, unexpected := range unexpectedSQLErrors {
		if errors.Is(err, unexpected) {
			s.lines = append(s.lines, fmt.Sprintf("at %dns (client clock): %s: %v", c.Now(), what, err))
			break
		}
	}
	return err
}

func (s *sqlSurprises) check() check {
	return check{name: "sql-errors", run: func(checkers.History) (checkers.Result, error) {
		var found findingList
		for _, line := range s.lines {
			found.add(line)
		}
		return found.result("sql-errors"), nil
	}}
}
