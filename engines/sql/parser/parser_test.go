package parser

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Commands of the scenario files:
//
//	parse       ParseAll the input; print each statement canonically, one
//	            per line, after checking that it round-trips
//	expr        ParseExpr the input; print it canonically and fully
//	            parenthesized (to show precedence), after the round-trip check
//	error       ParseAll the input, which must fail; print the error
//	error-expr  ParseExpr the input, which must fail; print the error
//	lex         print the tokens with their line and column
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return runScenarioCommand(t, d)
		})
	})
}

func runScenarioCommand(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "parse":
		statements, err := ParseAll(d.Input)
		if err != nil {
			d.Fatalf(t, "unexpected error: %v", err)
		}
		var out strings.Builder
		for _, statement := range statements {
			checkStatementRoundTrip(t, statement)
			out.WriteString(statement.String() + "\n")
		}
		return out.String()
	case "expr":
		expr, err := ParseExpr(d.Input)
		if err != nil {
			d.Fatalf(t, "unexpected error: %v", err)
		}
		checkExprRoundTrip(t, expr)
		return expr.String() + "\n" + fullyParenthesized(expr) + "\n"
	case "error":
		_, err := ParseAll(d.Input)
		return describeError(t, d, err)
	case "error-expr":
		_, err := ParseExpr(d.Input)
		return describeError(t, d, err)
	case "lex":
		return describeTokens(d.Input)
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func describeError(t *testing.T, d *datadriven.TestData, err error) string {
	if err == nil {
		d.Fatalf(t, "expected an error, parsed fine")
	}
	var syntaxError *Error
	if !errors.As(err, &syntaxError) {
		d.Fatalf(t, "error %v is not a *parser.Error", err)
	}
	return err.Error() + "\n"
}

func describeTokens(input string) string {
	tokens, err := tokenize(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var out strings.Builder
	for _, tok := range tokens {
		fmt.Fprintf(&out, "%d:%d %s %q", tok.line, tok.column, tokenKindNames[tok.kind], tok.text)
		if tok.value != tok.text {
			fmt.Fprintf(&out, " value=%q", tok.value)
		}
		out.WriteString("\n")
	}
	return out.String()
}

var tokenKindNames = map[tokenKind]string{
	tokenEnd: "end", tokenKeyword: "keyword", tokenIdentifier: "identifier",
	tokenQuotedIdentifier: "quoted", tokenString: "string", tokenNumber: "number",
	tokenBlob: "blob", tokenParameter: "parameter", tokenOperator: "operator",
}

// treeEqual compares trees; nil and empty slices are the same.
var treeEqual = cmpopts.EquateEmpty()

func checkStatementRoundTrip(t *testing.T, statement Statement) {
	t.Helper()
	printed := statement.String()
	reparsed, err := Parse(printed)
	if err != nil {
		t.Fatalf("printed statement does not parse: %v\n%s", err, printed)
	}
	if diff := cmp.Diff(statement, reparsed, treeEqual); diff != "" {
		t.Fatalf("round trip changed the tree of %s (-before +after):\n%s", printed, diff)
	}
	if again := reparsed.String(); again != printed {
		t.Fatalf("printing is not a fixed point:\n%s\n%s", printed, again)
	}
}

func checkExprRoundTrip(t *testing.T, expr Expr) {
	t.Helper()
	printed := expr.String()
	reparsed, err := ParseExpr(printed)
	if err != nil {
		t.Fatalf("printed expression does not parse: %v\n%s", err, printed)
	}
	if diff := cmp.Diff(expr, reparsed, treeEqual); diff != "" {
		t.Fatalf("round trip changed the tree of %s (-before +after):\n%s", printed, diff)
	}
}

// fullyParenthesized prints expr with every operator application in
// parentheses, so scenario files show how precedence grouped it.
func fullyParenthesized(expr Expr) string {
	f := fullyParenthesized
	switch e := expr.(type) {
	case *BinaryExpr:
		return "(" + f(e.Left) + " " + string(e.Operator) + " " + f(e.Right) + ")"
	case *UnaryExpr:
		return "(" + string(e.Operator) + " " + f(e.Operand) + ")"
	case *IsNull:
		return "(" + f(e.Operand) + " IS " + not(e.Not) + "NULL)"
	case *IsBool:
		return "(" + f(e.Operand) + " IS " + not(e.Not) + boolText(e.Value) + ")"
	case *Between:
		return "(" + f(e.Operand) + " " + not(e.Not) + "BETWEEN " + f(e.Low) + " AND " + f(e.High) + ")"
	case *Like:
		return "(" + f(e.Operand) + " " + not(e.Not) + "LIKE " + f(e.Pattern) + ")"
	case *InSubquery:
		return "(" + f(e.Operand) + " " + not(e.Not) + "IN (" + e.Query.String() + "))"
	case *InList:
		list := make([]string, len(e.List))
		for i, element := range e.List {
			list[i] = f(element)
		}
		return "(" + f(e.Operand) + " " + not(e.Not) + "IN (" + strings.Join(list, ", ") + "))"
	}
	return expr.String()
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("SELECT a,\n  b\nFROM t WHERE FROM")
	var syntaxError *Error
	if !errors.As(err, &syntaxError) {
		t.Fatalf("got %v, want a *parser.Error", err)
	}
	want := Error{Line: 3, Column: 14, Token: "FROM", Message: `unexpected "FROM", expected an expression`}
	if diff := cmp.Diff(want, *syntaxError); diff != "" {
		t.Fatalf("error fields (-want +got):\n%s", diff)
	}
	if got := err.Error(); got != `sql: line 3, column 14: unexpected "FROM", expected an expression` {
		t.Fatalf("message: %s", got)
	}
}

func TestNestingLimit(t *testing.T) {
	for _, depth := range []int{10, 150} {
		sql := "SELECT " + strings.Repeat("(", depth) + "1" + strings.Repeat(")", depth)
		if _, err := Parse(sql); err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
	}
	deep := []string{
		"SELECT " + strings.Repeat("(", 250) + "1" + strings.Repeat(")", 250),
		"SELECT " + strings.Repeat("- ", 10000) + "1",
		"SELECT " + strings.Repeat("NOT ", 10000) + "TRUE",
		strings.Repeat("EXPLAIN ", 10000) + "SELECT 1",
		"SELECT * FROM " + strings.Repeat("(", 10000) + "t",
		strings.Repeat("SELECT * FROM t WHERE a IN (", 10000),
		"SELECT " + strings.Repeat("CASE WHEN ", 10000),
	}
	for _, sql := range deep {
		_, err := Parse(sql)
		if err == nil || !strings.Contains(err.Error(), "nesting deeper than 200 levels") {
			t.Fatalf("got %v for %.40s..., want the nesting error", err, sql)
		}
	}
}

func TestLongLeftChainsDoNotRecurse(t *testing.T) {
	sql := "SELECT 1" + strings.Repeat(" + 1", 100000)
	statement, err := Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	if got := statement.String(); got != sql {
		t.Fatalf("printed %d bytes, want the input back", len(got))
	}
}

func TestParseSingleStatement(t *testing.T) {
	tests := []struct{ sql, message string }{
		{"", "sql: line 1, column 1: unexpected end of input, expected a statement"},
		{"SELECT 1; SELECT 2", `sql: line 1, column 11: unexpected "SELECT", expected end of input after one statement`},
		{"SELECT 1 2", `sql: line 1, column 10: unexpected "2", expected ";" or end of input`},
	}
	for _, test := range tests {
		_, err := Parse(test.sql)
		if err == nil || err.Error() != test.message {
			t.Errorf("Parse(%q) = %v, want %s", test.sql, err, test.message)
		}
	}
	if _, err := Parse("SELECT 1;"); err != nil {
		t.Errorf("trailing semicolon: %v", err)
	}
	statements, err := ParseAll(" ; ;")
	if err != nil || len(statements) != 0 {
		t.Errorf("ParseAll of semicolons = %v, %v; want nothing", statements, err)
	}
}
