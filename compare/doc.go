// Package compare checks Proven's SQL engine (engines/sql) against SQLite:
// a differential test over the SQL subset both share, and benchmarks that
// run the same statements on both in one process so that ratios come from
// one run. It is a separate module so that users of Proven never download
// SQLite (modernc.org/sqlite, a pure-Go translation).
//
// # What it models
//
// Executor drives the SQL engine outside the simulator: it implements
// engines.Executor over one sql.Engine with a private logical clock. Each
// Execute is its own transaction, committed in one phase, unless Begin
// opened an explicit transaction that Commit or Rollback ends. There is
// one client and no concurrency, so a statement can never be Blocked; if
// it is, that is reported as ErrBlocked.
//
// # Contract
//
// An Executor is not safe for concurrent use (nothing in Proven's engines
// is: they are step machines driven from one thread). Timestamps strictly
// increase: every transaction id and commit timestamp is a new tick.
//
// # How it is tested
//
// differential_test.go draws random schemas, rows, views and queries from
// a grammar over the shared subset (INTEGER, REAL, TEXT; NOT NULL and
// PRIMARY KEY; INSERT; views over filters, joins and groupings; SELECT
// with WHERE, ORDER BY, GROUP BY, DISTINCT, LIMIT/OFFSET, joins, comma
// joins of up to 8 tables and views connected by equalities, scalar, IN
// and [NOT] EXISTS subqueries often correlated by an equality, compound
// queries, CASE and a few functions), runs each on both engines and
// compares normalized results; a mismatch is shrunk to a minimal script
// and printed. The default run is 20,160 queries; a query over Proven's
// intermediate-row limit is counted, not compared. Where the two
// dialects differ by design (integer division, NULL ordering, LIKE case
// sensitivity, scalar subqueries returning many rows, implicit type
// conversions) the grammar avoids the difference and says so.
// bench_test.go runs single-row INSERT, point SELECT, UPDATE by key, a
// 1000-row INSERT batch, a join with GROUP BY, comma joins of 6 tables of
// 10 rows and of 3 tables of 1000 rows, and IN (SELECT ...) over two
// 1000-row tables on both engines.
//
// logicgen_test.go writes engines/sql's generated logic files (joins,
// semi joins, views) from specs by running them on SQLite, and fails when
// a file differs from SQLite's answers (-logic.generate rewrites them).
//
// # What it does not do
//
// It compares results and whether a statement failed, not error texts. It
// does not compare concurrency behaviour: SQLite runs with one connection.
package compare
