package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// shrinkRunsDefault is the runs one shrink may spend unless --runs says.
const shrinkRunsDefault = 300

var shrinkCommand = command{
	name:     "shrink",
	synopsis: "shrink [--runs N] FILE",
	summary:  "reduce a failing seed file while it fails the same way",
	about: `Reduces the run of a failing seed file while the same failure persists
(the same failure kind, check and anomaly): fault families off one at a
time, then fewer clients, operations and a shorter fault phase, until
nothing more can go or --runs runs are spent. Writes the result beside
the file (<name>.shrunk.json) and prints each reduction. Exit status 0
when it wrote the file (even if nothing could be reduced), 1 when the
file's run does not fail as recorded, 2 on a usage error or a bad file.`,
	example: "proven shrink corpus/bank-101.json --runs 100",
	define:  func(flags *flag.FlagSet) { defineShrinkFlags(flags) },
	run:     runShrink,
}

func defineShrinkFlags(flags *flag.FlagSet) *int {
	return flags.Int("runs", shrinkRunsDefault, "at most `N` runs while shrinking")
}

// runShrink is `proven shrink`.
func runShrink(c command, args []string, env environment) int {
	flags := flag.NewFlagSet("proven shrink", flag.ContinueOnError)
	runsMax := defineShrinkFlags(flags)
	positional, err := c.parse(flags, args, env)
	path, file, code, ok := c.loadSeedFile(positional, err, func() error { return atLeast("--runs", *runsMax, 1) }, env)
	if !ok {
		return code
	}
	stdout, stderr := env.stdout, env.stderr
	if file.Expect.Verdict != sim.VerdictFail {
		fmt.Fprintf(stderr, "proven shrink: %s expects ok: there is no failure to shrink\n", path)
		return 2
	}
	file.Description = proven.ShrunkDescription(path, file.Description)
	shrunk, err := proven.ShrinkFile(file, *runsMax)
	if err != nil {
		fmt.Fprintf(stderr, "proven shrink: %s: %v\n", path, err)
		return 1
	}
	target := seedfile.ShrunkName(path)
	if err := seedfile.Save(target, shrunk.File); err != nil {
		fmt.Fprintf(stderr, "proven shrink: %v\n", err)
		return 2
	}
	for _, step := range shrunk.Steps {
		fmt.Fprintf(stdout, "reduced %s\n", step)
	}
	fmt.Fprintf(stdout, "shrunk in %d runs, %d reductions: %s\nreproduce: %s\n",
		shrunk.Runs, len(shrunk.Steps), target, replayCommandLine(target))
	return 0
}

// replayCommandLine is the command that replays a seed file from any
// folder: the installed proven command and the file's absolute path.
func replayCommandLine(path string) string {
	if absolute, err := filepath.Abs(path); err == nil {
		path = absolute
	}
	return "proven replay " + shellQuote(path)
}
