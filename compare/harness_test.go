package compare

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/engines/sql"
	_ "modernc.org/sqlite"
)

// pair holds the two databases under comparison, built from the same
// statements.
type pair struct {
	ours   *sql.Client
	sqlite *stdsql.DB
}

func openPair() (*pair, error) {
	db, err := stdsql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	if _, err := db.Exec("PRAGMA case_sensitive_like = ON"); err != nil {
		db.Close()
		return nil, err
	}
	return &pair{ours: sql.New(NewExecutor(), "sql"), sqlite: db}, nil
}

func (p *pair) close() { p.sqlite.Close() }

// answer is one engine's normalized answer to a statement: its rows as
// text, or that it failed.
type answer struct {
	rows   []string
	failed error
}

func (a answer) String() string {
	if a.failed != nil {
		return "error: " + a.failed.Error()
	}
	return fmt.Sprintf("%d rows: %s", len(a.rows), strings.Join(a.rows, " | "))
}

// agrees reports whether two answers match: both failed (error texts are
// not compared), or the same rows, in order when ordered and as
// multisets when not.
func agrees(a, b answer, ordered bool) bool {
	if (a.failed != nil) || (b.failed != nil) {
		return (a.failed != nil) == (b.failed != nil)
	}
	left, right := a.rows, b.rows
	if !ordered {
		left, right = slices.Sorted(slices.Values(left)), slices.Sorted(slices.Values(right))
	}
	return slices.Equal(left, right)
}

// run runs one statement on both engines.
func (p *pair) run(statement string) (ours, theirs answer) {
	return p.runOurs(statement), p.runSQLite(statement)
}

func (p *pair) runOurs(statement string) answer {
	rows, err := p.ours.Query(context.Background(), statement)
	if err != nil {
		return answer{failed: err}
	}
	var out []string
	for rows.Next() {
		values := rows.Values()
		cells := make([]string, len(values))
		for i, v := range values {
			cells[i] = normalizeOurs(v)
		}
		out = append(out, strings.Join(cells, ","))
	}
	return answer{rows: out}
}

func (p *pair) runSQLite(statement string) answer {
	rows, err := p.sqlite.Query(statement)
	if err != nil {
		return answer{failed: err}
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return answer{failed: err}
	}
	var out []string
	for rows.Next() {
		values, err := scanValues(rows, len(columns))
		if err != nil {
			return answer{failed: err}
		}
		cells := make([]string, len(values))
		for i, v := range values {
			cells[i] = normalizeSQLite(v)
		}
		out = append(out, strings.Join(cells, ","))
	}
	if err := rows.Err(); err != nil {
		return answer{failed: err}
	}
	return answer{rows: out}
}

// scanValues reads the current row of rows as Go values.
func scanValues(rows *stdsql.Rows, width int) ([]any, error) {
	values := make([]any, width)
	pointers := make([]any, width)
	for i := range values {
		pointers[i] = &values[i]
	}
	return values, rows.Scan(pointers...)
}

// Normalization, the same for both engines:
//   - NULL prints as NULL;
//   - numbers print by value, not type: an integral number (1, 1.0, a
//     DECIMAL 1.00) prints as an integer, others with 12 significant
//     digits, so AVG (a DOUBLE in Proven, a REAL in SQLite) and sums of
//     REALs compare by value, and -0 prints as 0;
//   - booleans print as 1 and 0 (SQLite has no boolean type);
//   - text prints quoted, so '1' and 1 differ.
func normalizeNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 12, 64)
}

func normalizeOurs(v sql.Value) string {
	switch v.Type() {
	case sql.TypeNull:
		return "NULL"
	case sql.TypeBool:
		if v.AsBool() {
			return "1"
		}
		return "0"
	case sql.TypeInt:
		return strconv.FormatInt(v.AsInt(), 10)
	case sql.TypeFloat, sql.TypeDecimal:
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil {
			return "unparsable number " + v.String()
		}
		return normalizeNumber(f)
	case sql.TypeText:
		return strconv.Quote(v.String())
	}
	return v.Type().String() + ":" + v.String()
}

func normalizeSQLite(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return normalizeNumber(x)
	case string:
		return strconv.Quote(x)
	case []byte:
		return strconv.Quote(string(x))
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprintf("%T:%v", v, v)
}
