package sql

import (
	"fmt"
	"testing"
)

func benchmarkRunner(b *testing.B, rows int) *autocommit {
	runner := &autocommit{engine: NewEngine()}
	if _, err := runner.run("CREATE TABLE b (id INT PRIMARY KEY, name TEXT, n INT)"); err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		if _, err := runner.run("INSERT INTO b VALUES (?, ?, ?)", Int(int64(i)), Text(fmt.Sprint("name", i)), Int(int64(i%10))); err != nil {
			b.Fatal(err)
		}
	}
	return runner
}

func BenchmarkInsertAutocommit(b *testing.B) {
	runner := benchmarkRunner(b, 0)
	b.ResetTimer()
	for i := range b.N {
		if _, err := runner.run("INSERT INTO b VALUES (?, 'x', 1)", Int(int64(i))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPointSelect(b *testing.B) {
	runner := benchmarkRunner(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		if _, err := runner.run("SELECT name FROM b WHERE id = ?", Int(int64(i%1000))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateByKey(b *testing.B) {
	runner := benchmarkRunner(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		if _, err := runner.run("UPDATE b SET n = n + 1 WHERE id = ?", Int(int64(i%1000))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupByJoin(b *testing.B) {
	runner := benchmarkRunner(b, 2000)
	if _, err := runner.run("CREATE TABLE g (n INT PRIMARY KEY, label TEXT)"); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		if _, err := runner.run("INSERT INTO g VALUES (?, 'l')", Int(int64(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := runner.run("SELECT g.label, COUNT(*) FROM b JOIN g ON b.n = g.n GROUP BY g.label"); err != nil {
			b.Fatal(err)
		}
	}
}
