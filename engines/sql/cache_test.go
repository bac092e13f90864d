package sql

import (
	"github.com/proven2pc/proven/engines"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestLRUCacheAgainstModel checks the cache against a slice model, newest
// first: a key is found iff it is among the capacity most recently used
// keys, with its latest value.
func TestLRUCacheAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 4).Draw(t, "capacity")
		cache := newLRUCache[int](capacity)
		type entry struct {
			key   string
			value int
		}
		var model []entry // newest first
		touch := func(i int) {
			e := model[i]
			model = append(model[:i], model[i+1:]...)
			model = append([]entry{e}, model...)
		}
		find := func(key string) int {
			for i, e := range model {
				if e.key == key {
					return i
				}
			}
			return -1
		}
		for range rapid.IntRange(1, 50).Draw(t, "steps") {
			key := strconv.Itoa(rapid.IntRange(0, 6).Draw(t, "key"))
			if rapid.Bool().Draw(t, "put") {
				value := rapid.Int().Draw(t, "value")
				cache.put(key, value)
				if i := find(key); i >= 0 {
					model[i].value = value
					touch(i)
				} else {
					model = append([]entry{{key, value}}, model...)
					model = model[:min(len(model), capacity)]
				}
				continue
			}
			get := cache.get
			if rapid.Bool().Draw(t, "as bytes") {
				get = func(key string) (int, bool) { return cache.getBytes([]byte(key)) }
			}
			got, ok := get(key)
			i := find(key)
			if ok != (i >= 0) || ok && got != model[i].value {
				t.Fatalf("get %s = %d, %v; model %v", key, got, ok, model)
			}
			if i >= 0 {
				touch(i)
			}
			if len(cache.entries) != len(model) {
				t.Fatalf("cache holds %d entries, model %d", len(cache.entries), len(model))
			}
		}
	})
}

// TestCachedStatementsAndSchemasKeepResults runs DDL that changes a
// table between statements of the same text: the caches must never
// serve a stale schema or let DDL change a shared one.
func TestCachedStatementsAndSchemasKeepResults(t *testing.T) {
	runner := &autocommit{engine: NewEngine()}
	run := func(query string) *Result {
		t.Helper()
		result, err := runner.run(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return result
	}
	run("CREATE TABLE c (k INT PRIMARY KEY, v INT)")
	run("INSERT INTO c VALUES (1, 10)")
	if got := len(run("SELECT * FROM c").Columns); got != 2 {
		t.Fatalf("want 2 columns, got %d", got)
	}
	run("ALTER TABLE c ADD COLUMN w INT DEFAULT 7")
	result := run("SELECT * FROM c")
	if len(result.Columns) != 3 || result.Rows[0][2] != Int(7) {
		t.Fatalf("after ADD COLUMN: %v %v", result.Columns, result.Rows)
	}
	run("ALTER TABLE c DROP COLUMN w")
	if got := len(run("SELECT * FROM c").Columns); got != 2 {
		t.Fatalf("after DROP COLUMN want 2 columns, got %d", got)
	}
	run("CREATE INDEX c_v ON c (v)")
	run("DROP INDEX c_v")
	run("CREATE INDEX c_v ON c (v)")
	if rows := run("SELECT k FROM c WHERE v = 10").Rows; len(rows) != 1 {
		t.Fatalf("index lookup after re-creating the index: %v", rows)
	}
}

// TestCachedWritePlansKeepResults repeats UPDATE and DELETE texts with
// other arguments, across transactions and DDL: a kept plan must read
// each statement's own arguments and NOW, and DDL must retire it.
func TestCachedWritePlansKeepResults(t *testing.T) {
	runner := &autocommit{engine: NewEngine()}
	run := func(query string, args ...Value) *Result { return runOrFail(t, runner, query, args...) }
	run("CREATE TABLE w (k INT PRIMARY KEY, v INT, at TIMESTAMP)")
	run("INSERT INTO w VALUES (1, 0, NULL), (2, 0, NULL), (3, 0, NULL)")
	update := "UPDATE w SET v = v + ?, at = NOW() WHERE k = ?"
	for k := range 3 {
		run(update, Int(int64(10*(k+1))), Int(int64(k+1)))
	}
	rows := run("SELECT v, at FROM w ORDER BY k").Rows
	for k, row := range rows {
		if row[0] != Int(int64(10*(k+1))) {
			t.Fatalf("row %d: v = %v, want %d", k+1, row[0], 10*(k+1))
		}
		if k > 0 && row[1] == rows[k-1][1] {
			t.Fatalf("rows %d and %d share NOW() %v: a kept plan froze it", k, k+1, row[1])
		}
	}
	if _, err := runner.run(update, Int(1)); err == nil || !strings.Contains(err.Error(), "parameter 2 given, 1 arguments") {
		t.Fatalf("a kept plan with too few arguments: %v", err)
	}
	run("ALTER TABLE w RENAME COLUMN v TO x")
	if _, err := runner.run(update, Int(1), Int(1)); err == nil || !strings.Contains(err.Error(), "unknown column") {
		t.Fatalf("after RENAME COLUMN the kept plan must go: %v", err)
	}
	run("ALTER TABLE w RENAME COLUMN x TO v")
	run(update, Int(5), Int(1))
	if v := run("SELECT v FROM w WHERE k = 1").Rows[0][0]; v != Int(15) {
		t.Fatalf("after renaming back: v = %v, want 15", v)
	}
	remove := "DELETE FROM w WHERE k = ?"
	for _, k := range []int64{1, 3} {
		if result := run(remove, Int(k)); result.RowsAffected != 1 {
			t.Fatalf("DELETE of %d affected %d rows", k, result.RowsAffected)
		}
	}
	if rows := run("SELECT k FROM w").Rows; len(rows) != 1 || rows[0][0] != Int(2) {
		t.Fatalf("left after deletes: %v", rows)
	}
}

// TestCachedQueryPlansKeepResults repeats a query text with other
// arguments: a kept plan must read each run's arguments, choose its
// access path (and so its predicate lock) from them, and go when DDL
// changes the table.
func TestCachedQueryPlansKeepResults(t *testing.T) {
	engine := NewEngine()
	runner := &autocommit{engine: engine}
	run := func(query string, args ...Value) *Result { return runOrFail(t, runner, query, args...) }
	run("CREATE TABLE q (k INT PRIMARY KEY, v INT)")
	run("INSERT INTO q VALUES (1, 10), (2, 20), (3, 30)")
	query := "SELECT v FROM q WHERE k = ?"
	for k := int64(1); k <= 3; k++ {
		if rows := run(query, Int(k)).Rows; len(rows) != 1 || rows[0][0] != Int(10*k) {
			t.Fatalf("k = %d: %v", k, rows)
		}
	}
	// A reader of k = 2 through the kept plan blocks a writer of k = 2
	// only: its lock was chosen from this run's argument.
	reader, writer := runner.next(), runner.next()
	if outcome := engine.Apply(reader, Operation{Query: query, Arguments: []Value{Int(2)}}.Encode(), reader); outcome.Status != engines.StatusDone {
		t.Fatalf("reader: %v", outcome)
	}
	if outcome := engine.Apply(writer, Operation{Query: "UPDATE q SET v = 0 WHERE k = 3"}.Encode(), writer); outcome.Status != engines.StatusDone {
		t.Fatalf("write outside the reader's predicate: %v", outcome)
	}
	if outcome := engine.Apply(writer, Operation{Query: "UPDATE q SET v = 0 WHERE k = 2"}.Encode(), writer); outcome.Status != engines.StatusBlocked {
		t.Fatalf("write inside the reader's predicate: %v, want blocked", outcome)
	}
	engine.Abort(reader)
	engine.Abort(writer)
	if _, err := runner.run(query); err == nil || !strings.Contains(err.Error(), "parameter 1 given, 0 arguments") {
		t.Fatalf("a kept plan without its argument: %v", err)
	}
	run("ALTER TABLE q RENAME COLUMN v TO w")
	if _, err := runner.run(query, Int(1)); err == nil || !strings.Contains(err.Error(), "unknown column") {
		t.Fatalf("after RENAME COLUMN the kept plan must go: %v", err)
	}
}

// runOrFail runs a statement in its own transaction and fails the test
// when it does not succeed.
func runOrFail(t *testing.T, runner *autocommit, query string, args ...Value) *Result {
	t.Helper()
	result, err := runner.run(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return result
}
