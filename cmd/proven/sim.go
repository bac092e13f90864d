package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/proven2pc/proven/internal/counter"
	"github.com/proven2pc/proven/sim"
)

// simFlags are the parsed flags of `proven sim`.
type simFlags struct {
	seed     uint64
	seeds    int
	faults   sim.FaultMode
	workload string
	json     bool
	trace    bool
}

var workloads = []string{counter.Name}

func parseSimFlags(args []string, stderr io.Writer) (simFlags, error) {
	flags := flag.NewFlagSet("proven sim", flag.ContinueOnError)
	flags.SetOutput(stderr)
	seedText := flags.String("seed", "1", "first seed (decimal or 0x-hex)")
	seeds := flags.Int("seeds", 1, "number of runs, with seeds counting up from --seed")
	faultsText := flags.String("faults", "swarm",
		"none, all, swarm, or a comma list of: "+strings.Join(sim.FamilyNames(), ","))
	workload := flags.String("workload", counter.Name, "scenario to run: "+strings.Join(workloads, ", "))
	jsonOutput := flags.Bool("json", false, "print one JSON object per run instead of a key=value line")
	trace := flags.Bool("trace", false, "print every event on stderr")
	if err := flags.Parse(args); err != nil {
		return simFlags{}, err
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
	if *workload != counter.Name {
		return simFlags{}, fmt.Errorf("--workload: unknown workload %q (want one of: %s)", *workload, strings.Join(workloads, ", "))
	}
	return simFlags{seed: seed, seeds: *seeds, faults: faults, workload: *workload, json: *jsonOutput, trace: *trace}, nil
}

// runLine is the output contract of one run; --json prints the same fields.
type runLine struct {
	Seed         uint64 `json:"seed"`
	Scenario     string `json:"scenario"`
	Verdict      string `json:"verdict"`
	Events       uint64 `json:"events"`
	Virtual      string `json:"virtual"`
	Fingerprint  string `json:"fingerprint"`
	Faults       string `json:"faults"`
	Acknowledged int    `json:"acknowledged"`
	Final        int64  `json:"final"`
	Failure      string `json:"failure,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

func (l runLine) String() string {
	text := fmt.Sprintf("seed=%d scenario=%s verdict=%s events=%d virtual=%s fingerprint=%s faults=%s acknowledged=%d final=%d",
		l.Seed, l.Scenario, l.Verdict, l.Events, l.Virtual, l.Fingerprint, l.Faults, l.Acknowledged, l.Final)
	if l.Failure != "" {
		text += fmt.Sprintf(" failure=%s reason=%q", l.Failure, l.Reason)
	}
	return text
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
	failed := 0
	encoder := json.NewEncoder(stdout)
	for i := range options.seeds {
		seed := options.seed + uint64(i)
		var trace io.Writer
		if options.trace {
			trace = stderr
		}
		report := counter.Run(counter.Options{Seed: seed, Faults: options.faults, Trace: trace})
		line := runLine{
			Seed: seed, Scenario: options.workload, Verdict: string(report.Verdict), Events: report.Events,
			Virtual: time.Duration(report.VirtualNanos).String(), Fingerprint: report.FingerprintHex(),
			Faults: report.Plan.String(), Acknowledged: report.Acknowledged, Final: report.Final,
			Failure: string(report.Failure), Reason: report.Reason,
		}
		if options.json {
			_ = encoder.Encode(line)
		} else {
			fmt.Fprintln(stdout, line)
		}
		if report.Verdict != sim.VerdictOK {
			failed++
			fmt.Fprintf(stderr, "seed %d failed (%s): %s\nreproduce: go run ./cmd/proven sim --seed %d --faults %s --workload %s\n",
				seed, report.Failure, report.Reason, seed, options.faults, options.workload)
			if report.Detail != "" {
				fmt.Fprintln(stderr, report.Detail)
			}
		}
		if progress && options.seeds > 1 {
			fmt.Fprintf(stderr, "\r%d/%d runs, %d failed", i+1, options.seeds, failed)
		}
	}
	if progress && options.seeds > 1 {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "runs=%d ok=%d failed=%d\n", options.seeds, options.seeds-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
