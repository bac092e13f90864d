package compare

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/sql"
)

// Each benchmark runs the same statements on Proven's SQL engine (through
// sql.Client over an Executor: every statement is encoded, applied,
// committed in one phase and its result decoded) and on SQLite in memory
// with one connection (through database/sql, statements not prepared, as
// Proven's are not). Ratios come from one run: compare the proven and
// sqlite sub-benchmarks of the same name.

// benchDatabase is one engine under benchmark.
type benchDatabase interface {
	exec(query string, args ...any) error
	begin() error
	commit() error
}

type provenDatabase struct {
	executor *Executor
	client   *sql.Client
}

func (d *provenDatabase) exec(query string, args ...any) error {
	_, err := d.client.Exec(context.Background(), query, args...)
	return err
}
func (d *provenDatabase) begin() error  { return d.executor.Begin() }
func (d *provenDatabase) commit() error { return d.executor.Commit() }

type sqliteDatabase struct {
	db *stdsql.DB
	tx *stdsql.Tx
}

func (d *sqliteDatabase) exec(query string, args ...any) error {
	if d.tx != nil {
		_, err := d.tx.Exec(query, args...)
		return err
	}
	rows, err := d.db.Query(query, args...) // Query, so SELECTs read their rows
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return rows.Close()
}

func (d *sqliteDatabase) begin() (err error) {
	d.tx, err = d.db.Begin()
	return err
}

func (d *sqliteDatabase) commit() error {
	err := d.tx.Commit()
	d.tx = nil
	return err
}

// benchEngines runs body once per engine, as sub-benchmarks.
func benchEngines(b *testing.B, setup func(b *testing.B, d benchDatabase), body func(b *testing.B, d benchDatabase)) {
	b.Run("engine=proven", func(b *testing.B) {
		executor := NewExecutor()
		d := &provenDatabase{executor: executor, client: sql.New(executor, "sql")}
		setup(b, d)
		b.ReportAllocs()
		b.ResetTimer()
		body(b, d)
	})
	b.Run("engine=sqlite", func(b *testing.B) {
		db, err := stdsql.Open("sqlite", "file::memory:")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		d := &sqliteDatabase{db: db}
		setup(b, d)
		b.ReportAllocs()
		b.ResetTimer()
		body(b, d)
	})
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// tableWithRows creates b (id, name, n) holding rows rows, n = id % 10.
func tableWithRows(rows int) func(b *testing.B, d benchDatabase) {
	return func(b *testing.B, d benchDatabase) {
		must(b, d.exec("CREATE TABLE b (id INTEGER NOT NULL PRIMARY KEY, name TEXT, n INTEGER)"))
		must(b, d.begin())
		for i := range rows {
			must(b, d.exec("INSERT INTO b VALUES (?, ?, ?)", i, fmt.Sprint("name", i), i%10))
		}
		must(b, d.commit())
	}
}

func BenchmarkInsertAutocommit(b *testing.B) {
	benchEngines(b, tableWithRows(0), func(b *testing.B, d benchDatabase) {
		for i := range b.N {
			must(b, d.exec("INSERT INTO b VALUES (?, 'x', 1)", i))
		}
	})
}

func BenchmarkPointSelect(b *testing.B) {
	benchEngines(b, tableWithRows(1000), func(b *testing.B, d benchDatabase) {
		for i := range b.N {
			must(b, d.exec("SELECT name FROM b WHERE id = ?", i%1000))
		}
	})
}

func BenchmarkUpdateByKey(b *testing.B) {
	benchEngines(b, tableWithRows(1000), func(b *testing.B, d benchDatabase) {
		for i := range b.N {
			must(b, d.exec("UPDATE b SET n = n + 1 WHERE id = ?", i%1000))
		}
	})
}

// BenchmarkInsertBatch measures one transaction of 1000 single-row
// INSERTs; one op is the whole batch.
func BenchmarkInsertBatch(b *testing.B) {
	benchEngines(b, tableWithRows(0), func(b *testing.B, d benchDatabase) {
		for i := range b.N {
			must(b, d.begin())
			for j := range 1000 {
				must(b, d.exec("INSERT INTO b VALUES (?, 'x', 1)", i*1000+j))
			}
			must(b, d.commit())
		}
	})
}

// BenchmarkJoinGroupBy joins 10k rows to a 10-row table and groups.
func BenchmarkJoinGroupBy(b *testing.B) {
	setup := func(b *testing.B, d benchDatabase) {
		tableWithRows(10000)(b, d)
		must(b, d.exec("CREATE TABLE g (n INTEGER NOT NULL PRIMARY KEY, label TEXT)"))
		for i := range 10 {
			must(b, d.exec("INSERT INTO g VALUES (?, ?)", i, fmt.Sprint("label", i%3)))
		}
	}
	benchEngines(b, setup, func(b *testing.B, d benchDatabase) {
		for range b.N {
			must(b, d.exec("SELECT g.label, COUNT(*) FROM b JOIN g ON b.n = g.n GROUP BY g.label"))
		}
	})
}

// joinTables creates tables j0..j(count-1) (k INTEGER, v INTEGER) of
// rows rows each, k = 0..rows-1 and v a permutation of them, so a chain
// j0.v = j1.k AND j1.v = j2.k ... keeps rows rows. There are no indexes:
// each engine plans the comma join alone (SQLite builds automatic
// indexes, Proven hashes).
func joinTables(count, rows int) func(b *testing.B, d benchDatabase) {
	return func(b *testing.B, d benchDatabase) {
		for i := range count {
			must(b, d.exec(fmt.Sprintf("CREATE TABLE j%d (k INTEGER, v INTEGER)", i)))
			must(b, d.begin())
			for k := range rows {
				must(b, d.exec(fmt.Sprintf("INSERT INTO j%d VALUES (?, ?)", i), k, (k*7+i)%rows))
			}
			must(b, d.commit())
		}
	}
}

// chainJoin is SELECT COUNT(*) over a comma join of j0..j(count-1).
func chainJoin(count int) string {
	var tables, conditions []string
	for i := range count {
		tables = append(tables, fmt.Sprintf("j%d", i))
		if i > 0 {
			conditions = append(conditions, fmt.Sprintf("j%d.v = j%d.k", i-1, i))
		}
	}
	return "SELECT COUNT(*) FROM " + strings.Join(tables, ", ") + " WHERE " + strings.Join(conditions, " AND ")
}

// BenchmarkCommaJoin6x10 joins 6 tables of 10 rows by equalities
// (target: under 1 ms for Proven).
func BenchmarkCommaJoin6x10(b *testing.B) {
	query := chainJoin(6)
	benchEngines(b, joinTables(6, 10), func(b *testing.B, d benchDatabase) {
		for range b.N {
			must(b, d.exec(query))
		}
	})
}

// BenchmarkCommaJoin3x1000 joins 3 tables of 1000 rows by equalities
// (target: within 2x of SQLite).
func BenchmarkCommaJoin3x1000(b *testing.B) {
	query := chainJoin(3)
	benchEngines(b, joinTables(3, 1000), func(b *testing.B, d benchDatabase) {
		for range b.N {
			must(b, d.exec(query))
		}
	})
}

// BenchmarkInSubquery1000 filters 1000 rows by IN (SELECT ...) over
// another 1000 rows, half of them matching (target: within 2x of
// SQLite).
func BenchmarkInSubquery1000(b *testing.B) {
	setup := func(b *testing.B, d benchDatabase) {
		must(b, d.exec("CREATE TABLE t1 (x INTEGER)"))
		must(b, d.exec("CREATE TABLE t2 (y INTEGER)"))
		must(b, d.begin())
		for i := range 1000 {
			must(b, d.exec("INSERT INTO t1 VALUES (?)", i))
			must(b, d.exec("INSERT INTO t2 VALUES (?)", i*2))
		}
		must(b, d.commit())
	}
	benchEngines(b, setup, func(b *testing.B, d benchDatabase) {
		for range b.N {
			must(b, d.exec("SELECT x FROM t1 WHERE x IN (SELECT y FROM t2)"))
		}
	})
}
