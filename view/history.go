package view

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// History is what a history page shows: one run's history, the verdicts
// of its checks and its faults.
type History struct {
	Title string
	// Facts are shown under the title, in order (seed, workload, verdict,
	// fault plan, fingerprint, ...).
	Facts   []Fact
	History checkers.History
	Checks  []checkers.Result
	Faults  []Fault
}

// Fact is one named value of a page's header.
type Fact struct{ Name, Value string }

// Fault is one fault event of the run.
type Fault struct {
	AtNanos int64
	// Node names the node it hit ("" for the network or the whole world).
	Node string
	Text string
}

// Kind names what a history page draws below the verdicts and faults.
type Kind string

// The kinds of history pages.
const (
	// KindLinearizable: every keyed operation is a register's (read,
	// write, cas) or a queue's (enqueue, dequeue): porcupine's drawing
	// per key, against that model.
	KindLinearizable Kind = "linearizable"
	// KindListAppend: transactions ("txn"): each dependency cycle a check
	// found, then the timeline.
	KindListAppend Kind = "list-append"
	// KindTimeline: anything else: the operations on a timeline, those a
	// check names marked.
	KindTimeline Kind = "timeline"
)

// KindOf says which drawing a history gets, and for KindLinearizable the
// model.
func KindOf(history checkers.History) (Kind, checkers.Model) {
	functions := map[string]bool{}
	keyed := true
	transactions := false
	for _, event := range history.Events {
		if event.Function == checkers.FunctionTxn || event.Function == checkers.FunctionReadOnlyTxn {
			transactions = true // beside single-key operations, drawn on the timeline only
			continue
		}
		functions[event.Function] = true
		keyed = keyed && event.Key != ""
	}
	names := slices.Sorted(maps.Keys(functions))
	within := func(allowed ...string) bool {
		for _, function := range names {
			if !slices.Contains(allowed, function) {
				return false
			}
		}
		return len(names) > 0
	}
	switch {
	case transactions && len(functions) == 0:
		return KindListAppend, ""
	case keyed && within(checkers.FunctionRead, checkers.FunctionWrite, checkers.FunctionCAS):
		return KindLinearizable, checkers.ModelRegister
	case keyed && within(checkers.FunctionEnqueue, checkers.FunctionDequeue):
		return KindLinearizable, checkers.ModelQueue
	}
	return KindTimeline, ""
}

// WriteHistory writes a history page: one self-contained HTML file (its
// style, scripts and data inline; it fetches nothing). At the top, the
// run's facts, the checks' verdicts with their explanations, and the
// faults on a timeline with a lane per kind; below, by KindOf: porcupine's
// linearizability drawing of each key (failed operations and reads with
// unknown results are not drawn), each list-append cycle as a diagram of
// its transactions and edges (then every transaction on a timeline), or
// the operations on a timeline. Operations a check names are marked in
// red.
func WriteHistory(w io.Writer, history History) error {
	var p page
	p.facts(history.Title, history.Facts)
	writeVerdicts(&p, history.Checks)
	end := endNanos(history)
	writeFaults(&p, history.Faults, end)
	kind, model := KindOf(history.History)
	var err error
	switch kind {
	case KindLinearizable:
		err = writeLinearizable(&p, history, model)
	case KindListAppend:
		writeCycles(&p, history)
		writeTimeline(&p, history, end)
	default:
		writeTimeline(&p, history, end)
	}
	if err != nil {
		return err
	}
	return p.write(w, history.Title)
}

// endNanos is the last moment the page shows: the last event or fault.
func endNanos(history History) int64 {
	var end int64 = 1
	if events := history.History.Events; len(events) > 0 {
		end = max(end, events[len(events)-1].TimeNanos)
	}
	for _, fault := range history.Faults {
		end = max(end, fault.AtNanos)
	}
	return end
}

// explanationLinesShown bounds the lines of a check's explanation shown
// before the rest is folded away.
const explanationLinesShown = 12

func writeVerdicts(p *page, checks []checkers.Result) {
	p.printf("<h2 id=\"verdicts\">Verdicts</h2>\n")
	if len(checks) == 0 {
		p.printf("<p class=\"note\">No check ran (the run failed before its checks, see above).</p>\n")
		return
	}
	p.printf("<table>\n<tr><th>check</th><th>verdict</th><th>anomalies</th><th>explanation</th></tr>\n")
	for _, result := range checks {
		lines := strings.Split(strings.TrimSpace(result.Explanation), "\n")
		shown, folded := lines, []string(nil)
		if len(lines) > explanationLinesShown {
			shown, folded = lines[:explanationLinesShown], lines[explanationLinesShown:]
		}
		p.printf("<tr><td>%s</td><td class=\"%s\">%s</td><td>%s</td><td><pre>%s</pre>",
			escape(result.Checker), verdictClass(string(result.Verdict)), escape(string(result.Verdict)),
			escape(strings.Join(result.Anomalies, ", ")), escape(strings.Join(shown, "\n")))
		if len(folded) > 0 {
			p.printf("<details><summary>%d more lines</summary><pre>%s</pre></details>", len(folded), escape(strings.Join(folded, "\n")))
		}
		p.printf("</td></tr>\n")
	}
	p.printf("</table>\n")
}

// involved collects the invoke indexes the checks name.
func involved(checks []checkers.Result) map[int]bool {
	marked := map[int]bool{}
	for _, result := range checks {
		for _, index := range result.Operations {
			marked[index] = true
		}
	}
	return marked
}

func writeLinearizable(p *page, history History, model checkers.Model) error {
	var markers []checkers.Marker
	for _, fault := range history.Faults {
		markers = append(markers, checkers.Marker{TimeNanos: fault.AtNanos, Row: "faults", Text: faultText(fault),
			Details: fmt.Sprintf("at %s: %s", duration(fault.AtNanos), faultText(fault))})
	}
	drawings, err := checkers.VisualizeLinearizable(history.History,
		checkers.LinearizableConfig{Model: model, Initial: value.Null(),
			Skip: []string{checkers.FunctionTxn, checkers.FunctionReadOnlyTxn}}, markers)
	if err != nil {
		return fmt.Errorf("view: %w", err)
	}
	p.printf("<h2 id=\"history\">Linearizability per key (%s model)</h2>\n", escape(string(model)))
	p.printf(`<p class="note">porcupine's drawing of each key, checked against the %s model: each bar is an
operation on its process's row (rows are numbered per key; hover a bar for its history index and
process). Click a bar to show a linearization: black lines mark where each operation of the longest
linearizable prefix takes effect, and the model's state after it; in a key that is not linearizable,
red marks the operation at which no linearization continues ("jump to first error"). Failed operations
and reads whose result is unknown constrain nothing and are not drawn. Times are history positions;
the faults row shows the faults that happened while the key's operations ran.</p>`+"\n", escape(string(model)))
	p.printf("<ul>\n")
	for i, drawing := range drawings {
		p.printf("<li><a href=\"#key-%d\">%s</a>: <span class=\"%s\">%s</span>, %d operations</li>\n",
			i, escape(drawing.Key), verdictClass(string(drawing.Verdict)), drawing.Verdict, drawing.Operations)
	}
	p.printf("</ul>\n")
	for i, drawing := range drawings {
		p.printf("<h3 id=\"key-%d\">key %s: <span class=\"%s\">%s</span></h3>\n", i, escape(fmt.Sprintf("%q", drawing.Key)),
			verdictClass(string(drawing.Verdict)), drawing.Verdict)
		p.printf("<iframe title=\"key %s\" style=\"height: %dpx\" srcdoc=\"%s\"></iframe>\n",
			escape(drawing.Key), 110+45*drawing.Rows, escape(string(drawing.HTML)))
	}
	return nil
}

func faultText(fault Fault) string {
	if fault.Node == "" {
		return fault.Text
	}
	return fault.Node + " " + fault.Text
}
