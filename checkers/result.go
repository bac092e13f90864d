package checkers

import (
	"slices"
	"strings"
)

// Verdict is a checker's conclusion.
type Verdict string

// The verdicts. Unknown is its own answer (a budget ran out, or the history
// could not decide), never a pass.
const (
	VerdictOK      Verdict = "ok"
	VerdictIllegal Verdict = "illegal"
	VerdictUnknown Verdict = "unknown"
)

// Result is what a checker reports.
type Result struct {
	// Checker names the checker, e.g. "linearizable" or "list-append".
	Checker string
	Verdict Verdict
	// Explanation says why, one finding per line, naming operations by
	// history index, process and transaction.
	Explanation string
	// Operations holds the history indexes (of invoke events) involved in
	// the findings, sorted, without duplicates.
	Operations []int
	// Anomalies names the kinds of findings, sorted, without duplicates,
	// e.g. "G-single", "lost-update".
	Anomalies []string
	// Cycles holds the dependency cycles a list-append check found, in
	// the order its explanation names them (nil for other checks).
	Cycles []Cycle
}

// Cycle is a dependency cycle between transactions that no serial order
// can satisfy.
type Cycle struct {
	// Anomaly names it, as the explanation does: G0, G1c, G-single or
	// G2-item, with "-realtime" when it needs a real-time edge.
	Anomaly string
	// Edges go round the cycle: each edge's To is the next one's From,
	// and the last one's To is the first one's From.
	Edges []CycleEdge
}

// CycleEdge is one dependency of a cycle.
type CycleEdge struct {
	// From and To are the history indexes of the invoke events of the
	// transactions: From must come before To.
	From, To int
	// Kind names the dependencies between them: "ww", "wr", "rw" or "rt"
	// (real time), joined by "+" when several hold.
	Kind string
	// Key is the key the dependency is about; "" for real time.
	Key string
}

// findings accumulates a checker's findings into a Result.
type findings struct {
	lines      []string
	operations []int
	anomalies  []string
	cycles     []Cycle
}

func (f *findings) add(anomaly, line string, operations ...int) {
	f.anomalies = append(f.anomalies, anomaly)
	f.lines = append(f.lines, anomaly+": "+line)
	f.operations = append(f.operations, operations...)
}

func (f findings) clone() findings {
	return findings{lines: slices.Clone(f.lines), operations: slices.Clone(f.operations), anomalies: slices.Clone(f.anomalies),
		cycles: slices.Clone(f.cycles)}
}

func (f *findings) result(checker string) Result {
	result := Result{Checker: checker, Verdict: VerdictOK}
	if len(f.lines) == 0 {
		return result
	}
	result.Verdict = VerdictIllegal
	result.Explanation = strings.Join(f.lines, "\n")
	result.Operations = sortedUnique(f.operations)
	result.Anomalies = sortedUnique(f.anomalies)
	result.Cycles = f.cycles
	return result
}

func sortedUnique[T int | string](items []T) []T {
	sorted := slices.Clone(items)
	slices.Sort(sorted)
	return slices.Compact(sorted)
}
