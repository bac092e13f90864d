package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
)

// corpusUsage is the synopsis of `proven corpus`.
const corpusUsage = "proven corpus update [DIR]"

// runCorpus is `proven corpus update [DIR]` (DIR defaults to corpus): it
// replays every seed file in DIR and, where the run has the file's
// expected outcome but another fingerprint (or the file records none),
// rewrites the file's fingerprint, printing each change. A file whose
// outcome changed is not touched: an outcome is changed by hand, with the
// fix or the bug that changes it. Exit 0 when every file now matches its
// run, 1 when an outcome differs, 2 on a usage error or a bad file.
func runCorpus(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("proven corpus", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprintf(stderr, "usage: %s\n", corpusUsage) }
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() < 1 || flags.Arg(0) != "update" || flags.NArg() > 2 {
		fmt.Fprintf(stderr, "proven corpus: want %s\n", corpusUsage)
		return 2
	}
	directory := "corpus"
	if flags.NArg() == 2 {
		directory = flags.Arg(1)
	}
	paths, err := filepath.Glob(filepath.Join(directory, "*.json"))
	if err != nil || len(paths) == 0 {
		fmt.Fprintf(stderr, "proven corpus update: no seed files (*.json) in %s\n", directory)
		return 2
	}
	var tally corpusTally
	for _, path := range paths {
		tally.add(updateSeedFile(path, stdout, stderr))
	}
	fmt.Fprintf(stdout, "files=%d updated=%d unchanged=%d differing=%d bad=%d\n",
		len(paths), tally[seedUpdated], tally[seedUnchanged], tally[seedDiffering], tally[seedBad])
	switch {
	case tally[seedBad] > 0:
		return 2
	case tally[seedDiffering] > 0:
		return 1
	}
	return 0
}

// updateResult is what `proven corpus update` did with one seed file.
type updateResult int

const (
	seedUnchanged updateResult = iota // the run matches the file
	seedUpdated                       // the fingerprint was rewritten
	seedDiffering                     // the outcome differs: not touched
	seedBad                           // the file does not load or save
	updateResultCount
)

type corpusTally [updateResultCount]int

func (t *corpusTally) add(result updateResult) { t[result]++ }

// updateSeedFile replays one seed file and rewrites its fingerprint when
// only the fingerprint differs.
func updateSeedFile(path string, stdout, stderr io.Writer) updateResult {
	file, err := seedfile.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "proven corpus update: %v\n", err)
		return seedBad
	}
	report, _ := proven.ReplayFile(file)
	if outcome := report.Outcome(); outcome != file.Expect {
		fmt.Fprintf(stderr, "%s: expect: want %s, got %s: not updated (change an expected outcome by hand, with the fix or bug that changes it)\nreproduce: go run ./cmd/proven replay %s\n",
			path, file.Expect, outcome, path)
		return seedDiffering
	}
	fingerprint := report.FingerprintHex()
	if fingerprint == file.Fingerprint {
		return seedUnchanged
	}
	previous := file.Fingerprint
	file.Fingerprint = fingerprint
	if err := seedfile.Save(path, file); err != nil {
		fmt.Fprintf(stderr, "proven corpus update: %v\n", err)
		return seedBad
	}
	if previous == "" {
		fmt.Fprintf(stdout, "%s: fingerprint recorded: %s\n", path, fingerprint)
	} else {
		fmt.Fprintf(stdout, "%s: fingerprint %s -> %s\n", path, previous, fingerprint)
	}
	return seedUpdated
}
