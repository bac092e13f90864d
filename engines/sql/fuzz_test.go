package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// fuzzSetup gives statements tables, indexes and rows to work on; the
// names match those of the parser's scenario files where they can.
var fuzzSetup = []string{
	"CREATE TABLE t (a INT PRIMARY KEY, b TEXT, c DOUBLE, d DECIMAL(10,2), e DATE)",
	"CREATE INDEX t_b ON t (b)",
	"INSERT INTO t VALUES (1, 'x', 1.5, 2.25, '2024-01-01'), (2, NULL, NULL, NULL, NULL), (3, 'y', -1.0, 0, '1999-12-31')",
	"CREATE TABLE users (id INT PRIMARY KEY, name TEXT UNIQUE, age INT)",
	"INSERT INTO users VALUES (1, 'ann', 30), (2, 'bob', NULL)",
	"CREATE TABLE orders (id INT, user_id INT, total INT)",
	"INSERT INTO orders VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5)",
}

// seedStatements returns SQL from the logic files and the parser's
// scenario files: a wide and mostly valid corpus.
func seedStatements(tb testing.TB) []string {
	var statements []string
	paths, _ := filepath.Glob("testdata/logic/*.test")
	for _, path := range paths {
		file, err := parseLogicFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, record := range file.records {
			statements = append(statements, record.sql)
		}
	}
	parserFiles, _ := filepath.Glob("parser/testdata/*")
	for _, path := range parserFiles {
		content, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		var input []string
		collecting := false
		for _, line := range strings.Split(string(content), "\n") {
			switch {
			case !collecting && (strings.HasPrefix(line, "parse") || strings.HasPrefix(line, "error")):
				collecting, input = true, nil
			case collecting && line == "----":
				collecting = false
				statements = append(statements, strings.Join(input, "\n"))
			case collecting:
				input = append(input, line)
			}
		}
	}
	return statements
}

// executeNoPanic runs statement in a transaction and a snapshot read on a
// prepared engine; any outcome is fine except a panic or a Done result
// that does not decode.
func executeNoPanic(t *testing.T, statement string, arguments []Value) {
	runner := &autocommit{engine: NewEngine()}
	for _, setup := range fuzzSetup {
		if _, err := runner.run(setup); err != nil {
			t.Fatalf("setup %q: %v", setup, err)
		}
	}
	txn := runner.next()
	operation := Operation{Query: statement, Arguments: arguments}.Encode()
	outcome := runner.engine.Apply(txn, operation, txn)
	if outcome.Status == engines.StatusDone {
		if _, err := DecodeResult(outcome.Result); err != nil {
			t.Fatalf("%q: result does not decode: %v", statement, err)
		}
		if err := runner.engine.Commit(txn, runner.next()); err != nil {
			t.Fatalf("%q: commit: %v", statement, err)
		}
	} else {
		runner.engine.Abort(txn)
	}
	runner.engine.Read(operation, clock.Timestamp{WallNanos: runner.clock * 1000, Node: 2})
	if held := runner.engine.Held(); !held.IsZero() {
		t.Fatalf("%q: engine still holds %+v", statement, held)
	}
}

var fuzzArguments = []Value{Int(1), Text("x"), Null()}

// TestSeedStatementsNeverPanic runs every seed statement once.
func TestSeedStatementsNeverPanic(t *testing.T) {
	statements := seedStatements(t)
	if len(statements) < 200 {
		t.Fatalf("found %d seed statements, expected at least 200", len(statements))
	}
	for _, statement := range statements {
		executeNoPanic(t, statement, fuzzArguments)
	}
}

// FuzzExecute checks that executing arbitrary text never panics.
func FuzzExecute(f *testing.F) {
	for _, statement := range seedStatements(f) {
		f.Add(statement)
	}
	f.Fuzz(func(t *testing.T, statement string) {
		executeNoPanic(t, statement, fuzzArguments)
	})
}
