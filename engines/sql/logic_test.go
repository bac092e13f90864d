package sql

import (
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// logicEngineName is this engine's name for skipif and onlyif.
const logicEngineName = "proven"

var logicFiles = flag.String("logic.files", "", "glob of sqllogictest files to run instead of testdata/logic (upstream files run unchanged)")

// TestLogic runs sqllogictest files: testdata/logic/*.test, or the files
// -logic.files names. Each statement runs in its own transaction,
// committed when it succeeds.
//
// The format is SQLite's sqllogictest, so upstream files run unchanged:
//
//   - "statement ok" or "statement error [text]" then the SQL (the
//     error's message must contain text, when given);
//   - "query <types> [nosort|rowsort|valuesort] [label]" then the SQL, a
//     "----" line and the expected values, one a line, or "N values
//     hashing to <md5>" (md5 over each value and a newline); queries
//     with the same label must give the same values. Our own files may
//     also put one row a line, values separated by spaces;
//   - "hash-threshold N" (results longer than N values are given as
//     hashes: a directive for whoever writes the expectations);
//   - "skipif <engine>" and "onlyif <engine>" before a record (this
//     engine is "proven"), and "halt", which ends the file;
//   - lines starting with # are comments.
//
// Types: I integer (numbers truncated, booleans 1 and 0), R real (three
// decimals), T text; NULL prints as NULL, an empty text as (empty).
func TestLogic(t *testing.T) {
	pattern := *logicFiles
	if pattern == "" {
		pattern = "testdata/logic/*.test"
	}
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no logic files match %q: %v", pattern, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			records, err := parseLogicFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if *logicFiles == "" && !strings.HasPrefix(records.opening, "#") {
				t.Fatalf("%s must open with a # paragraph saying what it shows", file)
			}
			runLogicRecords(t, file, records.records)
		})
	}
}

// logicRecord is one statement or query of a logic file.
type logicRecord struct {
	line     int
	kind     string // "statement" or "query"
	expectOK bool
	errText  string
	types    string
	sortMode string
	label    string
	sql      string
	expected []string
}

type logicFile struct {
	opening string // the first line
	records []logicRecord
}

var hashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

// parseLogicFile reads a file's records, applying skipif, onlyif and
// halt for this engine.
func parseLogicFile(path string) (logicFile, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return logicFile{}, err
	}
	lines := strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")
	out := logicFile{opening: lines[0]}
	skip := false
	for i := 0; i < len(lines); i++ {
		fields := strings.Fields(stripComment(lines[i]))
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "hash-threshold":
			continue
		case "skipif", "onlyif":
			if len(fields) < 2 {
				return logicFile{}, fmt.Errorf("%s:%d: %s names no engine", path, i+1, fields[0])
			}
			skip = skip || (fields[1] == logicEngineName) == (fields[0] == "skipif")
			continue
		case "halt":
			if !skip {
				return out, nil
			}
			skip = false
			continue
		}
		record, next, err := parseLogicRecord(lines, i, fields)
		if err != nil {
			return logicFile{}, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if !skip {
			out.records = append(out.records, record)
		}
		skip, i = false, next
	}
	return out, nil
}

func stripComment(line string) string {
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return ""
	}
	return line
}

// parseLogicRecord reads the record whose header is lines[i]; it returns
// the index of the record's last line.
func parseLogicRecord(lines []string, i int, fields []string) (logicRecord, int, error) {
	record := logicRecord{line: i + 1, kind: fields[0]}
	switch {
	case fields[0] == "statement" && len(fields) >= 2 && (fields[1] == "ok" || fields[1] == "error"):
		record.expectOK = fields[1] == "ok"
		record.errText = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), "statement error"))
		if strings.HasPrefix(record.errText, "#") {
			record.errText = "" // a comment, as upstream writes them
		}
	case fields[0] == "query" && len(fields) >= 2:
		record.types, record.sortMode = fields[1], "nosort"
		if len(fields) >= 3 {
			record.sortMode = fields[2]
		}
		if len(fields) >= 4 {
			record.label = fields[3]
		}
		if !slices.Contains([]string{"nosort", "rowsort", "valuesort"}, record.sortMode) {
			return logicRecord{}, 0, fmt.Errorf("unknown sort mode %q", record.sortMode)
		}
	default:
		return logicRecord{}, 0, fmt.Errorf("unknown record %q", lines[i])
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
	return record, i, nil
}

func runLogicRecords(t *testing.T, path string, records []logicRecord) {
	runner := &autocommit{engine: NewEngine()}
	labels := map[string]string{} // label to the hash of its first query
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
		if len(result.Columns) != len(record.types) {
			t.Errorf("%s: %d columns, types %q\n%s", where, len(result.Columns), record.types, record.sql)
			continue
		}
		values := logicValues(record, result)
		if !logicResultMatches(record, values, len(result.Rows)) {
			t.Errorf("%s: %s\ngot:\n%s\nwant:\n%s", where, record.sql, strings.Join(values, "\n"), strings.Join(record.expected, "\n"))
		}
		if record.label != "" {
			hash := logicHash(values)
			if first, seen := labels[record.label]; seen && first != hash {
				t.Errorf("%s: label %s gave %s before, now %s", where, record.label, first, hash)
			}
			labels[record.label] = hash
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

// logicValues formats and sorts a result's values as the record asks.
func logicValues(record logicRecord, result *Result) []string {
	rows := make([][]string, len(result.Rows))
	for i, row := range result.Rows {
		for j, v := range row {
			rows[i] = append(rows[i], formatLogicValue(v, record.types[j]))
		}
	}
	if record.sortMode == "rowsort" {
		slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	}
	var values []string
	for _, row := range rows {
		values = append(values, row...)
	}
	if record.sortMode == "valuesort" {
		slices.Sort(values)
	}
	return values
}

// logicResultMatches compares values with the expectation: a hash, one
// value a line, or (our files) one row a line.
func logicResultMatches(record logicRecord, values []string, rows int) bool {
	if len(record.expected) == 1 && hashLine.MatchString(record.expected[0]) {
		return record.expected[0] == fmt.Sprintf("%d values hashing to %s", len(values), logicHash(values))
	}
	if len(record.expected) == len(values) {
		return slices.Equal(values, record.expected)
	}
	if len(record.expected) != rows || record.sortMode == "valuesort" {
		return false
	}
	width := len(record.types)
	for i, line := range record.expected {
		if strings.Join(values[i*width:(i+1)*width], " ") != line {
			return false
		}
	}
	return true
}

func logicHash(values []string) string {
	hash := md5.New()
	for _, v := range values {
		hash.Write([]byte(v + "\n"))
	}
	return hex.EncodeToString(hash.Sum(nil))
}

func formatLogicValue(v Value, typ byte) string {
	if v.IsNull() {
		return "NULL"
	}
	switch {
	case typ == 'I' && v.typ == TypeBool:
		return strconv.Itoa(int(boolInt(v.AsBool())))
	case typ == 'I' && v.isNumeric():
		return fmt.Sprint(int64(math.Trunc(v.toFloat())))
	case typ == 'R' && v.isNumeric():
		return fmt.Sprintf("%.3f", v.toFloat())
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
