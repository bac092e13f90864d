package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// runResult is one finished run of a campaign: its index (seed minus the
// first seed) and its report.
type runResult struct {
	index  int
	report proven.Report
}

// campaignOutput is the one writer of a `proven sim` campaign: it takes
// finished runs in any order and prints them in seed order (run lines on
// stdout; failures, progress and the trace on stderr), writes the seed
// files of failing runs, keeps the tally and the campaign report, and
// prints the summary. It is not safe for concurrent use: runs that finish
// in parallel hand their results to one goroutine that calls add.
type campaignOutput struct {
	options simFlags
	env     environment
	encoder *json.Encoder
	// pending holds runs that finished before an earlier seed's run.
	pending map[int]runResult
	// next is the index of the next run to print.
	next     int
	failed   int
	progress *progress
	report   *campaignReport
	// coverage sums the runs' fault coverage (with --coverage).
	coverage *coverageMatrix
}

func newCampaignOutput(options simFlags, env environment) *campaignOutput {
	output := &campaignOutput{options: options, env: env, encoder: json.NewEncoder(env.stdout),
		pending: map[int]runResult{}, coverage: newCoverageMatrix()}
	output.encoder.SetEscapeHTML(false)
	// The trace writes to stderr on its own, so progress would garble it.
	if options.seeds > 1 && !options.trace {
		output.progress = newProgress(env, options.seeds, options.json)
	}
	if options.report != "" {
		output.report = newCampaignReport(options)
	}
	return output
}

// trace returns the trace writer of a seed's run (nil without --trace):
// the simulator's lines on stderr, or one JSON object per event with
// --json.
func (o *campaignOutput) trace(seed uint64) io.Writer {
	switch {
	case !o.options.trace:
		return nil
	case o.options.json:
		return newJSONTrace(o.env.stderr, seed)
	}
	return o.env.stderr
}

// add takes a finished run and prints every run that is now next in
// seed order.
func (o *campaignOutput) add(result runResult) {
	o.pending[result.index] = result
	for {
		ready, ok := o.pending[o.next]
		if !ok {
			return
		}
		delete(o.pending, o.next)
		o.print(ready.report)
		o.next++
	}
}

// print prints one run: its line, and for a failure its seed file, the
// command that replays it and the detail.
func (o *campaignOutput) print(report proven.Report) {
	line := workloadLine(report)
	o.progress.clear()
	if report.Verdict != sim.VerdictOK {
		o.failed++
		line.SeedFile, line.Reproduce = o.writeSeedFile(report)
		line.Detail = report.Detail
	}
	if o.options.json {
		_ = o.encoder.Encode(line)
	} else {
		fmt.Fprintln(o.env.stdout, line)
		if report.Verdict != sim.VerdictOK {
			printFailure(o.env.stderr, line)
		}
	}
	if o.report != nil {
		o.report.add(report, o.env.stderr)
	}
	o.coverage.add(report.Coverage)
	o.progress.update(o.next+1, o.failed)
}

// printFailure prints a failing run's reason, seed file, replay command
// and detail as text on stderr.
func printFailure(stderr io.Writer, line runLine) {
	fmt.Fprintf(stderr, "seed %d failed (%s): %s\n", line.Seed, line.Failure, line.Reason)
	if line.SeedFile != "" {
		fmt.Fprintf(stderr, "seed file: %s\n", line.SeedFile)
	}
	fmt.Fprintf(stderr, "reproduce: %s\n", line.Reproduce)
	if line.Detail != "" {
		fmt.Fprintln(stderr, line.Detail)
	}
}

// writeSeedFile writes a failing run's seed file into the corpus folder
// and returns its absolute path and the command that replays it (which
// then works from any folder); when the file cannot be written, the path
// is empty and the command reruns the seed.
func (o *campaignOutput) writeSeedFile(report proven.Report) (path, reproduce string) {
	path = filepath.Join(o.options.corpus, seedfile.Name(report.Workload, report.Seed))
	if absolute, err := filepath.Abs(path); err == nil {
		path = absolute
	}
	if err := seedfile.Save(path, report.SeedFile("")); err != nil {
		o.warn(fmt.Sprintf("could not write the seed file: %v", err))
		return "", fmt.Sprintf("proven sim --seed %d --seeds 1 --faults %s --workload %s",
			report.Seed, o.options.faults, o.options.workload)
	}
	return path, replayCommandLine(path)
}

// warn prints a problem that does not stop the campaign on stderr (a JSON
// object with --json).
func (o *campaignOutput) warn(message string) {
	if o.options.json {
		encoder := json.NewEncoder(o.env.stderr)
		_ = encoder.Encode(map[string]string{"kind": "warning", "message": message})
		return
	}
	fmt.Fprintln(o.env.stderr, message)
}

// summaryLine is the last line of a campaign.
type summaryLine struct {
	Kind   string `json:"kind"`
	Runs   int    `json:"runs"`
	OK     int    `json:"ok"`
	Failed int    `json:"failed"`
	// Interrupted is set when Ctrl-C stopped the campaign before Planned
	// runs.
	Interrupted bool   `json:"interrupted,omitempty"`
	Planned     int    `json:"planned,omitempty"`
	Report      string `json:"report,omitempty"`
}

func (s summaryLine) String() string {
	text := fmt.Sprintf("runs=%d ok=%d failed=%d", s.Runs, s.OK, s.Failed)
	if s.Interrupted {
		text += fmt.Sprintf(" interrupted=true planned=%d", s.Planned)
	}
	return text
}

// finish prints the summary of the runs printed so far (and writes the
// campaign report) and returns the exit status: 130 when interrupted,
// else 1 when a run failed, else 0.
func (o *campaignOutput) finish(interrupted bool) int {
	o.progress.clear()
	summary := summaryLine{Kind: "summary", Runs: o.next, OK: o.next - o.failed, Failed: o.failed}
	if interrupted {
		summary.Interrupted, summary.Planned = true, o.options.seeds
	}
	if o.report != nil {
		if err := o.report.write(); err != nil {
			o.warn(fmt.Sprintf("could not write the campaign report: %v", err))
		} else {
			summary.Report = o.options.report
		}
	}
	if o.options.json {
		_ = o.encoder.Encode(summary)
	} else {
		fmt.Fprintln(o.env.stdout, summary)
		if summary.Report != "" {
			fmt.Fprintf(o.env.stderr, "campaign report: %s\n", summary.Report)
		}
	}
	if o.options.coverage {
		o.coverage.write(o.env.stdout, o.options.json)
	}
	switch {
	case interrupted:
		return 130
	case o.failed > 0:
		return 1
	}
	return 0
}

// shellQuote quotes a path for a POSIX shell when it holds anything but
// letters, digits and /._-+:,@ (most paths hold nothing else).
func shellQuote(text string) string {
	for _, r := range text {
		plain := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,@", r)
		if !plain {
			return "'" + strings.ReplaceAll(text, "'", `'\''`) + "'"
		}
	}
	return text
}
