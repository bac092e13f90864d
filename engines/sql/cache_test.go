package sql

import (
	"strconv"
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
