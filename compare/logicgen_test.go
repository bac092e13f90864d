package compare

import (
	"crypto/md5"
	stdsql "database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var logicGenerate = flag.Bool("logic.generate", false, "rewrite the generated logic files of engines/sql/testdata/logic from SQLite")

// logicDirectory is where engines/sql's logic tests live.
const logicDirectory = "../engines/sql/testdata/logic"

// logicHashThreshold: results of more values are written as hashes.
const logicHashThreshold = 8

// generatedLogicFiles names the logic files whose expected results come
// from SQLite, and the spec each is generated from: logic records
// without results (testdata/logic/*.spec, or built by code).
var generatedLogicFiles = []struct {
	name string
	spec func() (string, error)
}{
	{"joins.test", joinsSpec},
	{"semijoins.test", specFile("semijoins.spec")},
	{"views.test", specFile("views.spec")},
}

func specFile(name string) func() (string, error) {
	return func() (string, error) {
		text, err := os.ReadFile(filepath.Join("testdata", "logic", name))
		return string(text), err
	}
}

// TestLogicFiles checks that each generated logic file holds exactly
// what SQLite answers to its spec (so expectations are never written by
// hand); with -logic.generate it writes the files instead:
//
//	cd compare && go test -run TestLogicFiles -logic.generate
//
// Then engines/sql's TestLogic runs them against Proven.
func TestLogicFiles(t *testing.T) {
	for _, file := range generatedLogicFiles {
		t.Run(file.name, func(t *testing.T) {
			spec, err := file.spec()
			if err != nil {
				t.Fatal(err)
			}
			generated, err := generateLogic(spec)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(logicDirectory, file.name)
			if *logicGenerate {
				if err := os.WriteFile(path, []byte(generated), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			current, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(current) != generated {
				t.Errorf("%s differs from what SQLite answers to its spec; regenerate: cd compare && go test -run TestLogicFiles -logic.generate", path)
			}
		})
	}
}

// generatedNotice opens the records of every generated file.
const generatedNotice = "# Expected results are SQLite's, written by compare/logicgen_test.go\n# (go test -run TestLogicFiles -logic.generate); never edit them by hand.\n"

// generateLogic runs a spec on a fresh in-memory SQLite and returns the
// logic file with SQLite's results.
func generateLogic(spec string) (string, error) {
	db, err := stdsql.Open("sqlite", "file::memory:")
	if err != nil {
		return "", err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("PRAGMA case_sensitive_like = ON"); err != nil {
		return "", err
	}
	lines := strings.Split(spec, "\n")
	var out strings.Builder
	opening := 0
	for opening < len(lines) && strings.HasPrefix(lines[opening], "#") {
		out.WriteString(lines[opening] + "\n")
		opening++
	}
	fmt.Fprintf(&out, "%s\nhash-threshold %d\n", generatedNotice, logicHashThreshold)
	proven := false // the next record is for Proven alone: a dialect choice
	for i := opening; i < len(lines); i++ {
		line := lines[i]
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") || fields[0] == "skipif" || fields[0] == "onlyif" {
			out.WriteString(line + "\n")
			proven = proven || len(fields) == 2 && fields[0] == "onlyif" && fields[1] == "proven"
			continue
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" {
			end++
		}
		if proven {
			if fields[0] != "statement" {
				return "", fmt.Errorf("spec line %d: onlyif proven before a query, whose results SQLite cannot give", i+1)
			}
			out.WriteString(strings.Join(lines[i:end], "\n") + "\n")
			proven, i = false, end-1
			continue
		}
		record, err := generateRecord(db, fields, lines[i:end])
		if err != nil {
			return "", fmt.Errorf("spec line %d: %w", i+1, err)
		}
		out.WriteString(record)
		i = end - 1
	}
	return strings.TrimRight(out.String(), "\n") + "\n", nil
}

// generateRecord runs one record (header and SQL lines) on SQLite.
func generateRecord(db *stdsql.DB, header []string, lines []string) (string, error) {
	query := strings.Join(lines[1:], "\n")
	text := strings.Join(lines, "\n") + "\n"
	switch {
	case header[0] == "statement" && len(header) >= 2:
		_, err := db.Exec(query)
		if (err == nil) != (header[1] == "ok") {
			return "", fmt.Errorf("SQLite gives %v for %s\n%s", err, lines[0], query)
		}
		return text, nil
	case header[0] == "query" && len(header) >= 2:
		sortMode := "nosort"
		if len(header) >= 3 {
			sortMode = header[2]
		}
		values, err := sqliteLogicValues(db, query, header[1], sortMode)
		if err != nil {
			return "", fmt.Errorf("%v\n%s", err, query)
		}
		if len(values) > logicHashThreshold {
			return fmt.Sprintf("%s----\n%d values hashing to %s\n", text, len(values), logicHash(values)), nil
		}
		if len(values) == 0 {
			return text + "----\n", nil
		}
		return text + "----\n" + strings.Join(values, "\n") + "\n", nil
	}
	return "", fmt.Errorf("unknown record %q", lines[0])
}

// sqliteLogicValues formats a query's values as sqllogictest's SQLite
// driver does, then sorts them as the sort mode says.
func sqliteLogicValues(db *stdsql.DB, query, types, sortMode string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if len(columns) != len(types) {
		return nil, fmt.Errorf("%d columns, types %q", len(columns), types)
	}
	var table [][]string
	for rows.Next() {
		values, err := scanValues(rows, len(columns))
		if err != nil {
			return nil, err
		}
		row := make([]string, len(values))
		for i, v := range values {
			row[i] = formatSQLiteLogic(v, types[i])
		}
		table = append(table, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if sortMode == "rowsort" {
		slices.SortFunc(table, func(a, b []string) int { return slices.Compare(a, b) })
	}
	var values []string
	for _, row := range table {
		values = append(values, row...)
	}
	if sortMode == "valuesort" {
		slices.Sort(values)
	}
	return values, nil
}

func formatSQLiteLogic(v any, typ byte) string {
	if v == nil {
		return "NULL"
	}
	switch typ {
	case 'I':
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return strconv.FormatInt(int64(math.Trunc(x)), 10)
		case bool:
			if x {
				return "1"
			}
			return "0"
		}
	case 'R':
		switch x := v.(type) {
		case int64:
			return fmt.Sprintf("%.3f", float64(x))
		case float64:
			return fmt.Sprintf("%.3f", x)
		}
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		text = fmt.Sprint(x)
	}
	if text == "" {
		return "(empty)"
	}
	return text
}

func logicHash(values []string) string {
	hash := md5.New()
	for _, v := range values {
		hash.Write([]byte(v + "\n"))
	}
	return hex.EncodeToString(hash.Sum(nil))
}
