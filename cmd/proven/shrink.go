package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// shrinkRunsDefault is the runs one shrink may spend unless --runs says.
const shrinkRunsDefault = 300

// runShrink is `proven shrink [--runs N] FILE`: it reduces the run of a
// failing seed file while the same failure persists (proven.ShrinkFile)
// and writes the result beside it (<name>.shrunk.json). Exit 0 when it
// wrote the file (even if nothing could be reduced), 1 when the file's
// run does not fail as recorded, 2 on a usage error or a bad file.
func runShrink(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("proven shrink", flag.ContinueOnError)
	flags.SetOutput(stderr)
	runsMax := flags.Int("runs", shrinkRunsDefault, "at most this many runs while shrinking")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() != 1 || *runsMax < 1 {
		fmt.Fprintln(stderr, "proven shrink: want one seed file and --runs at least 1 (proven shrink [--runs N] FILE)")
		return 2
	}
	path := flags.Arg(0)
	file, err := seedfile.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "proven shrink: %v\n", err)
		return 2
	}
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
	fmt.Fprintf(stdout, "shrunk in %d runs, %d reductions: %s\nreproduce: go run ./cmd/proven replay %s\n",
		shrunk.Runs, len(shrunk.Steps), target, target)
	return 0
}
