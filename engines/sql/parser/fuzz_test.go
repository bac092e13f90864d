package parser

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scenarioCommands are the commands of testdata files whose input is SQL.
var scenarioCommands = map[string]bool{"parse": true, "expr": true, "error": true, "error-expr": true, "lex": true}

// scenarioInputs returns the SQL input of every case in testdata/.
func scenarioInputs(tb testing.TB) []string {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	var inputs []string
	for _, path := range paths {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		content, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		var input []string
		collecting := false
		for _, line := range strings.Split(string(content), "\n") {
			switch {
			case !collecting && scenarioCommands[strings.Fields(line + " x")[0]]:
				collecting, input = true, nil
			case collecting && line == "----":
				collecting = false
				inputs = append(inputs, strings.Join(input, "\n"))
			case collecting:
				input = append(input, line)
			}
		}
	}
	return inputs
}

func TestScenarioInputsFound(t *testing.T) {
	if count := len(scenarioInputs(t)); count < 100 {
		t.Fatalf("found %d scenario inputs, expected at least 100", count)
	}
}

// FuzzParse checks that no input panics, that every error is a *Error,
// and that whatever parses prints to SQL that parses back to an equal tree
// and prints the same again.
func FuzzParse(f *testing.F) {
	for _, input := range scenarioInputs(f) {
		f.Add(input)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		statements, err := ParseAll(sql)
		checkErrorType(t, err)
		for _, statement := range statements {
			checkStatementRoundTrip(t, statement)
		}
		expr, err := ParseExpr(sql)
		checkErrorType(t, err)
		if err == nil {
			checkExprRoundTrip(t, expr)
		}
	})
}

func checkErrorType(t *testing.T, err error) {
	t.Helper()
	var syntaxError *Error
	if err != nil && !errors.As(err, &syntaxError) {
		t.Fatalf("error %v is not a *parser.Error", err)
	}
}

func BenchmarkParseSelectJoin(b *testing.B) {
	const sql = `SELECT o.id, c.name, o.total * 1.2 AS gross
FROM orders AS o JOIN customers AS c ON o.customer_id = c.id
WHERE o.total > $1 AND c.country IN ('NL', 'DE') AND o.created_at BETWEEN $2 AND $3
ORDER BY o.total DESC LIMIT 20`
	b.SetBytes(int64(len(sql)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(sql); err != nil {
			b.Fatal(err)
		}
	}
}
