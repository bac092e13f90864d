package sql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines"
)

// engineExecutor runs each operation in its own committed transaction.
type engineExecutor struct{ runner *autocommit }

func (x *engineExecutor) Execute(_ context.Context, _ string, operation []byte) ([]byte, error) {
	txn := x.runner.next()
	outcome := x.runner.engine.Apply(txn, operation, txn)
	if outcome.Status != engines.StatusDone {
		x.runner.engine.Abort(txn)
		if outcome.Err != nil {
			return nil, engines.AsRefusal(outcome.Err)
		}
		return nil, errors.New("blocked")
	}
	return outcome.Result, x.runner.engine.Commit(txn, x.runner.next())
}

func TestClient(t *testing.T) {
	ctx := context.Background()
	client := New(&engineExecutor{runner: &autocommit{engine: NewEngine()}}, "sql")
	if _, err := client.Exec(ctx, "CREATE TABLE u (id INT PRIMARY KEY, name TEXT, score DOUBLE, born TIMESTAMP, photo BYTEA, ok BOOLEAN)"); err != nil {
		t.Fatal(err)
	}
	born := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	result, err := client.Exec(ctx, "INSERT INTO u VALUES (?, ?, ?, ?, ?, ?), (2, NULL, NULL, NULL, NULL, NULL)", 1, "ann", 2.5, born, []byte{1, 2}, true)
	if err != nil || result.RowsAffected != 2 {
		t.Fatalf("insert: %+v %v", result, err)
	}
	rows, err := client.Query(ctx, "SELECT id, name, score, born, photo, ok FROM u WHERE id = $1", int64(1))
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no row")
	}
	var (
		id    int64
		name  string
		score float64
		when  time.Time
		photo []byte
		ok    bool
	)
	if err := rows.Scan(&id, &name, &score, &when, &photo, &ok); err != nil {
		t.Fatal(err)
	}
	if id != 1 || name != "ann" || score != 2.5 || !when.Equal(born) || string(photo) != "\x01\x02" || !ok {
		t.Fatalf("scanned %v %v %v %v %v %v", id, name, score, when, photo, ok)
	}
	if rows.Next() {
		t.Fatal("a second row")
	}
	rows, err = client.Query(ctx, "SELECT name FROM u WHERE id = 2")
	if err != nil || !rows.Next() {
		t.Fatalf("query: %v", err)
	}
	var anything any
	if err := rows.Scan(&anything); err != nil || anything != nil {
		t.Fatalf("NULL into *any: %v %v", anything, err)
	}
	if err := rows.Scan(&name); !errors.Is(err, ErrScan) {
		t.Fatalf("NULL into *string: %v", err)
	}
	if _, err := client.Exec(ctx, "INSERT INTO u (id) VALUES (1)"); !errors.Is(err, engines.ErrConstraint) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := client.Query(ctx, "SELECT * FROM missing"); !errors.Is(err, engines.ErrNotFound) {
		t.Fatalf("missing table: %v", err)
	}
	if _, err := client.Exec(ctx, "SELECT ?", struct{}{}); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("bad argument: %v", err)
	}
}
