package compare

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// joinsSpec builds the spec of joins.test: tables filled from a seeded
// PRNG and joins of 2 to 64 of them. The data and queries are drawn by
// code; their answers come from SQLite (logicgen_test.go).
func joinsSpec() (string, error) {
	random := rand.New(rand.NewPCG(16, 0x10c))
	s := &specWriter{}
	s.comment(`Joins of many tables, generated: comma lists whose equality conditions
the planner turns into hash joins and lookups, joined in an order chosen by
estimated rows; chains, stars and cycles of 3 to 64 tables, over small
tables, over tables of 110 rows with and without indexes, mixed with JOIN
... ON, USING, NATURAL and outer joins, with NULL join keys and filters
at every level.`)
	value := func(n int) string {
		if random.IntN(10) == 0 {
			return "NULL"
		}
		return fmt.Sprint(random.IntN(n))
	}
	for i := range 10 {
		s.statement(fmt.Sprintf("CREATE TABLE s%d (k INTEGER PRIMARY KEY, v INTEGER, w INTEGER, label TEXT)", i))
		var rows []string
		for k := range 10 {
			rows = append(rows, fmt.Sprintf("(%d, %s, %s, '%c')", k, value(10), value(10), 'a'+rune(random.IntN(6))))
		}
		s.statement(fmt.Sprintf("INSERT INTO s%d VALUES %s", i, strings.Join(rows, ", ")))
	}
	for i := range 3 {
		s.statement(fmt.Sprintf("CREATE TABLE m%d (k INTEGER PRIMARY KEY, v INTEGER, w INTEGER)", i))
		var rows []string
		for k := range 110 {
			rows = append(rows, fmt.Sprintf("(%d, %s, %s)", k, value(110), value(110)))
		}
		s.statement(fmt.Sprintf("INSERT INTO m%d VALUES %s", i, strings.Join(rows, ", ")))
	}
	s.statement("CREATE INDEX m1_v ON m1 (v)")
	s.statement("CREATE INDEX m2_w ON m2 (w DESC)")
	for i := range 64 {
		s.statement(fmt.Sprintf("CREATE TABLE c%d (a INTEGER, b INTEGER)", i))
		s.statement(fmt.Sprintf("INSERT INTO c%d VALUES (0, %d), (1, %d), (2, %d), (3, NULL)", i, random.IntN(4), random.IntN(4), random.IntN(4)))
	}
	s.fixedJoins()
	s.chains()
	for range 40 {
		s.randomJoin(random)
	}
	return s.String(), nil
}

// specWriter writes logic records without results.
type specWriter struct{ strings.Builder }

func (s *specWriter) comment(text string) {
	for _, line := range strings.Split(text, "\n") {
		s.WriteString("# " + line + "\n")
	}
	s.WriteString("\n")
}

func (s *specWriter) statement(sql string) {
	fmt.Fprintf(s, "statement ok\n%s\n\n", sql)
}

func (s *specWriter) query(types, sortMode, sql string) {
	fmt.Fprintf(s, "query %s %s\n%s\n\n", types, sortMode, sql)
}

// fixedJoins are joins written out: chains, stars, cycles, mixed join
// syntax, outer joins and grouping.
func (s *specWriter) fixedJoins() {
	six := "s0, s1, s2, s3, s4, s5 WHERE s0.v = s1.k AND s1.v = s2.k AND s2.v = s3.k AND s3.v = s4.k AND s4.v = s5.k"
	s.query("I", "nosort", "SELECT COUNT(*) FROM "+six)
	s.query("IIIIII", "rowsort", "SELECT s0.k, s1.k, s2.k, s3.k, s4.k, s5.k FROM "+six)
	s.query("IT", "rowsort", "SELECT s5.k, s0.label FROM s5, s4, s3, s2, s1, s0 WHERE s4.v = s5.k AND s3.v = s4.k AND s2.v = s3.k AND s1.v = s2.k AND s0.v = s1.k AND s0.w > 3")
	s.query("II", "rowsort", "SELECT s0.k, COUNT(*) FROM s0, s1, s2, s3 WHERE s0.v = s1.k AND s0.w = s2.k AND s0.k = s3.v GROUP BY s0.k")
	s.query("I", "nosort", "SELECT COUNT(*) FROM s1, s2, s3 WHERE s1.v = s2.k AND s2.v = s3.k AND s3.v = s1.k")
	s.query("I", "nosort", "SELECT COUNT(*) FROM s1, s2, s3 WHERE s1.v = s2.k AND s2.v = s3.k AND s3.v = s1.k AND s1.w = s3.w")
	s.query("III", "rowsort", "SELECT s1.k, s2.k, s3.k FROM s1 JOIN s2 ON s1.v = s2.w, s3 WHERE s3.k = s2.v AND s1.label = s3.label")
	s.query("IIT", "rowsort", "SELECT s1.k, s2.k, s3.label FROM s1 LEFT JOIN s2 ON s1.v = s2.k AND s2.w > 4, s3 WHERE s3.k = s1.w")
	s.query("II", "rowsort", "SELECT s1.k, s2.k FROM s1, s2 WHERE s1.v < s2.v AND s1.w = s2.w")
	s.query("I", "nosort", "SELECT COUNT(*) FROM s1, s2, s3")
	s.query("I", "nosort", "SELECT COUNT(*) FROM s1, s2, s3 WHERE s1.k + s2.k = s3.k")
	s.query("TI", "rowsort", "SELECT s2.label, COUNT(*) FROM s1, s2 WHERE s1.v = s2.k GROUP BY s2.label")
	s.query("III", "rowsort", "SELECT k, s1.v, s2.v FROM s1 JOIN s2 USING (k) WHERE s1.w = s2.w OR s1.v IS NULL")
	s.query("II", "rowsort", "SELECT k, w FROM s1 NATURAL JOIN s2")
	s.query("IIII", "rowsort", "SELECT s6.k, s7.k, s8.k, s9.k FROM s6 LEFT JOIN s7 ON s6.v = s7.k LEFT JOIN s8 ON s7.w = s8.k, s9 WHERE s9.k = s6.k AND s9.v IS NOT NULL")
	m := "m0, m1, m2 WHERE m0.v = m1.k AND m1.w = m2.k"
	s.query("I", "nosort", "SELECT COUNT(*) FROM "+m)
	s.query("III", "rowsort", "SELECT m0.k, m1.k, m2.k FROM "+m+" AND m2.v < 20")
	s.query("II", "nosort", "SELECT COUNT(*), SUM(m2.v) FROM m0, m1, m2 WHERE m0.w = m1.v AND m2.w = m1.k")
	s.query("III", "rowsort", "SELECT m0.k, m1.k, m2.k FROM m0, m1, m2 WHERE m0.k = 7 AND m1.v = m0.w AND m2.w = m1.k")
	s.query("II", "rowsort", "SELECT m0.k, m1.k FROM m0, m1 WHERE m1.v = m0.k AND m0.w < 10")
	s.query("III", "rowsort", "SELECT m0.k, m1.w, s0.label FROM m0, m1, s0 WHERE m0.v = m1.k AND m1.w = s0.k")
	s.query("I", "nosort", "SELECT COUNT(*) FROM m0 LEFT JOIN m1 ON m0.v = m1.k LEFT JOIN m2 ON m1.w = m2.k WHERE m2.k IS NULL")
}

// chains joins the 64 small tables c0..c63 (and prefixes of them) on
// c_i.b = c_(i+1).a.
func (s *specWriter) chains() {
	for _, n := range []int{8, 20, 64} {
		var tables, conditions []string
		for i := range n {
			tables = append(tables, fmt.Sprintf("c%d", i))
			if i > 0 {
				conditions = append(conditions, fmt.Sprintf("c%d.b = c%d.a", i-1, i))
			}
		}
		where := strings.Join(conditions, " AND ")
		s.query("I", "nosort", fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", strings.Join(tables, ", "), where))
		s.query("II", "rowsort", fmt.Sprintf("SELECT c0.a, c%d.b FROM %s WHERE %s AND c0.a < 2", n-1, strings.Join(tables, ", "), where))
	}
}

// randomJoin draws a join of 3 to 8 of the small tables connected by
// equalities between random columns, with a filter, in a shuffled FROM
// order.
func (s *specWriter) randomJoin(random *rand.Rand) {
	count := 3 + random.IntN(6)
	picked := random.Perm(10)[:count]
	columns := []string{"k", "v", "w"}
	var conditions []string
	for i := 1; i < count; i++ {
		other := picked[random.IntN(i)]
		conditions = append(conditions, fmt.Sprintf("s%d.%s = s%d.%s", picked[i], columns[random.IntN(3)], other, columns[random.IntN(3)]))
	}
	if random.IntN(2) == 0 {
		conditions = append(conditions, fmt.Sprintf("s%d.w >= %d", picked[random.IntN(count)], random.IntN(8)))
	}
	if random.IntN(3) == 0 {
		a, b := picked[random.IntN(count)], picked[random.IntN(count)]
		conditions = append(conditions, fmt.Sprintf("s%d.v <> s%d.w", a, b))
	}
	random.Shuffle(len(conditions), func(i, j int) { conditions[i], conditions[j] = conditions[j], conditions[i] })
	order := random.Perm(count)
	tables := make([]string, count)
	for i, position := range order {
		tables[i] = fmt.Sprintf("s%d", picked[position])
	}
	where := strings.Join(conditions, " AND ")
	if random.IntN(2) == 0 {
		s.query("II", "nosort", fmt.Sprintf("SELECT COUNT(*), SUM(s%d.v) FROM %s WHERE %s", picked[0], strings.Join(tables, ", "), where))
		return
	}
	s.query("IIT", "rowsort", fmt.Sprintf("SELECT s%d.k, s%d.v, s%d.label FROM %s WHERE %s", picked[0], picked[count-1], picked[1], strings.Join(tables, ", "), where))
}
