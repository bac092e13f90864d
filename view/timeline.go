package view

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/checkers"
)

// The timelines' geometry, in pixels: the fault lanes and the operations
// share one time axis, so a fault sits above the operations it hit.
const (
	timelineLabelWidth = 110
	timelineWidth      = 1000
	laneHeight         = 16
	rowHeight          = 14
	rowGap             = 3
	axisHeight         = 18
	// timelineOperationsMax bounds the operations drawn on a timeline.
	timelineOperationsMax = 5000
)

// timeX places virtual time on the shared axis.
func timeX(nanos, end int64) float64 {
	return timelineLabelWidth + float64(timelineWidth)*float64(max(nanos, 0))/float64(end)
}

// axis draws time labels under a timeline at y.
func axis(p *page, end int64, y int) {
	for i := range 5 {
		at := end * int64(i) / 4
		p.printf("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", timeX(at, end), y+axisHeight/2,
			escape(time.Duration(at).Round(axisUnit(end)).String()))
	}
}

// axisUnit rounds an axis's labels: about a hundredth of its span, a
// power of ten.
func axisUnit(end int64) time.Duration {
	unit := time.Duration(1)
	for unit*1000 < time.Duration(end) {
		unit *= 10
	}
	return unit
}

// writeFaults draws the run's faults on a lane per kind (the first word
// of the fault's text: crash, partition, network, clock, ...), with the
// list of them folded below.
func writeFaults(p *page, faults []Fault, end int64) {
	p.printf("<h2 id=\"faults\">Faults</h2>\n")
	if len(faults) == 0 {
		p.printf("<p class=\"note\">No fault happened in this run.</p>\n")
		return
	}
	var lanes []string
	for _, fault := range faults {
		if lane := faultLane(fault); !slices.Contains(lanes, lane) {
			lanes = append(lanes, lane)
		}
	}
	height := len(lanes)*laneHeight + axisHeight
	p.printf("<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"faults over virtual time\">\n",
		timelineLabelWidth+timelineWidth+20, height)
	for i, lane := range lanes {
		y := i * laneHeight
		p.printf("<text x=\"0\" y=\"%d\">%s</text>\n", y+laneHeight/2, escape(lane))
		p.printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
			timelineLabelWidth, y+laneHeight/2, timelineLabelWidth+timelineWidth, y+laneHeight/2)
	}
	for _, fault := range faults {
		y := slices.Index(lanes, faultLane(fault)) * laneHeight
		x := timeX(fault.AtNanos, end)
		p.printf("<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\" fill=\"#cf222e\"><title>%s</title></rect>\n",
			x-1, y+2, laneHeight-4, escape(fmt.Sprintf("%s: %s", duration(fault.AtNanos), faultText(fault))))
	}
	axis(p, end, len(lanes)*laneHeight)
	p.printf("</svg>\n<details><summary>%d faults</summary><table>\n<tr><th>virtual time</th><th>node</th><th>fault</th></tr>\n", len(faults))
	for _, fault := range faults {
		p.printf("<tr><td class=\"number\">%s</td><td>%s</td><td>%s</td></tr>\n", escape(duration(fault.AtNanos)),
			escape(fault.Node), escape(fault.Text))
	}
	p.printf("</table></details>\n")
}

func faultLane(fault Fault) string {
	lane, _, _ := strings.Cut(strings.TrimSpace(fault.Text), " ")
	return strings.TrimSuffix(lane, ":")
}

// writeTimeline draws the operations, a row per process: green when ok,
// grey when failed, orange (to the end) when the outcome is unknown; red
// when a check names them.
func writeTimeline(p *page, history History, end int64) {
	operations := history.History.Operations()
	p.printf("<h2 id=\"timeline\">Operations</h2>\n")
	p.printf(`<p class="note">Each bar is an operation on its process's row, from its invoke to its completion:
green ok, grey failed, orange indeterminate (drawn to the end of the run); red when a check names it.
Hover a bar for the operation.</p>` + "\n")
	if len(operations) > timelineOperationsMax {
		p.printf("<p class=\"note\">The first %d of %d operations are drawn.</p>\n", timelineOperationsMax, len(operations))
		operations = operations[:timelineOperationsMax]
	}
	var processes []int
	for _, operation := range operations {
		processes = append(processes, operation.Process)
	}
	slices.Sort(processes)
	processes = slices.Compact(processes)
	marked := involved(history.Checks)
	height := len(processes)*(rowHeight+rowGap) + axisHeight
	p.printf("<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"operations over virtual time\">\n",
		timelineLabelWidth+timelineWidth+20, height)
	for i, process := range processes {
		p.printf("<text x=\"0\" y=\"%d\">process %d</text>\n", i*(rowHeight+rowGap)+rowHeight/2, process)
	}
	for _, operation := range operations {
		row := slices.Index(processes, operation.Process)
		start, stop := operation.InvokeTimeNanos, operation.CompleteTimeNanos
		if stop == math.MaxInt64 {
			stop = end
		}
		x1, x2 := timeX(start, end), timeX(stop, end)
		p.printf("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"%s\"><title>%s</title></rect>\n",
			x1, row*(rowHeight+rowGap), max(x2-x1, 1.5), rowHeight, operationColor(operation, marked),
			operationStroke(operation, marked), escape(describeOperation(operation)))
	}
	axis(p, end, len(processes)*(rowHeight+rowGap))
	p.printf("</svg>\n")
}

func operationColor(operation checkers.Operation, marked map[int]bool) string {
	switch {
	case marked[operation.InvokeIndex]:
		return "#ff8182"
	case operation.Type == checkers.TypeOK:
		return "#8ddb8c"
	case operation.Type == checkers.TypeFail:
		return "#d0d7de"
	}
	return "#f2cc60"
}

func operationStroke(operation checkers.Operation, marked map[int]bool) string {
	if marked[operation.InvokeIndex] {
		return "#cf222e"
	}
	return "none"
}

// describeOperation is an operation in full: history index, process,
// function, key, values, outcome, times and transaction.
func describeOperation(operation checkers.Operation) string {
	text := fmt.Sprintf("op %d, process %d: %s", operation.InvokeIndex, operation.Process, operation.Function)
	if operation.Key != "" {
		text += " " + operation.Key
	}
	text += fmt.Sprintf(" %v -> %s", operation.Input, operation.Type)
	if operation.Type != checkers.TypeFail && !operation.Output.IsNull() {
		text += fmt.Sprintf(" %v", operation.Output)
	}
	text += ", from " + duration(operation.InvokeTimeNanos)
	if operation.CompleteTimeNanos != math.MaxInt64 {
		text += " to " + duration(operation.CompleteTimeNanos)
	}
	if operation.Txn != "" {
		text += ", txn " + operation.Txn
	}
	if operation.CommitTimestamp != "" {
		text += ", commit timestamp " + operation.CommitTimestamp
	}
	return text
}
