package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/sim"
)

var replayCommand = command{
	name:     "replay",
	synopsis: "replay [--json] [--trace] FILE",
	summary:  "re-run a seed file and check it reproduces",
	about: `Re-runs the run a seed file describes, imposing the file's recorded fault
plan (the families and strengths the seed drew, or a shrinker left; the
plan is not drawn again from the mode), prints its run line and checks
it against the file: the expected outcome, and the fingerprint when one
is recorded. Exit status 0 when the run is reproduced, 1 when it differs
(each difference is printed), 2 on a usage error or a bad file.`,
	example: "proven replay corpus/bank-101.json",
	define:  func(flags *flag.FlagSet) { defineReplayFlags(flags) },
	run:     runReplay,
}

func defineReplayFlags(flags *flag.FlagSet) (asJSON, trace *bool) {
	return flags.Bool("json", false, "print the run line as a JSON object"),
		flags.Bool("trace", false, "print every event on stderr (one JSON object per event with --json)")
}

// runReplay is `proven replay`.
func runReplay(c command, args []string, env environment) int {
	flags := flag.NewFlagSet("proven replay", flag.ContinueOnError)
	asJSON, trace := defineReplayFlags(flags)
	positional, err := c.parse(flags, args, env)
	path, file, code, ok := c.loadSeedFile(positional, err, nil, env)
	if !ok {
		return code
	}
	if *trace {
		file.Scenario.Trace = env.stderr
		if *asJSON {
			file.Scenario.Trace = newJSONTrace(env.stderr, file.Seed)
		}
	}
	report, differences := proven.ReplayFile(file)
	line := workloadLine(report)
	if report.Verdict != sim.VerdictOK {
		line.Detail = report.Detail
	}
	printRunLine(env.stdout, line, *asJSON)
	if report.Verdict != sim.VerdictOK && !*asJSON {
		fmt.Fprintf(env.stderr, "seed %d failed (%s): %s\n", report.Seed, report.Failure, report.Reason)
		if report.Detail != "" {
			fmt.Fprintln(env.stderr, report.Detail)
		}
	}
	if *asJSON {
		verdict := replayLine{Kind: "replay", File: path, Expect: file.Expect.String(), Reproduced: len(differences) == 0}
		for _, difference := range differences {
			verdict.Differences = append(verdict.Differences, difference.String())
		}
		_ = json.NewEncoder(env.stdout).Encode(verdict)
	} else {
		for _, difference := range differences {
			fmt.Fprintf(env.stderr, "replay: %s differs: %s\n", path, difference)
		}
		if len(differences) == 0 {
			fmt.Fprintf(env.stdout, "reproduced: %s expects %s\n", path, file.Expect)
		}
	}
	if len(differences) > 0 {
		return 1
	}
	return 0
}

// replayLine is replay's verdict as a JSON object, after the run line.
type replayLine struct {
	Kind        string   `json:"kind"`
	File        string   `json:"file"`
	Expect      string   `json:"expect"`
	Reproduced  bool     `json:"reproduced"`
	Differences []string `json:"differences,omitempty"`
}

func printRunLine(stdout io.Writer, line runLine, asJSON bool) {
	if asJSON {
		encoder := json.NewEncoder(stdout)
		encoder.SetEscapeHTML(false)
		_ = encoder.Encode(line)
		return
	}
	fmt.Fprintln(stdout, line)
}
