package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/view"
	"github.com/proven2pc/proven/workloads"
)

// campaignReport collects what `proven sim --report FILE` draws: a row
// per run, and a history page per failed seed written beside FILE
// (FILE without .html, then -seed-N.html) as the run is printed. A
// campaign that records coverage sets campaign.Coverage (phase x fault
// family counts, view.Coverage) before write; without it the page draws
// no matrix.
type campaignReport struct {
	path     string
	campaign view.Campaign
}

func newCampaignReport(options simFlags) *campaignReport {
	title := fmt.Sprintf("proven sim: %s, faults %s, seeds %d..%d", options.workload, options.faults,
		options.seed, options.seed+uint64(options.seeds-1))
	return &campaignReport{path: options.report, campaign: view.Campaign{Title: title, Families: sim.FamilyNames()}}
}

// add adds a run's row; for a failed run it writes the run's history
// page first and links it (a page that cannot be written is reported on
// stderr and left unlinked).
func (r *campaignReport) add(report proven.Report, stderr io.Writer) {
	row := view.Run{Seed: report.Seed, Verdict: string(report.Verdict), Committed: report.Committed,
		Aborted: report.Aborted, Indeterminate: report.Indeterminate, Plan: report.Plan.String(),
		Failure: string(report.Failure), Reason: report.Reason}
	for i, name := range sim.FamilyNames() {
		if report.Plan.Families.Has(sim.Family(1 << i)) {
			row.Families = append(row.Families, name)
		}
	}
	if report.Verdict != sim.VerdictOK {
		path := r.historyPath(report.Seed)
		if err := writeFile(path, func(w io.Writer) error { return view.WriteHistory(w, historyPage(report.Report)) }); err != nil {
			fmt.Fprintf(stderr, "could not write the history page of seed %d: %v\n", report.Seed, err)
		} else {
			row.HistoryLink = filepath.Base(path)
		}
	}
	r.campaign.Runs = append(r.campaign.Runs, row)
}

// historyPath is where a failed seed's history page goes.
func (r *campaignReport) historyPath(seed uint64) string {
	return fmt.Sprintf("%s-seed-%d.html", strings.TrimSuffix(r.path, ".html"), seed)
}

func (r *campaignReport) write() error {
	return writeFile(r.path, func(w io.Writer) error { return view.WriteCampaign(w, r.campaign) })
}

// historyPage is what a run's history page shows: the run's facts, its
// history, the checks' verdicts and the faults.
func historyPage(report workloads.Report) view.History {
	page := view.History{
		Title:   fmt.Sprintf("%s seed %d: %s", report.Workload, report.Seed, report.Verdict),
		History: report.History, Checks: report.Checks,
		Facts: []view.Fact{
			{Name: "seed", Value: fmt.Sprint(report.Seed)},
			{Name: "workload", Value: report.Workload},
			{Name: "verdict", Value: string(report.Verdict)},
			{Name: "faults", Value: report.Plan.String()},
			{Name: "fault phase", Value: report.Plan.FaultPhase.String()},
			{Name: "events", Value: fmt.Sprint(report.Events)},
			{Name: "virtual time", Value: time.Duration(report.VirtualNanos).String()},
			{Name: "fingerprint", Value: report.FingerprintHex()},
			{Name: "committed / aborted / indeterminate", Value: fmt.Sprintf("%d / %d / %d", report.Committed, report.Aborted, report.Indeterminate)},
		},
	}
	if report.Failure != "" {
		page.Facts = append(page.Facts, view.Fact{Name: "failure", Value: fmt.Sprintf("%s: %s", report.Failure, report.Reason)})
	}
	for _, fault := range report.Faults {
		node := ""
		if fault.Node != 0 {
			node = fmt.Sprintf("n%d", fault.Node)
		}
		page.Faults = append(page.Faults, view.Fault{AtNanos: fault.AtNanos, Node: node, Text: fault.Text})
	}
	return page
}

// writeFile creates path and writes it with write, reporting either's
// error.
func writeFile(path string, write func(w io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(file); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return file.Close()
}
