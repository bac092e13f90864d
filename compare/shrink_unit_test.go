package compare

import (
	"slices"
	"testing"
)

// TestShrink plants a known dialect difference (Proven refuses division
// by zero, SQLite yields NULL) in a larger script and checks that the
// shrinker keeps only what the mismatch needs.
func TestShrink(t *testing.T) {
	setup := []string{
		"CREATE TABLE t0 (c0 INTEGER NOT NULL PRIMARY KEY, c1 TEXT)",
		"CREATE TABLE t1 (c0 INTEGER)",
		"INSERT INTO t0 VALUES (1, 'a')",
		"INSERT INTO t0 VALUES (2, 'b')",
		"INSERT INTO t1 VALUES (7)",
	}
	divided := node(kindBool, "((%s / 0) IS NULL)", leaf(kindInt, "a.c0"))
	q := &query{
		distinct: true,
		items:    []*expr{leaf(kindInt, "a.c0"), leaf(kindText, "a.c1")},
		from:     "t0 a",
		where:    node(kindBool, "(%s AND %s)", node(kindBool, "(%s > 0)", leaf(kindInt, "a.c0")), divided),
		limit:    -1,
		offset:   -1,
	}
	if !mismatched(setup, q) {
		t.Fatalf("the planted difference does not show: %s", q)
	}
	setup, q = shrink(setup, q)
	if len(setup) != 2 || setup[0] != "CREATE TABLE t0 (c0 INTEGER NOT NULL PRIMARY KEY, c1 TEXT)" || !slices.Contains([]string{"INSERT INTO t0 VALUES (1, 'a')", "INSERT INTO t0 VALUES (2, 'b')"}, setup[1]) {
		t.Errorf("setup not minimal: %q", setup)
	}
	// Either select item alone is minimal.
	if got := q.String(); !slices.Contains([]string{"SELECT a.c0 FROM t0 a WHERE ((a.c0 / 0) IS NULL)", "SELECT a.c1 FROM t0 a WHERE ((a.c0 / 0) IS NULL)"}, got) {
		t.Errorf("query shrank to %q", got)
	}
}
