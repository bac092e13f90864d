package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
)

var corpusCommand = command{
	name:     "corpus",
	synopsis: "corpus update [DIR]",
	summary:  "re-record the fingerprints of a folder of seed files",
	about: `Replays every seed file in DIR (default corpus) and, where the run has the
file's expected outcome but another fingerprint (or the file records
none), rewrites the file's fingerprint, printing each change. A file
whose outcome changed is not touched: an expected outcome is changed by
hand, with the fix or the bug that changes it. Exit status 0 when every
file now matches its run, 1 when an outcome differs, 2 on a usage error
or a bad file.`,
	example: "proven corpus update corpus",
	run:     runCorpus,
}

// runCorpus is `proven corpus update [DIR]`.
func runCorpus(c command, args []string, env environment) int {
	flags := flag.NewFlagSet("proven corpus", flag.ContinueOnError)
	positional, err := c.parse(flags, args, env)
	if err == nil && (len(positional) < 1 || positional[0] != "update" || len(positional) > 2) {
		err = fmt.Errorf("want proven %s, got %q", c.synopsis, strings.Join(positional, " "))
	}
	if err != nil {
		return c.usageError(err, env)
	}
	stdout, stderr := env.stdout, env.stderr
	directory := "corpus"
	if len(positional) == 2 {
		directory = positional[1]
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
		fmt.Fprintf(stderr, "%s: expect: want %s, got %s: not updated (change an expected outcome by hand, with the fix or bug that changes it)\nreproduce: %s\n",
			path, file.Expect, outcome, replayCommandLine(path))
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
