package view

import (
	"fmt"
	"math"

	"github.com/proven2pc/proven/checkers"
)

// writeCycles draws each dependency cycle the checks found (once, though
// the strict verdict repeats the serializable one's): its transactions
// round a circle with the edges between them, then a table of the
// transactions and their micro-ops.
func writeCycles(p *page, history History) {
	var cycles []checkers.Cycle
	seen := map[string]bool{}
	for _, result := range history.Checks {
		for _, cycle := range result.Cycles {
			if key := fmt.Sprint(cycle); !seen[key] {
				seen[key] = true
				cycles = append(cycles, cycle)
			}
		}
	}
	p.printf("<h2 id=\"cycles\">Dependency cycles</h2>\n")
	if len(cycles) == 0 {
		p.printf("<p class=\"note\">No check found a dependency cycle.</p>\n")
		return
	}
	p.printf(`<p class="note">Each cycle is a set of transactions no serial order can satisfy: an edge A → B
says A must come before B: ww (B appended after A's append to the key), wr (B read A's append), rw (A
read the key before B's append) or rt (A completed before B was invoked, in real time).</p>` + "\n")
	operations := map[int]checkers.Operation{}
	for _, operation := range history.History.Operations() {
		operations[operation.InvokeIndex] = operation
	}
	for i, cycle := range cycles {
		p.printf("<h3 id=\"cycle-%d\">%s: %d transactions</h3>\n", i, escape(cycle.Anomaly), len(cycle.Edges))
		drawCycle(p, i, cycle, operations)
		cycleTable(p, cycle, operations)
	}
}

// The cycle diagram's geometry.
const (
	cycleNodeWidth  = 170
	cycleNodeHeight = 38
)

// drawCycle places the transactions on a circle, in cycle order, with a
// curved arrow for each edge, labeled with its kind and key.
func drawCycle(p *page, number int, cycle checkers.Cycle, operations map[int]checkers.Operation) {
	count := len(cycle.Edges)
	radius := max(90, 30*float64(count))
	size := 2*radius + cycleNodeWidth + 40
	center := size / 2
	position := func(i int) (float64, float64) {
		angle := -math.Pi/2 + 2*math.Pi*float64(i)/float64(count)
		return center + radius*math.Cos(angle), center + radius*math.Sin(angle)
	}
	p.printf("<svg width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"%s cycle\">\n", size, size, escape(cycle.Anomaly))
	p.printf(`<defs><marker id="arrow-%d" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#cf222e"/></marker></defs>`+"\n", number)
	for i, edge := range cycle.Edges {
		x1, y1 := position(i)
		x2, y2 := position((i + 1) % count)
		// Bend each edge away from the center, so that the two edges of a
		// two-transaction cycle do not overlap.
		middleX, middleY := (x1+x2)/2, (y1+y2)/2
		bendX, bendY := middleX-center, middleY-center
		if length := math.Hypot(bendX, bendY); length > 1 {
			bendX, bendY = bendX/length, bendY/length
		} else {
			bendX, bendY = (y2-y1)/math.Hypot(x2-x1, y2-y1), (x1-x2)/math.Hypot(x2-x1, y2-y1)
		}
		controlX, controlY := middleX+60*bendX, middleY+60*bendY
		fromX, fromY := toward(x1, y1, controlX, controlY)
		toX, toY := toward(x2, y2, controlX, controlY)
		p.printf("<path d=\"M %.1f %.1f Q %.1f %.1f %.1f %.1f\" fill=\"none\" stroke=\"#cf222e\" stroke-width=\"1.5\" marker-end=\"url(#arrow-%d)\"/>\n",
			fromX, fromY, controlX, controlY, toX, toY, number)
		label := edge.Kind
		if edge.Key != "" {
			label += " " + edge.Key
		}
		p.printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#cf222e\">%s</text>\n",
			(middleX+controlX)/2, (middleY+controlY)/2, escape(label))
	}
	for i, edge := range cycle.Edges {
		x, y := position(i)
		operation := operations[edge.From]
		p.printf("<g><title>%s</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"5\" fill=\"#fff\" stroke=\"#555\"/>\n",
			escape(describeOperation(operation)), x-cycleNodeWidth/2, y-cycleNodeHeight/2, cycleNodeWidth, cycleNodeHeight)
		p.printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">op %d, process %d, %s</text>\n",
			x, y-8, edge.From, operation.Process, escape(string(operation.Type)))
		p.printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"mono\">%s</text></g>\n",
			x, y+8, escape(clip(operation.Txn, 24)))
	}
	p.printf("</svg>\n")
}

// toward moves from a node's center to the border of its box, in the
// direction of (x, y), so that arrows start and end at the boxes.
func toward(centerX, centerY, x, y float64) (float64, float64) {
	dx, dy := x-centerX, y-centerY
	scale := math.Min(float64(cycleNodeWidth)/2/math.Max(math.Abs(dx), 1e-9), float64(cycleNodeHeight)/2/math.Max(math.Abs(dy), 1e-9))
	scale = math.Min(scale, 1)
	return centerX + dx*scale, centerY + dy*scale
}

// cycleTable lists the cycle's transactions with their micro-ops (as
// completed, or as invoked when they failed) and the edge to the next.
func cycleTable(p *page, cycle checkers.Cycle, operations map[int]checkers.Operation) {
	p.printf("<table>\n<tr><th>op</th><th>process</th><th>outcome</th><th>txn</th><th>virtual time</th><th>micro-ops</th><th>edge to the next</th></tr>\n")
	for i, edge := range cycle.Edges {
		operation := operations[edge.From]
		microOps := operation.Output
		if operation.Type != checkers.TypeOK || microOps.IsNull() {
			microOps = operation.Input
		}
		span := duration(operation.InvokeTimeNanos) + " .. "
		if operation.CompleteTimeNanos != math.MaxInt64 {
			span += duration(operation.CompleteTimeNanos)
		}
		next := cycle.Edges[(i+1)%len(cycle.Edges)].From
		edgeText := fmt.Sprintf("%s to op %d", edge.Kind, next)
		if edge.Key != "" {
			edgeText = fmt.Sprintf("%s on %s to op %d", edge.Kind, edge.Key, next)
		}
		p.printf("<tr><td class=\"number\">%d</td><td class=\"number\">%d</td><td class=\"%s\">%s</td><td class=\"mono\">%s</td><td>%s</td><td class=\"mono\">%s</td><td>%s</td></tr>\n",
			edge.From, operation.Process, verdictClass(outcomeClass(operation.Type)), escape(string(operation.Type)),
			escape(operation.Txn), escape(span), escape(microOps.String()), escape(edgeText))
	}
	p.printf("</table>\n")
}

// outcomeClass styles an outcome as a verdict: ok, fail, or unknown for
// info.
func outcomeClass(eventType checkers.EventType) string {
	switch eventType {
	case checkers.TypeOK:
		return "ok"
	case checkers.TypeFail:
		return "fail"
	}
	return "unknown"
}

// clip shortens text to at most limit characters.
func clip(text string, limit int) string {
	if len([]rune(text)) <= limit {
		return text
	}
	return string([]rune(text)[:limit-1]) + "…"
}
