package sqldriver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	sqlengine "github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/live"
	"github.com/proven2pc/proven/live/sqldriver"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// open opens a sql.DB on a fresh store's "accounts" stream, with an
// accounts table.
func open(t *testing.T) (*sql.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("proven", dir+"?stream=accounts")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing: %v", err)
		}
	})
	mustExec(t, db, "CREATE TABLE accounts (id INT PRIMARY KEY, owner TEXT NOT NULL, balance INT NOT NULL, note TEXT)")
	return db, dir
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) sql.Result {
	t.Helper()
	result, err := db.ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return result
}

func balance(t *testing.T, db *sql.DB, id int) int64 {
	t.Helper()
	var balance int64
	if err := db.QueryRowContext(context.Background(), "SELECT balance FROM accounts WHERE id = $1", id).Scan(&balance); err != nil {
		t.Fatalf("balance of %d: %v", id, err)
	}
	return balance
}

func TestPreparedStatementsAndBothParameterStyles(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	insert, err := db.PrepareContext(ctx, "INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	defer insert.Close()
	for i := 1; i <= 5; i++ {
		result, err := insert.ExecContext(ctx, i, fmt.Sprintf("owner%d", i), 100*i)
		if err != nil {
			t.Fatal(err)
		}
		if affected, err := result.RowsAffected(); err != nil || affected != 1 {
			t.Fatalf("RowsAffected = %d, %v; want 1", affected, err)
		}
	}
	result := mustExec(t, db, "UPDATE accounts SET balance = balance + $2 WHERE id >= $1", 4, 7)
	if affected, _ := result.RowsAffected(); affected != 2 {
		t.Errorf("UPDATE affected %d rows; want 2", affected)
	}
	lookup, err := db.PrepareContext(ctx, "SELECT owner, balance FROM accounts WHERE id = $1")
	if err != nil {
		t.Fatal(err)
	}
	defer lookup.Close()
	for i, want := range []int64{100, 200, 300, 407, 507} {
		var owner string
		var got int64
		if err := lookup.QueryRowContext(ctx, i+1).Scan(&owner, &got); err != nil {
			t.Fatal(err)
		}
		if owner != fmt.Sprintf("owner%d", i+1) || got != want {
			t.Errorf("account %d: %s %d; want owner%d %d", i+1, owner, got, i+1, want)
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM accounts WHERE balance > ? ORDER BY id", 250)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, []int64{3, 4, 5}) {
		t.Errorf("ids = %v; want [3 4 5]", ids)
	}
}

func TestQueryRowContextAndErrNoRows(t *testing.T) {
	db, _ := open(t)
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 10)")
	var owner string
	err := db.QueryRowContext(context.Background(), "SELECT owner FROM accounts WHERE id = ?", 2).Scan(&owner)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("missing row: %v; want sql.ErrNoRows", err)
	}
	if err := db.QueryRowContext(context.Background(), "SELECT owner FROM accounts WHERE id = ?", 1).Scan(&owner); err != nil || owner != "alice" {
		t.Fatalf("owner = %q, %v; want alice", owner, err)
	}
}

func TestTransactionCommitsAndRollsBackOnError(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 100), (2, 'bob', 0)")

	// An application's transfer: an error part-way rolls it all back.
	transfer := func(from, to int, amount int64, failAfterDebit bool) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from); err != nil {
			return err
		}
		if failAfterDebit {
			if _, err := tx.ExecContext(ctx, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'duplicate', 0)"); err == nil {
				return errors.New("a duplicate primary key was accepted")
			} else if !errors.Is(err, engines.ErrConstraint) {
				return fmt.Errorf("duplicate key: %w; want a constraint error", err)
			}
			return errFailedOnPurpose
		}
		if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to); err != nil {
			return err
		}
		return tx.Commit()
	}
	if err := transfer(1, 2, 30, false); err != nil {
		t.Fatal(err)
	}
	if err := transfer(1, 2, 50, true); !errors.Is(err, errFailedOnPurpose) {
		t.Fatal(err)
	}
	if a, b := balance(t, db, 1), balance(t, db, 2); a != 70 || b != 30 {
		t.Errorf("balances %d, %d; want 70, 30 (the failed transfer rolled back)", a, b)
	}
	// A committed transaction cannot be rolled back, nor committed twice.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET note = 'seen' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Rollback after Commit: %v; want sql.ErrTxDone", err)
	}
}

var errFailedOnPurpose = errors.New("failed on purpose")

func TestConcurrentTransfersConserveMoney(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	db.SetMaxOpenConns(6)
	const accounts, initial, workers, transfers = 8, 1000, 16, 15
	for id := range accounts {
		mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)", id, fmt.Sprint("owner", id), initial)
	}
	var group sync.WaitGroup
	errs := make(chan error, workers)
	for worker := range workers {
		group.Add(1)
		go func() {
			defer group.Done()
			for i := range transfers {
				from, to := (worker+i)%accounts, (worker+2*i+1)%accounts
				if from == to {
					to = (to + 1) % accounts
				}
				if err := transferWithRetry(ctx, db, from, to, int64(1+i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	group.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var total, count int64
	if err := db.QueryRowContext(ctx, "SELECT SUM(balance), COUNT(*) FROM accounts").Scan(&total, &count); err != nil {
		t.Fatal(err)
	}
	if total != accounts*initial || count != accounts {
		t.Errorf("total %d over %d accounts; want %d over %d", total, count, accounts*initial, accounts)
	}
	if stats := db.Stats(); stats.OpenConnections > 6 || stats.MaxOpenConnections != 6 {
		t.Errorf("pool: %d open of at most %d; want at most 6", stats.OpenConnections, stats.MaxOpenConnections)
	}
}

// transferWithRetry moves amount from one account to another in one
// transaction, retrying when it aborted (wounded by an older one).
func transferWithRetry(ctx context.Context, db *sql.DB, from, to int, amount int64) error {
	for attempt := 0; ; attempt++ {
		err := transfer(ctx, db, from, to, amount)
		if err == nil || !errors.Is(err, engines.ErrAborted) || attempt == 50 {
			return err
		}
	}
}

func transfer(ctx context.Context, db *sql.DB, from, to int, amount int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var balance int64
	if err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = ?", from).Scan(&balance); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = ? WHERE id = ?", balance-amount, from); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to); err != nil {
		return err
	}
	return tx.Commit()
}

func TestConnectionsAreReused(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 1)")
	for range 50 {
		if balance(t, db, 1) != 1 {
			t.Fatal("wrong balance")
		}
		tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	stats := db.Stats()
	if stats.OpenConnections > 2 || stats.MaxIdleClosed != 0 {
		t.Errorf("pool: %+v; want at most 2 connections, none closed for being idle", stats)
	}
}

func TestBadSQLIsAClearError(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	_, err := db.PrepareContext(ctx, "SELEC owner FROM accounts")
	if !errors.Is(err, sqlengine.ErrSyntax) {
		t.Fatalf("Prepare of bad SQL: %v; want a syntax error", err)
	}
	for _, want := range []string{`"SELEC owner FROM accounts"`, "line 1, column 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO accounts VALUES (1,"); !errors.Is(err, sqlengine.ErrSyntax) {
		t.Errorf("Exec of bad SQL: %v; want a syntax error", err)
	}
	_, err = db.ExecContext(ctx, "INSERT INTO nowhere VALUES (1)")
	if !errors.Is(err, engines.ErrNotFound) || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("unknown table: %v; want not found, naming it", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO accounts (id, owner, balance) VALUES ($1, $2, $3)", 1, "a"); err == nil {
		t.Error("a missing argument was accepted")
	}
}

func TestRefusalsAreClear(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	for _, level := range []sql.IsolationLevel{sql.LevelReadUncommitted, sql.LevelReadCommitted, sql.LevelRepeatableRead,
		sql.LevelSnapshot, sql.LevelWriteCommitted} {
		if _, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: level}); !errors.Is(err, sqldriver.ErrIsolation) ||
			!strings.Contains(err.Error(), level.String()) {
			t.Errorf("%s: %v; want ErrIsolation naming it", level, err)
		}
	}
	result := mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 1)")
	if _, err := result.LastInsertId(); !errors.Is(err, sqldriver.ErrLastInsertID) {
		t.Errorf("LastInsertId: %v; want ErrLastInsertID", err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE accounts SET balance = 2 WHERE id = 1", sql.Named("id", 1)); !errors.Is(err, sqldriver.ErrNamedParameter) {
		t.Errorf("named argument: %v; want ErrNamedParameter", err)
	}
	var returned string
	if err := db.QueryRowContext(ctx, "INSERT INTO accounts (id, owner, balance) VALUES (2, 'bob', 5) RETURNING owner").Scan(&returned); err != nil || returned != "bob" {
		t.Errorf("INSERT ... RETURNING: %q, %v; want bob", returned, err)
	}
}

func TestReadOnlyTransactionsReadOneSnapshot(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 10)")
	read, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer read.Rollback()
	mustExec(t, db, "UPDATE accounts SET balance = 20 WHERE id = 1")
	var seen int64
	if err := read.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = 1").Scan(&seen); err != nil || seen != 10 {
		t.Errorf("snapshot read: %d, %v; want 10 (the update came after the snapshot)", seen, err)
	}
	if _, err := read.ExecContext(ctx, "UPDATE accounts SET balance = 30 WHERE id = 1"); !errors.Is(err, engines.ErrReadOnly) {
		t.Errorf("write in a read-only transaction: %v; want engines.ErrReadOnly", err)
	}
	if err := read.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, db, 1); got != 20 {
		t.Errorf("balance %d; want 20", got)
	}
}

func TestContextCancelsAWaitingStatement(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 10)")
	older, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := older.ExecContext(ctx, "UPDATE accounts SET balance = 11 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	younger, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The younger transaction waits for the older one's lock (wound-wait:
	// a younger requester waits), until its statement's context ends.
	waiting, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = younger.ExecContext(waiting, "UPDATE accounts SET balance = 12 WHERE id = 1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting statement: %v; want context.DeadlineExceeded", err)
	}
	if err := younger.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := older.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, db, 1); got != 11 {
		t.Errorf("balance %d; want 11", got)
	}
	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	if _, err := db.ExecContext(cancelled, "UPDATE accounts SET balance = 13 WHERE id = 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v; want context.Canceled", err)
	}
}

func TestColumnTypes(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	mustExec(t, db, "INSERT INTO accounts (id, owner, balance, note) VALUES (1, 'alice', 10, NULL), (2, 'bob', 20, 'vip')")
	rows, err := db.QueryContext(ctx, `SELECT id, owner, note, CAST(balance AS DOUBLE) * 1.5, balance > 15, CAST('2024-01-02' AS DATE),
		CAST(1.25 AS DECIMAL(5, 2)), X'CAFE', NULL FROM accounts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name     string
		scan     reflect.Type
		nullable bool
		known    bool
	}{
		{"BIGINT", reflect.TypeFor[int64](), false, false},
		{"TEXT", reflect.TypeFor[string](), false, false},
		{"TEXT", reflect.TypeFor[string](), true, true},
		{"DOUBLE", reflect.TypeFor[float64](), false, false},
		{"BOOLEAN", reflect.TypeFor[bool](), false, false},
		{"DATE", reflect.TypeFor[time.Time](), false, false},
		{"DECIMAL", reflect.TypeFor[string](), false, false},
		{"BYTEA", reflect.TypeFor[[]byte](), false, false},
		{"", reflect.TypeFor[any](), true, true},
	}
	if len(types) != len(want) {
		t.Fatalf("%d columns; want %d", len(types), len(want))
	}
	for i, column := range types {
		nullable, known := column.Nullable()
		if column.DatabaseTypeName() != want[i].name || column.ScanType() != want[i].scan || nullable != want[i].nullable || known != want[i].known {
			t.Errorf("column %d (%s): %s %v nullable=%t,%t; want %s %v %t,%t", i, column.Name(), column.DatabaseTypeName(),
				column.ScanType(), nullable, known, want[i].name, want[i].scan, want[i].nullable, want[i].known)
		}
	}
	var (
		id      int64
		owner   string
		note    sql.NullString
		scaled  float64
		rich    bool
		day     time.Time
		decimal string
		bytes   []byte
		nothing any
	)
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(&id, &owner, &note, &scaled, &rich, &day, &decimal, &bytes, &nothing); err != nil {
		t.Fatal(err)
	}
	if id != 1 || owner != "alice" || note.Valid || scaled != 15 || rich || !day.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) ||
		decimal != "1.25" || string(bytes) != "\xca\xfe" || nothing != nil {
		t.Errorf("row 1: %d %q %v %v %t %v %q %x %v", id, owner, note, scaled, rich, day, decimal, bytes, nothing)
	}
}

func TestDataSourceNames(t *testing.T) {
	dir := t.TempDir()
	for dsn, want := range map[string]string{
		dir:                                 "want <dir>?stream=<name>",
		dir + "?":                           "no stream",
		dir + "?stream=a&stream=b":          "stream given 2 times",
		dir + "?stream=a&colour=red":        `unknown parameter "colour"`,
		dir + "?stream=a&timeout=soon":      `timeout "soon"`,
		"?stream=a":                         "want <dir>?stream=<name>",
		dir + "?stream=a&timeout=-1s":       `timeout "-1s"`,
		dir + "?stream=a&timeout=1s&%zz=12": "invalid URL escape",
	} {
		db, err := sql.Open("proven", dsn)
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, sqldriver.ErrBadDSN) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v; want ErrBadDSN saying %s", dsn, err, want)
		}
	}
}

func TestStoresAreSharedAndClosedWithTheirLastDB(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := sql.Open("proven", dir+"?stream=accounts")
	if err != nil {
		t.Fatal(err)
	}
	second, err := sql.Open("proven", dir+"?stream=accounts&timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := second.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("proven", dir+"?stream=orders")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.PingContext(ctx); !errors.Is(err, sqldriver.ErrStoreInUse) {
		t.Errorf("another stream of an open store: %v; want ErrStoreInUse", err)
	}
	other.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	var count int
	if err := second.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&count); err != nil || count != 1 {
		t.Fatalf("after closing the first DB: %d, %v; want 1 (the store stays open for the second)", count, err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed with the last DB: the directory opens again, durable.
	store, err := live.Open(dir, live.Options{Streams: []catalog.StreamSpec{catalog.SQL("accounts")}, Logger: quiet})
	if err != nil {
		t.Fatalf("reopening after the last DB closed: %v", err)
	}
	db := sql.OpenDB(sqldriver.Connector(store, "accounts"))
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&count); err != nil || count != 1 {
		t.Errorf("after reopening: %d, %v; want 1", count, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlengine.New(store.AdHoc(), "accounts").Exec(ctx, "INSERT INTO t VALUES (2)"); err != nil {
		t.Errorf("the application's store after its sql.DB closed: %v; want it still open", err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestConnectorOnAStoreWithOtherStreams(t *testing.T) {
	ctx := context.Background()
	store, err := live.Open(t.TempDir(), live.Options{Streams: []catalog.StreamSpec{catalog.KV("users"), catalog.SQL("orders")},
		Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	db := sql.OpenDB(sqldriver.NewConnector(store, sqldriver.Config{Stream: "orders", TransactionTimeout: 3 * time.Second}))
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE orders (id INT PRIMARY KEY, item TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO orders VALUES (?, ?)", 1, "book"); err != nil {
		t.Fatal(err)
	}
	var item string
	if err := db.QueryRowContext(ctx, "SELECT item FROM orders WHERE id = 1").Scan(&item); err != nil || item != "book" {
		t.Errorf("item %q, %v; want book", item, err)
	}
	wrong := sql.OpenDB(sqldriver.Connector(store, "payments"))
	defer wrong.Close()
	if err := wrong.PingContext(ctx); !errors.Is(err, live.ErrUnknownStream) || !strings.Contains(err.Error(), "payments") {
		t.Errorf("a stream the store does not run: %v; want ErrUnknownStream naming it", err)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
