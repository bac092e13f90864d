package sql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
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

// DECIMAL, TIMESTAMP and UUID columns take and give the value package's
// Decimal, Timestamp and UUID, unchanged: the scale a DECIMAL column
// gives, the microsecond, all 16 bytes.
func TestClientSharesValueTypes(t *testing.T) {
	ctx := context.Background()
	client := New(&engineExecutor{runner: &autocommit{engine: NewEngine()}}, "sql")
	if _, err := client.Exec(ctx, "CREATE TABLE orders (id UUID PRIMARY KEY, price DECIMAL(8,2), due TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	id, _ := value.ParseUUID("123e4567-e89b-12d3-a456-426614174000")
	price, _ := value.ParseDecimal("19.9")
	due, _ := value.ParseTimestamp("2026-12-02T10:00:00.000001Z")
	if _, err := client.Exec(ctx, "INSERT INTO orders VALUES (?, ?, ?)", id, price, due); err != nil {
		t.Fatal(err)
	}
	rows, err := client.Query(ctx, "SELECT id, price, due, price * 2 FROM orders WHERE id = ? AND price = ?", id, price)
	if err != nil || !rows.Next() {
		t.Fatalf("query: %v", err)
	}
	var (
		gotID           value.UUID
		gotPrice, twice value.Decimal
		gotDue          value.Timestamp
	)
	if err := rows.Scan(&gotID, &gotPrice, &gotDue, &twice); err != nil {
		t.Fatal(err)
	}
	if gotID != id || gotPrice.String() != "19.90" || gotDue != due || twice.String() != "39.80" {
		t.Fatalf("scanned %v %v %v %v", gotID, gotPrice, gotDue, twice)
	}
	if err := rows.Scan(&gotDue, &gotPrice, &gotID, &twice); !errors.Is(err, ErrScan) {
		t.Fatalf("UUID into *value.Timestamp: %v", err)
	}
}

// TestFromGoIntegers: every Go integer type converts to the INT of the
// same number; a uint64 above the BIGINT range is a bad argument.
func TestFromGoIntegers(t *testing.T) {
	for _, arg := range []any{int(-7), int8(-7), int16(-7), int32(-7), int64(-7)} {
		if got, err := FromGo(arg); err != nil || got.Type() != TypeInt || got.AsInt() != -7 {
			t.Errorf("FromGo(%T -7) = %v, %v; want INT -7", arg, got, err)
		}
	}
	for _, arg := range []any{uint8(200), uint16(200), uint32(200), uint64(200)} {
		if got, err := FromGo(arg); err != nil || got.Type() != TypeInt || got.AsInt() != 200 {
			t.Errorf("FromGo(%T 200) = %v, %v; want INT 200", arg, got, err)
		}
	}
	if _, err := FromGo(uint64(1) << 63); !errors.Is(err, ErrBadArgument) {
		t.Errorf("FromGo(1<<63): err %v, want ErrBadArgument", err)
	}
}
