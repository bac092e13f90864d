package view

import (
	"fmt"
	"io"
	"slices"
)

// Campaign is what a campaign page shows: the runs of many seeds.
type Campaign struct {
	Title string
	// Families lists the fault families in the order the fault-family mix
	// shows them (sim.FamilyNames).
	Families []string
	// Runs are in seed order.
	Runs []Run
	// Coverage, when set, is drawn as a matrix; nil draws none.
	Coverage *Coverage
}

// Run is one seed's run in a campaign.
type Run struct {
	Seed uint64
	// Verdict is the run's: "ok" or "fail".
	Verdict                           string
	Committed, Aborted, Indeterminate int
	// Plan is the fault plan as a run line shows it
	// ("partition:0.63,crash:0.90", or "none"); Families lists the
	// families it turned on.
	Plan     string
	Families []string
	// Failure and Reason say why a failed run failed.
	Failure, Reason string
	// HistoryLink, when set, is a link (relative to the campaign page) to
	// the run's history page.
	HistoryLink string
}

// Coverage counts what a campaign exercised, by phase of the run (rows)
// and fault family (columns): Counts[phase][family] is, for example, the
// number of faults of a family that hit during a phase, summed over the
// runs. The producer of the campaign (proven sim) fills it in; the page
// shows it as a matrix shaded by count, and says what Unit counts.
type Coverage struct {
	// Phases name the rows (e.g. setup, faults, healing, quiet, final).
	Phases []string
	// Families name the columns (sim.FamilyNames).
	Families []string
	// Counts holds a row per phase, a count per family.
	// Requires: len(Counts) == len(Phases), and each row has
	// len(Families) counts.
	Counts [][]int
	// Unit says what is counted ("faults", "runs", ...).
	Unit string
}

// WriteCampaign writes a campaign page: one self-contained HTML file (it
// fetches nothing) showing the totals, the runs over seeds (committed,
// aborted and indeterminate transactions as stacked bars, the verdict as
// a strip below them), the fault-family mix (the runs each family was on
// in, and how many of them failed), the coverage matrix when the campaign
// has one, and the failed seeds, each linked to its history page.
func WriteCampaign(w io.Writer, campaign Campaign) error {
	if campaign.Coverage != nil {
		if err := campaign.Coverage.validate(); err != nil {
			return err
		}
	}
	var p page
	failed := 0
	committed, aborted, indeterminate := 0, 0, 0
	for _, run := range campaign.Runs {
		if run.Verdict != "ok" {
			failed++
		}
		committed, aborted, indeterminate = committed+run.Committed, aborted+run.Aborted, indeterminate+run.Indeterminate
	}
	p.facts(campaign.Title, []Fact{
		{Name: "runs", Value: fmt.Sprint(len(campaign.Runs))},
		{Name: "ok / failed", Value: fmt.Sprintf("%d / %d", len(campaign.Runs)-failed, failed)},
		{Name: "transactions committed / aborted / indeterminate", Value: fmt.Sprintf("%d / %d / %d", committed, aborted, indeterminate)},
	})
	writeFailedRuns(&p, campaign.Runs)
	writeRunsOverSeeds(&p, campaign.Runs)
	writeFamilyMix(&p, campaign)
	if campaign.Coverage != nil {
		writeCoverage(&p, *campaign.Coverage)
	}
	writeRunTable(&p, campaign.Runs)
	return p.write(w, campaign.Title)
}

func (c Coverage) validate() error {
	if len(c.Counts) != len(c.Phases) {
		return fmt.Errorf("view: coverage has %d rows of counts for %d phases", len(c.Counts), len(c.Phases))
	}
	for i, row := range c.Counts {
		if len(row) != len(c.Families) {
			return fmt.Errorf("view: coverage phase %q has %d counts for %d families", c.Phases[i], len(row), len(c.Families))
		}
	}
	return nil
}

func writeFailedRuns(p *page, runs []Run) {
	p.printf("<h2 id=\"failed\">Failed seeds</h2>\n")
	var failed []Run
	for _, run := range runs {
		if run.Verdict != "ok" {
			failed = append(failed, run)
		}
	}
	if len(failed) == 0 {
		p.printf("<p class=\"ok\">Every run passed.</p>\n")
		return
	}
	p.printf("<table>\n<tr><th>seed</th><th>failure</th><th>reason</th><th>faults</th><th>history</th></tr>\n")
	for _, run := range failed {
		link := "(not written)"
		if run.HistoryLink != "" {
			link = fmt.Sprintf("<a href=\"%s\">history of seed %d</a>", escape(run.HistoryLink), run.Seed)
		}
		p.printf("<tr><td class=\"number\">%d</td><td class=\"fail\">%s</td><td><pre>%s</pre></td><td class=\"mono\">%s</td><td>%s</td></tr>\n",
			run.Seed, escape(run.Failure), escape(run.Reason), escape(run.Plan), link)
	}
	p.printf("</table>\n")
}

// writeRunsOverSeeds draws a stacked bar per run (committed, aborted,
// indeterminate) and the verdict strip under them.
func writeRunsOverSeeds(p *page, runs []Run) {
	p.printf("<h2 id=\"runs\">Runs over seeds</h2>\n")
	if len(runs) == 0 {
		p.printf("<p class=\"note\">No run finished.</p>\n")
		return
	}
	const width, height, strip = 1000, 160, 12
	tallest := 1
	for _, run := range runs {
		tallest = max(tallest, run.Committed+run.Aborted+run.Indeterminate)
	}
	barWidth := float64(width) / float64(len(runs))
	p.printf(`<p class="note">A bar per seed, in seed order: transactions committed (green), aborted (grey) and
indeterminate (orange); below, the verdict (red: failed). Hover a bar for the run.</p>` + "\n")
	p.printf("<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"runs over seeds\">\n", width+60, height+strip+24)
	p.printf("<text x=\"0\" y=\"8\">%d</text><text x=\"0\" y=\"%d\">0</text>\n", tallest, height)
	for i, run := range runs {
		x := 50 + float64(i)*barWidth
		title := escape(fmt.Sprintf("seed %d: %s, committed %d, aborted %d, indeterminate %d, faults %s",
			run.Seed, run.Verdict, run.Committed, run.Aborted, run.Indeterminate, run.Plan))
		p.printf("<g><title>%s</title>", title)
		bottom := float64(height)
		for _, part := range []struct {
			count int
			color string
		}{{run.Committed, "#8ddb8c"}, {run.Aborted, "#d0d7de"}, {run.Indeterminate, "#f2cc60"}} {
			size := float64(part.count) / float64(tallest) * float64(height)
			p.printf("<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>", x, bottom-size, max(barWidth-0.5, 0.5), size, part.color)
			bottom -= size
		}
		color := "#8ddb8c"
		if run.Verdict != "ok" {
			color = "#cf222e"
		}
		p.printf("<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/></g>\n", x, height+4, max(barWidth-0.5, 0.5), strip, color)
	}
	p.printf("<text x=\"50\" y=\"%d\">seed %d</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">seed %d</text>\n",
		height+strip+16, runs[0].Seed, width+50, height+strip+16, runs[len(runs)-1].Seed)
	p.printf("</svg>\n")
}

// writeFamilyMix counts, per fault family, the runs it was on in and the
// failed ones among them.
func writeFamilyMix(p *page, campaign Campaign) {
	p.printf("<h2 id=\"families\">Fault-family mix</h2>\n")
	p.printf("<table>\n<tr><th>family</th><th>runs with it on</th><th>share</th><th>failed runs with it on</th></tr>\n")
	runs := max(len(campaign.Runs), 1)
	for _, family := range campaign.Families {
		on, failed := 0, 0
		for _, run := range campaign.Runs {
			if slices.Contains(run.Families, family) {
				on++
				if run.Verdict != "ok" {
					failed++
				}
			}
		}
		share := float64(on) / float64(runs)
		p.printf("<tr><td>%s</td><td class=\"number\">%d</td><td><svg width=\"104\" height=\"12\"><rect width=\"%.1f\" height=\"12\" fill=\"#54aeff\"/><rect width=\"100\" height=\"12\" fill=\"none\" stroke=\"#ccc\"/></svg> %.0f%%</td><td class=\"number\">%d</td></tr>\n",
			escape(family), on, 100*share, 100*share, failed)
	}
	p.printf("</table>\n")
}

func writeCoverage(p *page, coverage Coverage) {
	p.printf("<h2 id=\"coverage\">Coverage</h2>\n<p class=\"note\">%s by phase (rows) and fault family (columns).</p>\n",
		escape(coverage.Unit))
	largest := 1
	for _, row := range coverage.Counts {
		for _, count := range row {
			largest = max(largest, count)
		}
	}
	p.printf("<table>\n<tr><th>phase</th>")
	for _, family := range coverage.Families {
		p.printf("<th>%s</th>", escape(family))
	}
	p.printf("</tr>\n")
	for i, phase := range coverage.Phases {
		p.printf("<tr><th>%s</th>", escape(phase))
		for _, count := range coverage.Counts[i] {
			shade := 255 - int(180*float64(count)/float64(largest))
			if count == 0 {
				shade = 255
			}
			p.printf("<td class=\"number\" style=\"background: rgb(%d, %d, 255)\">%d</td>", shade, shade, count)
		}
		p.printf("</tr>\n")
	}
	p.printf("</table>\n")
}

func writeRunTable(p *page, runs []Run) {
	p.printf("<details><summary>Every run (%d)</summary><table>\n", len(runs))
	p.printf("<tr><th>seed</th><th>verdict</th><th>committed</th><th>aborted</th><th>indeterminate</th><th>faults</th></tr>\n")
	for _, run := range runs {
		p.printf("<tr><td class=\"number\">%d</td><td class=\"%s\">%s</td><td class=\"number\">%d</td><td class=\"number\">%d</td><td class=\"number\">%d</td><td class=\"mono\">%s</td></tr>\n",
			run.Seed, verdictClass(run.Verdict), escape(run.Verdict), run.Committed, run.Aborted, run.Indeterminate, escape(run.Plan))
	}
	p.printf("</table></details>\n")
}
