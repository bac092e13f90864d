package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/proven2pc/proven/cluster"
)

// --coverage prints, after the summary line, a row per fault family, site
// and the topology, a column per phase, counts no larger than the runs,
// and which cells are empty; with --json, one object with the same data.
func TestSimCoverageMatrix(t *testing.T) {
	code, out, errOut := runCLI("sim", "--seeds", "6", "--coverage")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, matrix, found := strings.Cut(out, "runs=6 ok=6 failed=0\n")
	lines := strings.Split(strings.TrimSpace(matrix), "\n")
	if !found || len(lines) != 2+len(cluster.CoverageColumns())+1 ||
		lines[0] != "coverage: runs (of 6) in which a fault hit a transaction in a phase" {
		t.Fatalf("matrix:\n%s", matrix)
	}
	for _, phase := range cluster.CoveragePhases() {
		if !strings.Contains(lines[1], phase) {
			t.Fatalf("header %q lacks %q", lines[1], phase)
		}
	}
	for i, fault := range cluster.CoverageColumns() {
		fields := strings.Fields(strings.TrimPrefix(lines[2+i], fault))
		if !strings.HasPrefix(lines[2+i], fault) || len(fields) != len(cluster.CoveragePhases()) {
			t.Fatalf("row %q for %s", lines[2+i], fault)
		}
	}
	if last := lines[len(lines)-1]; last != "coverage: every cell hit" && !strings.Contains(last, "empty cells: ") {
		t.Fatalf("last line %q", last)
	}
	code, out, _ = runCLI("sim", "--seeds", "2", "--coverage", "--json")
	jsonLines := strings.Split(strings.TrimSpace(out), "\n")
	var object struct{ Coverage coverageMatrix }
	if code != 0 || json.Unmarshal([]byte(jsonLines[len(jsonLines)-1]), &object) != nil {
		t.Fatalf("exit %d, last line %q", code, jsonLines[len(jsonLines)-1])
	}
	m := object.Coverage
	if m.Runs != 2 || len(m.Counts) != len(m.Faults) || len(m.Faults) != len(cluster.CoverageColumns()) {
		t.Fatalf("JSON matrix %+v", m)
	}
	for _, counts := range m.Counts {
		for _, count := range counts {
			if count < 0 || count > 2 || len(counts) != len(m.Phases) {
				t.Fatalf("JSON matrix %+v", m)
			}
		}
	}
	_, plain, _ := runCLI("sim", "--seeds", "2")
	if strings.Contains(plain, "coverage") {
		t.Fatalf("coverage printed without --coverage:\n%s", plain)
	}
}
