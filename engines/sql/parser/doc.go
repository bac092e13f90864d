// Package parser reads the SQL dialect of Proven's SQL engine into a syntax
// tree and prints syntax trees back as SQL.
//
// # What it models
//
// The text of SQL statements: DDL (CREATE/DROP TABLE, CREATE/DROP INDEX with
// ASC/DESC columns, CREATE/DROP VIEW, ALTER TABLE ADD/DROP/RENAME COLUMN and
// RENAME TO), DML (INSERT with VALUES, SELECT or DEFAULT VALUES, UPDATE,
// DELETE, each with RETURNING), queries (WITH, SELECT with DISTINCT, joins
// including NATURAL ones, subqueries, GROUP BY, HAVING, compounds with UNION
// [ALL], INTERSECT and EXCEPT, ORDER BY with NULLS FIRST/LAST, LIMIT, OFFSET;
// calls with DISTINCT, ALL or *) and EXPLAIN. The lexer, the recursive-descent statement parser and
// the precedence-climbing expression parser are written by hand.
//
// Expression precedence, weakest first: OR, AND, NOT, comparisons together
// with IS, IN, LIKE and BETWEEN, ||, + and -, * / and %, unary sign. Binary
// operators associate to the left; so do compound queries, whose operators
// all bind equally (as in SQLite, unlike the SQL standard, where INTERSECT
// binds tighter).
//
// Names: unquoted identifiers fold to lower case; "quoted" identifiers keep
// their exact text. Function and type names fold to upper case when
// unquoted. Reserved words (SELECT, FROM, NATURAL; KEY, VIEW and WITH are
// not) must be quoted to serve as names; WITH starts a query only when a
// name follows it. Numbers keep their text as written: typing literals is the
// planner's job, as is checking that a type name or a function exists.
//
// # Contract
//
// Parse reads exactly one statement, ParseAll a semicolon-separated list,
// ParseExpr one expression. Any input, however malformed, yields either a
// tree or an *Error naming the line, the byte column and the offending token:
//
//	sql: line 3, column 14: unexpected "FROM", expected an expression
//
// Every node's String method prints canonical SQL (upper-case keywords,
// minimal parentheses, identifiers quoted only when needed) that parses back
// to an equal tree; printing is therefore a fixed point. Trees carry no
// source positions, so equality is plain structural equality.
//
// # Invariants and limits
//
// Nesting (parentheses, subqueries, CASE, unary operators, parenthesized
// joins, EXPLAIN) is limited to 200 levels and the text to 64 MiB; deeper or
// longer input is an error, never a stack overflow. One statement uses either
// ? or $N parameters; each ? is numbered one more than the previous one. Rows
// of one INSERT ... VALUES have equal length.
//
// # What it does not do
//
// No name resolution, typing, planning or execution; no schema-qualified
// names, WITH RECURSIVE, window functions, LIKE ... ESCAPE or transaction
// statements (transactions belong to the coordinator).
//
// # How it is tested
//
// Scenario files in testdata/ (one per statement family, run by
// cockroachdb/datadriven) show the canonical print of each construct and the
// exact message of each error; every parsed case is also checked to round
// trip. A rapid property generates random trees from the grammar, prints
// them and parses them back to equal trees. FuzzParse, seeded from the
// scenario files, checks that no input panics and that whatever parses
// round-trips.
package parser
