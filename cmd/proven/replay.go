package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// runReplay is `proven replay [--json] [--trace] FILE`: it re-runs the seed
// file's run with its recorded fault plan, prints its run line, and exits
// 0 when the run is reproduced (the expected outcome and, when recorded,
// the fingerprint), 1 when it differs, 2 on a usage error or a bad file.
func runReplay(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("proven replay", flag.ContinueOnError)
	flags.SetOutput(stderr)
	jsonOutput := flags.Bool("json", false, "print the run line as a JSON object")
	trace := flags.Bool("trace", false, "print every event on stderr")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() != 1 {
		fmt.Fprintln(stderr, "proven replay: want exactly one seed file (proven replay [--json] [--trace] FILE)")
		return 2
	}
	path := flags.Arg(0)
	file, err := seedfile.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "proven replay: %v\n", err)
		return 2
	}
	if *trace {
		file.Scenario.Trace = stderr
	}
	report, differences := proven.ReplayFile(file)
	printRunLine(stdout, workloadLine(report), *jsonOutput)
	if report.Verdict != sim.VerdictOK {
		fmt.Fprintf(stderr, "seed %d failed (%s): %s\n", report.Seed, report.Failure, report.Reason)
		if report.Detail != "" {
			fmt.Fprintln(stderr, report.Detail)
		}
	}
	if len(differences) > 0 {
		for _, difference := range differences {
			fmt.Fprintf(stderr, "replay: %s differs: %s\n", path, difference)
		}
		return 1
	}
	fmt.Fprintf(stdout, "reproduced: %s expects %s\n", path, file.Expect)
	return 0
}

func printRunLine(stdout io.Writer, line runLine, asJSON bool) {
	if asJSON {
		_ = json.NewEncoder(stdout).Encode(line)
		return
	}
	fmt.Fprintln(stdout, line)
}
