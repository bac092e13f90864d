// Command proven runs deterministic simulations and reports their verdicts.
//
//	proven sim [--seed N] [--seeds K] [--faults MODE] [--workload W] [--json] [--trace] [--corpus DIR] [--parallel N] [--shard I/N]
//	proven replay [--json] [--trace] FILE
//	proven shrink [--runs N] FILE
//	proven corpus update [DIR]
//	proven history [--seed N] [--workload W] [--faults MODE] [--format edn|jsonl|html] -o FILE
//	proven check --model list-append|register|cas-register|queue FILE
//	proven diverge [--against BUILD] [--context N] FILE
//
// One line per run (key=value, or a JSON object with --json), then a summary
// line. Exit status: 0 when every run is ok, 1 when any fails, 2 on a usage
// error (the message names the bad value). A failing workload run writes a
// seed file into --corpus (default corpus/) and prints the replay command;
// replay exits 0 when it reproduces the file's run, 1 when not, 2 on a bad
// file; shrink writes a smaller failing seed file beside the original;
// corpus update rewrites the recorded fingerprints of a seed file folder.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: proven <command> [flags]

commands:
  sim     run seeded simulations and check them (proven sim --help)
  replay  re-run a seed file and check it reproduces (proven replay FILE)
  shrink  reduce a failing seed file while it fails the same way (proven shrink FILE)
  corpus  re-record the fingerprints of the corpus's seed files (proven corpus update [DIR])
  history write one run's history as EDN, JSON lines or HTML (proven history --help)
  check   check an EDN or JSON-lines history from anyone (proven check --model M FILE)
  diverge run a seed file twice, or here and with another build, and print where the runs part
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer, progress bool) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "sim":
		return runSim(args[1:], stdout, stderr, progress)
	case "replay":
		return runReplay(args[1:], stdout, stderr)
	case "shrink":
		return runShrink(args[1:], stdout, stderr)
	case "corpus":
		return runCorpus(args[1:], stdout, stderr)
	case "history":
		return runHistory(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "diverge":
		return runDiverge(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "proven: unknown command %q\n%s", args[0], usage)
	return 2
}

// isTerminal reports whether f is a character device (a terminal), without
// any dependency: progress output goes only to terminals.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
