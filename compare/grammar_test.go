package compare

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The grammar draws statements over the subset both engines share. Each
// generated expression has a static kind, and the grammar never mixes kinds
// where the dialects differ: SQLite converts between text and numbers
// silently, Proven refuses, so text only meets text. Numbers (INTEGER and
// REAL) mix freely, since both compare and add them numerically.
//
// Excluded on purpose, as chosen differences rather than bugs:
//   - division: 7 / 2 is 3 in both, but DECIMAL literals make 7.0 / 2
//     exact in Proven and a float in SQLite; and Proven refuses division
//     by zero where SQLite yields NULL;
//   - ORDER BY without NULLS FIRST/LAST: SQLite sorts NULL lowest, Proven
//     highest (as PostgreSQL does), so every ORDER BY key names its NULLs;
//   - LIKE on mixed case: SQLite's LIKE folds ASCII case, Proven's does
//     not; the SQLite side runs PRAGMA case_sensitive_like = ON;
//   - scalar subqueries that may return many rows: SQLite takes the first,
//     Proven refuses; scalar subqueries here are always aggregates;
//   - values of the wrong type for a column (SQLite's type affinity keeps
//     them) and NULL in an INTEGER PRIMARY KEY (SQLite assigns a rowid):
//     key columns are always NOT NULL, and values match their column;
//   - integer overflow: values are small and products shallow;
//   - INTERSECT ALL and EXCEPT ALL, which SQLite lacks;
//   - cross products of many tables: each table of a comma join is
//     connected to an earlier one by an equality, since Proven bounds the
//     rows a statement produces (intermediateMax) and SQLite does not; a
//     query over the bound anyway is counted, not compared;
//   - views whose query names an unknown column: Proven refuses them at
//     CREATE VIEW, SQLite when they are used; the grammar's views are
//     valid.

// kind is the static type of a column or expression.
type kind int

const (
	kindInt kind = iota
	kindReal
	kindText
	kindBool
)

func (k kind) sqlName() string {
	return [...]string{"INTEGER", "REAL", "TEXT", "BOOLEAN"}[k]
}

func (k kind) numeric() bool { return k == kindInt || k == kindReal }

type column struct {
	name    string // qualified as alias.name in queries
	kind    kind
	notNull bool
}

type table struct {
	name       string
	columns    []column
	primaryKey bool // the first column is the primary key
	view       bool // a view: queried like a table, never inserted into
}

// expr is a node of a generated expression: a format with %s for each
// argument, or a leaf text when format is empty.
type expr struct {
	kind   kind
	format string
	leaf   string
	args   []*expr
}

func (e *expr) String() string {
	if e.format == "" {
		return e.leaf
	}
	parts := make([]any, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return fmt.Sprintf(e.format, parts...)
}

func leaf(k kind, text string) *expr { return &expr{kind: k, leaf: text} }

func node(k kind, format string, args ...*expr) *expr {
	return &expr{kind: k, format: format, args: args}
}

// scoped is a column visible in a query, with its qualified name.
type scoped struct {
	name string
	kind kind
}

// generator draws schemas, rows and queries from one seeded PRNG.
type generator struct {
	random *rand.Rand
	tables []table
}

func newGenerator(seed uint64) *generator {
	return &generator{random: rand.New(rand.NewPCG(seed, 0x5eed))}
}

func (g *generator) chance(percent int) bool { return g.random.IntN(100) < percent }

func (g *generator) pick(n int) int { return g.random.IntN(n) }

var (
	textLiterals = []string{"", "a", "A", "ab", "aB", "b", "ba", "abc", "B%", "a_c", "zz"}
	realLiterals = []string{"-2.5", "-1.0", "0.0", "0.5", "1.0", "1.25", "2.0", "3.5"}
	likePatterns = []string{"a%", "%b", "%a%", "_", "a_", "%", "", "a", "B%", "%c", "_b%"}
)

func (g *generator) literal(k kind) string {
	switch k {
	case kindInt:
		return fmt.Sprint(g.random.IntN(11) - 5)
	case kindReal:
		return realLiterals[g.pick(len(realLiterals))]
	}
	return "'" + textLiterals[g.pick(len(textLiterals))] + "'"
}

// value is a literal for a column, NULL allowed where the column allows.
func (g *generator) value(c column) string {
	if !c.notNull && g.chance(15) {
		return "NULL"
	}
	return g.literal(c.kind)
}

// schema draws two or three tables and returns their CREATE statements.
func (g *generator) schema() []string {
	count := 2 + g.pick(2)
	var statements []string
	for i := range count {
		t := table{name: fmt.Sprintf("t%d", i), primaryKey: g.chance(70)}
		columnCount := 2 + g.pick(3)
		var definitions []string
		for j := range columnCount {
			c := column{name: fmt.Sprintf("c%d", j), kind: kind(g.pick(3)), notNull: g.chance(20)}
			definition := c.name + " " + c.kind.sqlName()
			if j == 0 && t.primaryKey {
				if c.kind == kindReal {
					c.kind = kindInt
					definition = c.name + " INTEGER"
				}
				c.notNull = true
				definition += " NOT NULL PRIMARY KEY"
			} else if c.notNull {
				definition += " NOT NULL"
			}
			t.columns = append(t.columns, c)
			definitions = append(definitions, definition)
		}
		g.tables = append(g.tables, t)
		statements = append(statements, fmt.Sprintf("CREATE TABLE %s (%s)", t.name, strings.Join(definitions, ", ")))
	}
	for i := range g.pick(3) {
		view, statement := g.view(fmt.Sprintf("v%d", i), count)
		g.tables = append(g.tables, view)
		statements = append(statements, statement)
	}
	return statements
}

// relation picks a table or view for FROM.
func (g *generator) relation() table { return g.tables[g.pick(len(g.tables))] }

// view draws a view over the first tables: a projection with a filter,
// a join of two tables, or a grouping; its columns are named x0, x1, ...
func (g *generator) view(name string, tables int) (table, string) {
	base := g.tables[g.pick(tables)]
	scope := base.scope(base.name)
	from := base.name
	var where string
	switch g.pick(3) {
	case 0:
		where = " WHERE " + g.predicate(scope, 0).String()
	case 1:
		other := g.tables[g.pick(tables)]
		scope = append(base.scope("p"), other.scope("q")...)
		from = fmt.Sprintf("%s p JOIN %s q ON ", base.name, other.name)
		if equality := g.equality(base.scope("p"), other.scope("q")); equality != nil {
			from += equality.String()
		} else {
			from += "TRUE"
		}
	default:
		key := scope[g.pick(len(scope))]
		v := table{name: name, view: true, columns: []column{{name: "x0", kind: key.kind}, {name: "x1", kind: kindInt}}}
		statement := fmt.Sprintf("CREATE VIEW %s (x0, x1) AS SELECT %s, COUNT(*) FROM %s GROUP BY %s", name, key.name, from, key.name)
		return v, statement
	}
	v := table{name: name, view: true}
	var selected, names []string
	for i, index := range g.random.Perm(len(scope))[:1+g.pick(min(3, len(scope)))] {
		v.columns = append(v.columns, column{name: fmt.Sprintf("x%d", i), kind: scope[index].kind})
		selected = append(selected, scope[index].name)
		names = append(names, fmt.Sprintf("x%d", i))
	}
	statement := fmt.Sprintf("CREATE VIEW %s (%s) AS SELECT %s FROM %s%s", name, strings.Join(names, ", "), strings.Join(selected, ", "), from, where)
	return v, statement
}

// inserts draws rows for every table, mostly one row a statement (so the
// shrinker can drop rows one by one), sometimes several.
func (g *generator) inserts() []string {
	var statements []string
	for _, t := range g.tables {
		if t.view {
			continue
		}
		rows := 2 + g.pick(12)
		for rows > 0 {
			batch := 1
			if g.chance(20) {
				batch = 1 + g.pick(min(rows, 4))
			}
			var tuples []string
			for range batch {
				values := make([]string, len(t.columns))
				for j, c := range t.columns {
					values[j] = g.value(c)
				}
				tuples = append(tuples, "("+strings.Join(values, ", ")+")")
			}
			statements = append(statements, fmt.Sprintf("INSERT INTO %s VALUES %s", t.name, strings.Join(tuples, ", ")))
			rows -= batch
		}
	}
	return statements
}
