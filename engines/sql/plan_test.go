package sql

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestWideJoinsNeverCross plans comma joins of 64 tables, connected by
// equalities as a chain or a star and written in a shuffled order: the
// plan joins every table through an equality (hash or lookup), never by
// a cross product, and the query answers.
func TestWideJoinsNeverCross(t *testing.T) {
	runner := &autocommit{engine: NewEngine()}
	const tables = 64
	for i := range tables {
		runOrFail(t, runner, fmt.Sprintf("CREATE TABLE w%d (a INT, b INT)", i))
		runOrFail(t, runner, fmt.Sprintf("INSERT INTO w%d VALUES (0, 1), (1, 2), (2, 0), (3, NULL)", i))
	}
	random := rand.New(rand.NewPCG(64, 1))
	shapes := map[string]func(i int) string{
		"chain": func(i int) string { return fmt.Sprintf("w%d.b = w%d.a", i-1, i) },
		"star":  func(i int) string { return fmt.Sprintf("w0.a = w%d.b", i) },
	}
	for _, shape := range []string{"chain", "star"} {
		var from, where []string
		for _, i := range random.Perm(tables) {
			from = append(from, fmt.Sprintf("w%d", i))
			if i > 0 {
				where = append(where, shapes[shape](i))
			}
		}
		query := "SELECT COUNT(*) FROM " + strings.Join(from, ", ") + " WHERE " + strings.Join(where, " AND ")
		plan := runOrFail(t, runner, "EXPLAIN "+query)
		joins := 0
		for _, row := range plan.Rows {
			line := row[0].String()
			if strings.Contains(line, "cross join") || strings.Contains(line, "nested loop") {
				t.Fatalf("%s: the plan crosses: %s", shape, line)
			}
			if strings.Contains(line, " join on ") {
				joins++
			}
		}
		if joins != tables-1 {
			t.Fatalf("%s: %d joins in the plan, want %d", shape, joins, tables-1)
		}
		if rows := runOrFail(t, runner, query).Rows; len(rows) != 1 {
			t.Fatalf("%s: %v", shape, rows)
		}
	}
}
