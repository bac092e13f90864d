package compare

import (
	"flag"
	"fmt"
	"strings"
	"testing"
)

var (
	differentialSeed    = flag.Uint64("differential.seed", 1, "first seed of the differential test")
	differentialCases   = flag.Int("differential.cases", 420, "databases to draw (each with its own seed)")
	differentialQueries = flag.Int("differential.queries", 48, "queries per database")
	differentialVerbose = flag.Bool("differential.verbose", false, "log queries that fail on both engines")
)

// TestDifferential draws databases and queries from the grammar in
// grammar_test.go, runs every statement on Proven's SQL engine and on
// SQLite, and requires the same normalized answers (see harness_test.go).
// A mismatch is shrunk to a minimal script, which the log shows with the
// command that reproduces the case.
func TestDifferential(t *testing.T) {
	var total tally
	for index := range *differentialCases {
		seed := *differentialSeed + uint64(index)
		total.add(differentialCase(t, seed, *differentialQueries))
		if total.mismatches >= 5 {
			t.Fatalf("stopping after %d mismatches", total.mismatches)
		}
	}
	t.Logf("%d queries over %d databases: %d mismatches, %d failed on both, %d returned rows, %d over Proven's row limit (not compared)",
		total.queries, *differentialCases, total.mismatches, total.bothFailed, total.nonEmpty, total.limited)
	// A grammar that drifts into statements both engines refuse tests
	// nothing: keep the refused share small and most answers non-empty.
	if total.bothFailed*20 > total.queries {
		t.Errorf("%d of %d queries failed on both engines", total.bothFailed, total.queries)
	}
	if total.nonEmpty*2 < total.queries {
		t.Errorf("only %d of %d queries returned rows", total.nonEmpty, total.queries)
	}
}

// tally counts what the queries of a run did.
type tally struct {
	queries, mismatches, bothFailed, nonEmpty, limited int
}

func (t *tally) add(other tally) {
	t.limited += other.limited
	t.queries += other.queries
	t.mismatches += other.mismatches
	t.bothFailed += other.bothFailed
	t.nonEmpty += other.nonEmpty
}

// differentialCase builds one database from seed and runs queries on it.
func differentialCase(t *testing.T, seed uint64, queries int) (result tally) {
	g := newGenerator(seed)
	setup := append(g.schema(), g.inserts()...)
	p, err := openPair()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for _, statement := range setup {
		ours, theirs := p.run(statement)
		if !agrees(ours, theirs, true) {
			t.Errorf("seed %d: setup statement disagrees:\n%s\nproven: %v\nsqlite: %v", seed, statement, ours, theirs)
			result.mismatches++
			return result
		}
	}
	for range queries {
		q := g.selectQuery()
		ours := p.runOurs(q.String())
		if ours.failed != nil && strings.Contains(ours.failed.Error(), "limit exceeded") {
			// Proven bounds the rows a statement materializes; SQLite
			// would spend minutes on the same answer. Not compared.
			result.limited++
			continue
		}
		theirs := p.runSQLite(q.String())
		result.queries++
		if agrees(ours, theirs, q.ordered) {
			if ours.failed != nil {
				result.bothFailed++
				if *differentialVerbose {
					t.Logf("both failed: %s\n  proven: %v\n  sqlite: %v", q, ours, theirs)
				}
			} else if len(ours.rows) > 0 {
				result.nonEmpty++
			}
			continue
		}
		result.mismatches++
		reportMismatch(t, seed, setup, q)
		if result.mismatches >= 2 {
			break
		}
	}
	return result
}

// reportMismatch shrinks the script and logs it.
func reportMismatch(t *testing.T, seed uint64, setup []string, q *query) {
	setup, q = shrink(setup, q)
	var script strings.Builder
	for _, statement := range setup {
		script.WriteString(statement + ";\n")
	}
	script.WriteString(q.String() + ";\n")
	ours, theirs := replay(setup, q)
	t.Errorf("seed %d: Proven and SQLite disagree (reproduce: cd compare && go test -run TestDifferential -differential.seed=%d -differential.cases=1)\n%s-- proven: %v\n-- sqlite: %v",
		seed, seed, script.String(), ours, theirs)
}

// replay builds fresh databases from setup and answers q on both; a setup
// statement that disagrees is reported as the answer.
func replay(setup []string, q *query) (ours, theirs answer) {
	p, err := openPair()
	if err != nil {
		return answer{failed: err}, answer{failed: err}
	}
	defer p.close()
	for _, statement := range setup {
		ours, theirs = p.run(statement)
		if !agrees(ours, theirs, true) {
			return answer{failed: fmt.Errorf("setup %q: %v", statement, ours)}, answer{failed: fmt.Errorf("setup %q: %v", statement, theirs)}
		}
	}
	return p.run(q.String())
}

func mismatched(setup []string, q *query) bool {
	ours, theirs := replay(setup, q)
	return !agrees(ours, theirs, q.ordered)
}
