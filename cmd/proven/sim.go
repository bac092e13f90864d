package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

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
	// parallel is the number of seeds run at once; shard the part of the
	// seed range this invocation runs (parallel.go).
	parallel int
	shard    shard
	// coverage prints the campaign's fault coverage (coverage.go).
	coverage bool
}

func parseSimFlags(args []string, stderr io.Writer) (simFlags, error) {
	flags := flag.NewFlagSet("proven sim", flag.ContinueOnError)
	flags.SetOutput(stderr)
	seedText := flags.String("seed", "1", "first seed (decimal or 0x-hex)")
	seeds := flags.Int("seeds", 100, "number of runs, with seeds counting up from --seed (1 when --seed is given alone)")
	faultsText := flags.String("faults", "swarm",
		"none, all, swarm, or a comma list of: "+strings.Join(sim.FamilyNames(), ","))
	workload := flags.String("workload", workloads.DefaultWorkload, "scenario to run: "+strings.Join(workloads.Names(), ", "))
	jsonOutput := flags.Bool("json", false, "print one JSON object per run instead of a key=value line")
	trace := flags.Bool("trace", false, "print every event on stderr")
	corpus := flags.String("corpus", "corpus", "folder where each failing run's seed file is written")
	parallel := flags.Int("parallel", defaultParallel(), "number of seeds run at once, on as many cores (output stays in seed order)")
	shardText := flags.String("shard", "1/1", "run only part i of n of the seed range (i/n), e.g. for a CI matrix")
	coverage := flags.Bool("coverage", false, "print which faults hit transactions in which 2PC phase, over the runs")
	if err := flags.Parse(args); err != nil {
		return simFlags{}, err
	}
	given := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["seed"] && !given["seeds"] {
		*seeds = 1 // a seed named alone is one run: the reproduce case
	}
	if flags.NArg() > 0 {
		return simFlags{}, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	seed, err := sim.ParseSeed(*seedText)
	if err != nil {
		return simFlags{}, fmt.Errorf("--seed: %w", err)
	}
	if *seeds < 1 {
		return simFlags{}, fmt.Errorf("--seeds %d: want at least 1", *seeds)
	}
	faults, err := sim.ParseFaults(*faultsText)
	if err != nil {
		return simFlags{}, fmt.Errorf("--faults: %w", err)
	}
	if !slices.Contains(workloads.Names(), *workload) {
		return simFlags{}, fmt.Errorf("--workload: unknown workload %q (want one of: %s)", *workload, strings.Join(workloads.Names(), ", "))
	}
	if *parallel < 1 {
		return simFlags{}, fmt.Errorf("--parallel %d: want at least 1", *parallel)
	}
	part, err := parseShard(*shardText)
	if err != nil {
		return simFlags{}, fmt.Errorf("--shard: %w", err)
	}
	return simFlags{seed: seed, seeds: *seeds, faults: faults, workload: *workload, json: *jsonOutput, trace: *trace,
		corpus: *corpus, parallel: *parallel, shard: part, coverage: *coverage}, nil
}

// checkVerdict is one check's verdict in a run line.
type checkVerdict struct {
	Checker string `json:"checker"`
	Verdict string `json:"verdict"`
}

// runLine is the output contract of one run; --json prints the same fields.
type runLine struct {
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
}

func (l runLine) String() string {
	text := fmt.Sprintf("seed=%d scenario=%s verdict=%s events=%d virtual=%s fingerprint=%s faults=%s",
		l.Seed, l.Scenario, l.Verdict, l.Events, l.Virtual, l.Fingerprint, l.Faults)
	text += planFields(l.Sites, l.Topology)
	text += fmt.Sprintf(" committed=%d aborted=%d indeterminate=%d", l.Committed, l.Aborted, l.Indeterminate)
	unknown := false
	for _, check := range l.Checks {
		text += fmt.Sprintf(" %s=%s", check.Checker, check.Verdict)
		unknown = unknown || check.Verdict == string(checkers.VerdictUnknown)
	}
	if unknown {
		text += " unknown=not-a-failure"
	}
	if l.Failure != "" {
		text += fmt.Sprintf(" failure=%s reason=%q", l.Failure, l.Reason)
	}
	return text
}

// runOnce runs one seed of the chosen workload and returns its line, the
// failure detail (empty when none), and the workload's report.
func runOnce(options simFlags, seed uint64, trace io.Writer) (runLine, string, proven.Report) {
	report := proven.Run(proven.Scenario{Workload: workloads.Named(options.workload), Faults: options.faults.String(),
		Trace: trace, Coverage: options.coverage}, seed)
	return workloadLine(report), report.Detail, report
}

// workloadLine is the run line of a workload's run.
func workloadLine(report proven.Report) runLine {
	line := runLine{
		Seed: report.Seed, Scenario: report.Workload, Verdict: string(report.Verdict), Events: report.Events,
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

func runSim(args []string, stdout, stderr io.Writer, progress bool) int {
	options, err := parseSimFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "proven sim: %v\n", err)
		return 2
	}
	seeds := options.shard.seeds(options.seed, options.seeds)
	failed := 0
	coverage := newCoverageMatrix()
	encoder := json.NewEncoder(stdout)
	runSeeds(seeds, options.parallel, func(seed uint64) seedOutcome { return simulateSeed(options, seed) },
		func(index int, outcome seedOutcome) {
			if options.json {
				_ = encoder.Encode(outcome.line)
			} else {
				fmt.Fprintln(stdout, outcome.line)
			}
			_, _ = stderr.Write(outcome.stderr)
			if outcome.failed {
				failed++
			}
			coverage.add(outcome.coverage)
			if progress && len(seeds) > 1 {
				fmt.Fprintf(stderr, "\r%d/%d runs, %d failed", index+1, len(seeds), failed)
			}
		})
	if progress && len(seeds) > 1 {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "runs=%d ok=%d failed=%d\n", len(seeds), len(seeds)-failed, failed)
	if options.coverage {
		coverage.write(stdout, options.json)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// writeSeedFile writes a failing run's seed file into the corpus folder
// and prints the command that replays it; it reports whether it could.
func writeSeedFile(corpus string, report proven.Report, stderr io.Writer) bool {
	path := filepath.Join(corpus, seedfile.Name(report.Workload, report.Seed))
	if err := seedfile.Save(path, report.SeedFile("")); err != nil {
		fmt.Fprintf(stderr, "could not write the seed file: %v\n", err)
		return false
	}
	fmt.Fprintf(stderr, "seed file: %s\nreproduce: go run ./cmd/proven replay %s\n", path, path)
	return true
}
