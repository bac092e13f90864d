package compare

import (
	"context"
	"errors"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql"
)

// TestExecutor checks autocommit, an explicit transaction committed and
// one rolled back, a refused statement inside a transaction, and the
// misuse errors; and that nothing stays held in the engine.
func TestExecutor(t *testing.T) {
	ctx := context.Background()
	executor := NewExecutor()
	client := sql.New(executor, "sql")
	mustExec := func(query string, args ...any) {
		t.Helper()
		if _, err := client.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	count := func() int64 {
		t.Helper()
		rows, err := client.Query(ctx, "SELECT COUNT(*) FROM t")
		if err != nil || !rows.Next() {
			t.Fatalf("count: %v", err)
		}
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	mustExec("CREATE TABLE t (id INTEGER PRIMARY KEY)")
	mustExec("INSERT INTO t VALUES (1)")
	if _, err := client.Exec(ctx, "INSERT INTO t VALUES (1)"); !errors.Is(err, engines.ErrConstraint) {
		t.Fatalf("duplicate key: %v", err)
	}
	if err := executor.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := executor.Begin(); !errors.Is(err, ErrTransactionOpen) {
		t.Fatalf("nested Begin: %v", err)
	}
	mustExec("INSERT INTO t VALUES (2)")
	if _, err := client.Exec(ctx, "INSERT INTO t VALUES (2)"); !errors.Is(err, engines.ErrConstraint) {
		t.Fatalf("duplicate key in a transaction: %v", err)
	}
	mustExec("INSERT INTO t VALUES (3)")
	if err := executor.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("after commit: %d rows, want 3", n)
	}
	if err := executor.Begin(); err != nil {
		t.Fatal(err)
	}
	mustExec("INSERT INTO t VALUES (4)")
	if err := executor.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("after rollback: %d rows, want 3", n)
	}
	if err := executor.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := executor.Commit(); err != nil {
		t.Fatalf("empty transaction: %v", err)
	}
	if err := executor.Commit(); !errors.Is(err, ErrNoTransaction) {
		t.Fatalf("Commit without Begin: %v", err)
	}
	if err := executor.Rollback(); !errors.Is(err, ErrNoTransaction) {
		t.Fatalf("Rollback without Begin: %v", err)
	}
	if held := executor.Engine().Held(); !held.IsZero() {
		t.Fatalf("engine still holds %+v", held)
	}
}
