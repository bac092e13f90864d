package sql

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// TestLogic runs the sqllogictest-format files in testdata/logic. Each
// statement runs in its own transaction, committed when it succeeds.
//
// Supported records: "statement ok", "statement error [substring]",
// "query <types> [nosort|rowsort|valuesort]" followed by the SQL, a
// "----" line and the expected rows (values separated by one space, one
// row a line; valuesort: one value a line) or "N values hashing to
// <md5>" (md5 over each value followed by a newline, as in
// sqllogictest). Types: I integer, R real (3 decimals), T text, B
// boolean. NULL prints as NULL, an empty text as (empty).
func TestLogic(t *testing.T) {
	files, err := filepath.Glob("testdata/logic/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no logic files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runLogicFile(t, file) })
	}
}

type logicRecord struct {
	line     int
	kind     string // "statement" or "query"
	expectOK bool
	errText  string
	types    string
	sortMode string
	sql      string
	expected []string
}

func runLogicFile(t *testing.T, path string) {
	records := parseLogicFile(t, path)
	runner := &autocommit{engine: NewEngine()}
	for _, record := range records {
		result, err := runner.run(record.sql)
		where := fmt.Sprintf("%s:%d", path, record.line)
		if record.kind == "statement" {
			checkStatement(t, where, record, err)
			continue
		}
		if err != nil {
			t.Errorf("%s: query failed: %v\n%s", where, err, record.sql)
			continue
		}
		got := formatLogicResult(t, where, record, result)
		if !slices.Equal(got, record.expected) {
			t.Errorf("%s: %s\ngot:\n%s\nwant:\n%s", where, record.sql, strings.Join(got, "\n"), strings.Join(record.expected, "\n"))
		}
	}
}

func checkStatement(t *testing.T, where string, record logicRecord, err error) {
	switch {
	case record.expectOK && err != nil:
		t.Errorf("%s: statement failed: %v\n%s", where, err, record.sql)
	case !record.expectOK && err == nil:
		t.Errorf("%s: statement succeeded, want an error\n%s", where, record.sql)
	case !record.expectOK && !strings.Contains(err.Error(), record.errText):
		t.Errorf("%s: error %q does not contain %q", where, err, record.errText)
	}
}

func parseLogicFile(t testing.TB, path string) []logicRecord {
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "#") {
		t.Fatalf("%s must open with a # paragraph saying what it shows", path)
	}
	var records []logicRecord
	for i := 0; i < len(lines); i++ {
		fields := strings.Fields(lines[i])
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		record := logicRecord{line: i + 1, kind: fields[0]}
		switch {
		case fields[0] == "statement" && len(fields) >= 2:
			record.expectOK = fields[1] == "ok"
			record.errText = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), "statement error"))
		case fields[0] == "query" && len(fields) >= 2:
			record.types, record.sortMode = fields[1], "nosort"
			if len(fields) >= 3 {
				record.sortMode = fields[2]
			}
		default:
			t.Fatalf("%s:%d: unknown record %q", path, i+1, lines[i])
		}
		var sqlLines []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
			sqlLines = append(sqlLines, lines[i])
		}
		record.sql = strings.Join(sqlLines, "\n")
		if i < len(lines) && lines[i] == "----" {
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				record.expected = append(record.expected, lines[i])
			}
		}
		records = append(records, record)
	}
	return records
}

var hashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

func formatLogicResult(t *testing.T, where string, record logicRecord, result *Result) []string {
	if len(result.Columns) != len(record.types) {
		t.Errorf("%s: %d columns, types %q", where, len(result.Columns), record.types)
		return nil
	}
	rows := make([][]string, len(result.Rows))
	for i, row := range result.Rows {
		for j, v := range row {
			rows[i] = append(rows[i], formatLogicValue(v, record.types[j]))
		}
	}
	var values []string
	switch record.sortMode {
	case "rowsort":
		slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	case "valuesort":
		for _, row := range rows {
			values = append(values, row...)
		}
		slices.Sort(values)
	case "nosort":
	default:
		t.Fatalf("%s: unknown sort mode %q", where, record.sortMode)
	}
	if record.sortMode != "valuesort" {
		for _, row := range rows {
			values = append(values, row...)
		}
	}
	if len(record.expected) == 1 && hashLine.MatchString(record.expected[0]) {
		hash := md5.New()
		for _, v := range values {
			hash.Write([]byte(v + "\n"))
		}
		return []string{fmt.Sprintf("%d values hashing to %s", len(values), hex.EncodeToString(hash.Sum(nil)))}
	}
	if record.sortMode == "valuesort" {
		return values
	}
	lines := make([]string, len(rows))
	for i, row := range rows {
		lines[i] = strings.Join(row, " ")
	}
	return lines
}

func formatLogicValue(v Value, typ byte) string {
	if v.IsNull() {
		return "NULL"
	}
	switch typ {
	case 'I':
		if v.isNumeric() {
			return fmt.Sprint(int64(math.Trunc(v.toFloat())))
		}
	case 'R':
		if v.isNumeric() {
			return fmt.Sprintf("%.3f", v.toFloat())
		}
	}
	if s := v.String(); s != "" {
		return s
	}
	return "(empty)"
}

// autocommit runs each statement in its own transaction.
type autocommit struct {
	engine *Engine
	clock  int64
}

func (a *autocommit) next() clock.Timestamp {
	a.clock++
	return clock.Timestamp{WallNanos: a.clock * 1000, Node: 1}
}

func (a *autocommit) run(query string, args ...Value) (*Result, error) {
	txn := a.next()
	outcome := a.engine.Apply(txn, Operation{Query: query, Arguments: args}.Encode(), txn)
	switch outcome.Status {
	case engines.StatusDone:
		if err := a.engine.Commit(txn, a.next()); err != nil {
			return nil, err
		}
		return DecodeResult(outcome.Result)
	case engines.StatusFailed:
		a.engine.Abort(txn)
		return nil, outcome.Err
	}
	a.engine.Abort(txn)
	return nil, fmt.Errorf("blocked by %v with no other transaction", outcome.Blockers)
}
