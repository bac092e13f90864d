package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/proven2pc/proven/workloads"
	"github.com/proven2pc/proven/workloads/liverun"
)

var liveCommand = command{
	name:     "live",
	synopsis: "live [--workload W] [--duration D] [--clients N] [--dir DIR] [--json] [--history FILE]",
	summary:  "run a workload against the real runtime (goroutines, disk) and check it",
	about: `Runs a workload with real goroutines against an embedded store on disk
(proven.Open) for a duration, records its history, and runs the same
checks as the simulator: the workload's own, atomicity from the stream
logs read back from disk (which also settle indeterminate outcomes),
liveness (every processor idle afterwards) and unique requests. Prints
one key=value run line (a JSON object with --json) and a summary.
Real concurrency is not deterministic: a live run has no fingerprint and
no seed replay. Without --dir the store goes in a temporary directory,
removed after a passing run and kept after a failing one. Exit status 0
when every check is ok, 1 when one fails, 2 on a usage error, 130 when
interrupted (Ctrl-C stops the clients; the run is still checked).`,
	example: "proven live --workload list-append --duration 20s --clients 16",
	define:  func(flags *flag.FlagSet) { defineLiveFlags(flags) },
	run:     runLive,
}

type liveFlagValues struct {
	workload, dir, history *string
	duration               *time.Duration
	clients                *int
	json                   *bool
}

func defineLiveFlags(flags *flag.FlagSet) liveFlagValues {
	return liveFlagValues{
		workload: flags.String("workload", "bank", "`workload` to run (any that declares a cluster): "+strings.Join(workloads.Names(), ", ")),
		duration: flags.Duration("duration", 10*time.Second, "how long the clients run (a Go `duration`: 20s, 1m)"),
		clients:  flags.Int("clients", liverun.DefaultClients, "`number` of client goroutines"),
		dir:      flags.String("dir", "", "store `directory`, missing or empty (default: a temporary one)"),
		json:     flags.Bool("json", false, "print JSON lines: the run as one object, and the summary as one"),
		history:  flags.String("history", "", "write the history to `file`: EDN, or JSON lines when it ends in .jsonl"),
	}
}

func parseLiveFlags(c command, args []string, env environment) (liverun.Options, liveFlagValues, error) {
	flags := flag.NewFlagSet("proven live", flag.ContinueOnError)
	values := defineLiveFlags(flags)
	positional, err := c.parse(flags, args, env)
	if err != nil {
		return liverun.Options{}, values, err
	}
	switch {
	case len(positional) > 0:
		return liverun.Options{}, values, fmt.Errorf("unexpected argument %q (live takes flags only)", positional[0])
	case *values.duration <= 0:
		return liverun.Options{}, values, fmt.Errorf("--duration %v: want a positive duration", *values.duration)
	case *values.clients < 1:
		return liverun.Options{}, values, fmt.Errorf("--clients %d: want at least 1", *values.clients)
	}
	if err := checkWorkloadFlag(*values.workload); err != nil {
		return liverun.Options{}, values, err
	}
	if _, err := workloads.Declare(workloads.Named(*values.workload), workloads.Options{}); err != nil {
		return liverun.Options{}, values, fmt.Errorf("--workload %s: %w", *values.workload, err)
	}
	if *values.dir != "" {
		if entries, err := os.ReadDir(*values.dir); err == nil && len(entries) > 0 {
			return liverun.Options{}, values, fmt.Errorf("--dir %s: not empty (a live run starts from an empty store)", *values.dir)
		}
	}
	return liverun.Options{Workload: workloads.Named(*values.workload), Duration: *values.duration,
		Clients: *values.clients, Dir: *values.dir}, values, nil
}

// liveLine is the output contract of a live run: the sim run line's
// fields that a live run has, and the wall time instead of the virtual.
type liveLine struct {
	Kind          string         `json:"kind"`
	Scenario      string         `json:"scenario"`
	Verdict       string         `json:"verdict"`
	Deterministic bool           `json:"deterministic"`
	Wall          string         `json:"wall"`
	Clients       int            `json:"clients"`
	Operations    int            `json:"operations"`
	Events        int            `json:"events"`
	Committed     int            `json:"committed"`
	Aborted       int            `json:"aborted"`
	Indeterminate int            `json:"indeterminate"`
	Settled       int            `json:"settled"`
	Checks        []checkVerdict `json:"checks,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	Store         string         `json:"store,omitempty"`
	Detail        string         `json:"detail,omitempty"`
}

func (l liveLine) String() string {
	text := fmt.Sprintf("scenario=%s verdict=%s deterministic=false wall=%s clients=%d operations=%d events=%d",
		l.Scenario, l.Verdict, l.Wall, l.Clients, l.Operations, l.Events)
	text += fmt.Sprintf(" committed=%d aborted=%d indeterminate=%d settled=%d", l.Committed, l.Aborted, l.Indeterminate, l.Settled)
	text += checksText(l.Checks)
	if l.Reason != "" {
		text += fmt.Sprintf(" reason=%q", l.Reason)
	}
	return text
}

func newLiveLine(report liverun.Report) liveLine {
	line := liveLine{Kind: "run", Scenario: report.Workload, Verdict: "ok", Wall: report.Duration.Round(time.Millisecond).String(),
		Clients: report.Clients, Operations: report.Operations, Events: len(report.History.Events),
		Committed: report.Committed, Aborted: report.Aborted, Indeterminate: report.Indeterminate,
		Settled: report.Settled, Reason: report.Reason}
	if !report.OK {
		line.Verdict, line.Detail = "fail", report.Detail
	}
	for _, result := range report.Checks {
		line.Checks = append(line.Checks, checkVerdict{Checker: result.Checker, Verdict: string(result.Verdict)})
	}
	return line
}

// nondeterminismNote says what a live run cannot do.
const nondeterminismNote = "proven live: real concurrency is not deterministic: a live run has no fingerprint and no seed replay"

func runLive(c command, args []string, env environment) int {
	options, values, err := parseLiveFlags(c, args, env)
	if err != nil {
		return c.usageError(err, env)
	}
	temporary := options.Dir == ""
	if temporary {
		if options.Dir, err = os.MkdirTemp("", "proven-live-"); err != nil {
			fmt.Fprintf(env.stderr, "proven live: %v\n", err)
			return 1
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupted := env.interrupt()
	go func() {
		select {
		case <-interrupted:
			cancel()
		case <-ctx.Done():
		}
	}()
	fmt.Fprintln(env.stderr, nondeterminismNote)
	report, err := liverun.Run(ctx, options)
	if err != nil {
		fmt.Fprintf(env.stderr, "proven live: %v\n", err)
		return 1
	}
	line := newLiveLine(report)
	if !report.OK {
		line.Store = options.Dir
	} else if temporary {
		os.RemoveAll(options.Dir)
	}
	return printLive(line, report, *values.json, *values.history, isClosed(interrupted), env)
}

// printLive prints the run line and the summary, writes the history if
// asked, and returns the exit status.
func printLive(line liveLine, report liverun.Report, asJSON bool, historyFile string, interrupted bool, env environment) int {
	status := 0
	if historyFile != "" {
		write := func(w io.Writer) error { return report.History.WriteEDN(w) }
		if strings.HasSuffix(historyFile, ".jsonl") {
			write = func(w io.Writer) error { return report.History.WriteJSONLines(w) }
		}
		if err := writeFile(historyFile, write); err != nil {
			fmt.Fprintf(env.stderr, "proven live: writing the history: %v\n", err)
			status = 1
		}
	}
	failed := 0
	if !report.OK {
		failed, status = 1, 1
	}
	summary := summaryLine{Kind: "summary", Runs: 1, OK: 1 - failed, Failed: failed}
	if asJSON {
		encoder := json.NewEncoder(env.stdout)
		encoder.SetEscapeHTML(false)
		_ = encoder.Encode(line)
		_ = encoder.Encode(summary)
	} else {
		fmt.Fprintln(env.stdout, line)
		fmt.Fprintln(env.stdout, summary)
		if !report.OK {
			fmt.Fprintf(env.stderr, "the live run failed: %s\nstore kept at %s\n%s\n", line.Reason, line.Store, line.Detail)
		}
	}
	if interrupted {
		return 130
	}
	return status
}
