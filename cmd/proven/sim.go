package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

var simCommand = command{
	name:     "sim",
	synopsis: "sim [--seed N] [--seeds K] [--faults MODE] [--workload W] [--json] [--trace] [--corpus DIR] [--report FILE] [--parallel N] [--shard I/N] [--coverage]",
	summary:  "run seeded simulations and check them",
	about: `Runs seeds N, N+1, ..., N+K-1 of a workload under faults and checks each
run's history. Prints one line per run in seed order (a JSON object per
run with --json, and the summary as one too), then a summary; progress
goes to stderr. A failing run writes its seed file into --corpus and
prints the command that replays it. Exit status 0 when every run is ok,
1 when any fails, 2 on a usage error, 130 when interrupted (Ctrl-C prints
the summary of the runs finished so far). Seeds run on --parallel cores
with the same output byte for byte; --shard i/n runs the i-th of n parts
of the seed range; --coverage prints after the summary which fault hit
transactions in which 2PC phase, over the runs.`,
	example: "proven sim --seeds 500 --workload register --faults crash,partition --report campaign.html",
	define:  func(flags *flag.FlagSet) { defineSimFlags(flags) },
	run:     runSim,
}

// simFlagValues are the flags of `proven sim` as declared.
type simFlagValues struct {
	seed, faults, workload, corpus, report, shard *string
	seeds, parallel                               *int
	json, trace, coverage                         *bool
}

func defineSimFlags(flags *flag.FlagSet) simFlagValues {
	return simFlagValues{
		seed:  flags.String("seed", "1", "first `seed` (decimal or 0x-hex)"),
		seeds: flags.Int("seeds", 100, "`number` of runs, with seeds counting up from --seed (1 when --seed is given alone)"),
		faults: flags.String("faults", seedfile.DefaultFaults,
			"fault `mode`: none, all, swarm, or a comma list of: "+strings.Join(sim.FamilyNames(), ",")),
		workload: flags.String("workload", workloads.DefaultWorkload, "`workload` to run: "+strings.Join(workloads.Names(), ", ")),
		json:     flags.Bool("json", false, "print JSON lines: one object per run, and the summary as one"),
		trace:    flags.Bool("trace", false, "print every event on stderr (one JSON object per event with --json)"),
		corpus:   flags.String("corpus", "corpus", "`folder` where each failing run's seed file is written"),
		report:   flags.String("report", "", "write an HTML page of the campaign to `file`, with a history page per failed seed beside it"),
		parallel: flags.Int("parallel", defaultParallel(), "`number` of seeds run at once, on as many cores (output stays in seed order)"),
		shard:    flags.String("shard", "1/1", "run only `part` i of n of the seed range (i/n), e.g. for a CI matrix"),
		coverage: flags.Bool("coverage", false, "print which faults hit transactions in which 2PC phase, over the runs"),
	}
}

// simFlags are the parsed flags of `proven sim`.
type simFlags struct {
	seed     uint64
	seeds    int
	faults   sim.FaultMode
	workload string
	json     bool
	trace    bool
	// corpus is where a failing run's seed file is written.
	corpus string
	// report, when set, is the campaign page's file.
	report string
	// parallel is the number of seeds run at once; shard the part of the
	// seed range this invocation runs (parallel.go).
	parallel int
	shard    shard
	// coverage prints the campaign's fault coverage (coverage.go).
	coverage bool
}

func parseSimFlags(c command, args []string, env environment) (simFlags, error) {
	flags := flag.NewFlagSet("proven sim", flag.ContinueOnError)
	values := defineSimFlags(flags)
	positional, err := c.parse(flags, args, env)
	if err != nil {
		return simFlags{}, err
	}
	given := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["seed"] && !given["seeds"] {
		*values.seeds = 1 // a seed named alone is one run: the reproduce case
	}
	if len(positional) > 0 {
		return simFlags{}, fmt.Errorf("unexpected argument %q (sim takes flags only)", positional[0])
	}
	options := simFlags{seeds: *values.seeds, workload: *values.workload, json: *values.json, trace: *values.trace,
		corpus: *values.corpus, report: *values.report, parallel: *values.parallel, coverage: *values.coverage}
	if options.seed, err = sim.ParseSeed(*values.seed); err != nil {
		return simFlags{}, fmt.Errorf("--seed: %w", err)
	}
	if err := checkSeedRange(options.seed, options.seeds); err != nil {
		return simFlags{}, err
	}
	if options.faults, err = parseFaultsFlag(*values.faults); err != nil {
		return simFlags{}, err
	}
	if err := checkWorkloadFlag(options.workload); err != nil {
		return simFlags{}, err
	}
	if given["report"] && options.report == "" {
		return simFlags{}, errors.New(`--report "": want the file to write the campaign page to`)
	}
	if err := atLeast("--parallel", options.parallel, 1); err != nil {
		return simFlags{}, err
	}
	if options.shard, err = parseShard(*values.shard); err != nil {
		return simFlags{}, fmt.Errorf("--shard: %w", err)
	}
	return options, nil
}

// checkSeedRange refuses a seed count below one, and seeds that would
// count past the largest seed (they would wrap to 0 silently).
func checkSeedRange(first uint64, count int) error {
	if err := atLeast("--seeds", count, 1); err != nil {
		return err
	}
	if first > math.MaxUint64-uint64(count-1) {
		return fmt.Errorf("--seed %d --seeds %d: the seeds would count past %d, the largest seed (start at %d at most)",
			first, count, uint64(math.MaxUint64), uint64(math.MaxUint64)-uint64(count-1))
	}
	return nil
}

// parseFaultsFlag reads --faults; an empty value is refused rather than
// read as none.
func parseFaultsFlag(text string) (sim.FaultMode, error) {
	if strings.TrimSpace(text) == "" {
		return sim.FaultMode{}, fmt.Errorf(`--faults %q: want none, all, swarm or a comma list of: %s`,
			text, strings.Join(sim.FamilyNames(), ","))
	}
	mode, err := sim.ParseFaults(text)
	if err != nil {
		return sim.FaultMode{}, fmt.Errorf("--faults: %w", err)
	}
	return mode, nil
}

func checkWorkloadFlag(workload string) error {
	if !slices.Contains(workloads.Names(), workload) {
		return fmt.Errorf("--workload: unknown workload %q (want one of: %s)", workload, strings.Join(workloads.Names(), ", "))
	}
	return nil
}

// checkVerdict is one check's verdict in a run line.
type checkVerdict struct {
	Checker string `json:"checker"`
	Verdict string `json:"verdict"`
}

// runLine is the output contract of one run; --json prints the same
// fields, with kind "run" and, for a failure, where its seed file went,
// the command that replays it and the detail.
type runLine struct {
	Kind          string         `json:"kind"`
	Seed          uint64         `json:"seed"`
	Scenario      string         `json:"scenario"`
	Verdict       string         `json:"verdict"`
	Events        uint64         `json:"events"`
	Virtual       string         `json:"virtual"`
	Fingerprint   string         `json:"fingerprint"`
	Faults        string         `json:"faults"`
	Sites         string         `json:"sites,omitempty"`
	Topology      string         `json:"topology,omitempty"`
	Committed     int            `json:"committed"`
	Aborted       int            `json:"aborted"`
	Indeterminate int            `json:"indeterminate"`
	Checks        []checkVerdict `json:"checks,omitempty"`
	Failure       string         `json:"failure,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	SeedFile      string         `json:"seed_file,omitempty"`
	Reproduce     string         `json:"reproduce,omitempty"`
	Detail        string         `json:"detail,omitempty"`
}

func (l runLine) String() string {
	text := fmt.Sprintf("seed=%d scenario=%s verdict=%s events=%d virtual=%s fingerprint=%s faults=%s",
		l.Seed, l.Scenario, l.Verdict, l.Events, l.Virtual, l.Fingerprint, l.Faults)
	text += planFields(l.Sites, l.Topology)
	text += fmt.Sprintf(" committed=%d aborted=%d indeterminate=%d", l.Committed, l.Aborted, l.Indeterminate)
	text += checksText(l.Checks)
	if l.Failure != "" {
		text += fmt.Sprintf(" failure=%s reason=%q", l.Failure, l.Reason)
	}
	return text
}

// checksText is a run line's verdicts, " check=verdict" each, and a note
// that unknown is not a failure when one is unknown.
func checksText(checks []checkVerdict) string {
	text := ""
	unknown := false
	for _, check := range checks {
		text += fmt.Sprintf(" %s=%s", check.Checker, check.Verdict)
		unknown = unknown || check.Verdict == string(checkers.VerdictUnknown)
	}
	if unknown {
		text += " unknown=not-a-failure"
	}
	return text
}

// workloadLine is the run line of a workload's run.
func workloadLine(report proven.Report) runLine {
	line := runLine{
		Kind: "run", Seed: report.Seed, Scenario: report.Workload, Verdict: string(report.Verdict), Events: report.Events,
		Virtual: time.Duration(report.VirtualNanos).String(), Fingerprint: report.FingerprintHex(),
		Faults: report.Plan.String(), Sites: sitesField(report.Plan), Topology: topologyField(report.Plan),
		Committed: report.Committed, Aborted: report.Aborted,
		Indeterminate: report.Indeterminate, Failure: string(report.Failure), Reason: report.Reason,
	}
	for _, result := range report.Checks {
		line.Checks = append(line.Checks, checkVerdict{Checker: result.Checker, Verdict: string(result.Verdict)})
	}
	return line
}

// runSeed runs one seed of the chosen workload. It touches nothing but
// its trace writer, so seeds may run in parallel; their results go to one
// campaignOutput, which prints them in seed order.
func runSeed(options simFlags, index int, trace io.Writer) runResult {
	seed := options.seed + uint64(index)
	scenario := proven.Scenario{Workload: workloads.Named(options.workload), Faults: options.faults.String(), Trace: trace,
		Coverage: options.coverage}
	return runResult{index: index, report: proven.Run(scenario, seed)}
}

func runSim(c command, args []string, env environment) int {
	options, err := parseSimFlags(c, args, env)
	if err != nil {
		return c.usageError(err, env)
	}
	options.seed, options.seeds = options.shard.part(options.seed, options.seeds)
	output := newCampaignOutput(options, env)
	interrupted := env.interrupt()
	workers := options.parallel
	if options.trace {
		workers = 1 // the trace goes straight to stderr as the run goes
	}
	stopped := runSeeds(options.seeds, workers, func() bool { return isClosed(interrupted) },
		func(index int) runResult { return runSeed(options, index, output.trace(options.seed+uint64(index))) },
		output.add)
	return output.finish(stopped)
}

// isClosed reports, without waiting, whether the channel is closed (a nil
// channel never is).
func isClosed(channel <-chan struct{}) bool {
	select {
	case <-channel:
		return true
	default:
		return false
	}
}
