package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/view"
	"github.com/proven2pc/proven/workloads"
)

var historyCommand = command{
	name:     "history",
	synopsis: "history [--seed N] [--workload W] [--faults MODE] [--format edn|jsonl|html] [--per-key] -o FILE",
	summary:  "write one run's history as EDN (Elle, Knossos), JSON lines or an HTML page",
	about: `Runs one seed of a workload and writes its history, with indeterminate
outcomes settled from the logs: EDN for Elle and Knossos (register
operations on several keys as Jepsen's independent [key value] tuples;
a failed operation carries its invoke's value; a cas completes with
[old new], and one whose comparison failed is a :fail with :error
:mismatch), JSON lines, or a self-contained HTML page (verdicts and
faults at the top; porcupine's linearizability view per key for
registers and queues; the anomaly's cycle for list-append). --per-key
writes one file per key into the folder -o names (for Knossos, which
checks one register per history). The run's line goes to stderr; exit
status 0 when the file was written, whatever the verdict, 1 when it
could not be, 2 on a usage error.`,
	example: "proven history --seed 7 --workload register --faults all --format html -o register-7.html",
	define:  func(flags *flag.FlagSet) { defineHistoryFlags(flags) },
	run:     runHistory,
}

// historyFormats lists what --format accepts.
var historyFormats = []string{"edn", "jsonl", "html"}

type historyFlagValues struct {
	seed, faults, workload, format, output *string
	perKey                                 *bool
}

func defineHistoryFlags(flags *flag.FlagSet) historyFlagValues {
	return historyFlagValues{
		seed: flags.String("seed", "1", "`seed` to run (decimal or 0x-hex)"),
		faults: flags.String("faults", seedfile.DefaultFaults,
			"fault `mode`: none, all, swarm, or a comma list of: "+strings.Join(sim.FamilyNames(), ",")),
		workload: flags.String("workload", workloads.DefaultWorkload, "`workload` to run: "+strings.Join(workloads.Names(), ", ")),
		format:   flags.String("format", "edn", "output `format`: "+strings.Join(historyFormats, ", ")),
		perKey:   flags.Bool("per-key", false, "edn or jsonl: one file per key (<key>.edn) in the folder -o names"),
		output:   flags.String("o", "", "`file` to write (required; - for standard output; a folder with --per-key)"),
	}
}

// historyFlags are the parsed flags of `proven history`.
type historyFlags struct {
	seed     uint64
	faults   sim.FaultMode
	workload string
	format   string
	perKey   bool
	output   string
}

func parseHistoryFlags(c command, args []string, env environment) (historyFlags, error) {
	flags := flag.NewFlagSet("proven history", flag.ContinueOnError)
	values := defineHistoryFlags(flags)
	positional, err := c.parse(flags, args, env)
	if err != nil {
		return historyFlags{}, err
	}
	if len(positional) > 0 {
		return historyFlags{}, fmt.Errorf("unexpected argument %q (history takes flags only)", positional[0])
	}
	options := historyFlags{workload: *values.workload, format: *values.format, perKey: *values.perKey, output: *values.output}
	if options.seed, err = sim.ParseSeed(*values.seed); err != nil {
		return historyFlags{}, fmt.Errorf("--seed: %w", err)
	}
	if options.faults, err = parseFaultsFlag(*values.faults); err != nil {
		return historyFlags{}, err
	}
	if err := checkWorkloadFlag(options.workload); err != nil {
		return historyFlags{}, err
	}
	switch {
	case !slices.Contains(historyFormats, options.format):
		return historyFlags{}, fmt.Errorf("--format: unknown format %q (want one of: %s)", options.format, strings.Join(historyFormats, ", "))
	case options.output == "":
		return historyFlags{}, errors.New("-o: an output file is required (- for standard output)")
	case options.perKey && options.format == "html":
		return historyFlags{}, errors.New("--per-key: the html page already shows each key on its own; use it with edn or jsonl")
	case options.perKey && options.output == "-":
		return historyFlags{}, errors.New("--per-key -o -: want a folder to write one file per key into")
	}
	return options, nil
}

// runHistory runs one seed and writes its history.
func runHistory(c command, args []string, env environment) int {
	options, err := parseHistoryFlags(c, args, env)
	if err != nil {
		return c.usageError(err, env)
	}
	report := workloads.Run(workloads.Options{Seed: options.seed, Workload: workloads.Named(options.workload), Faults: options.faults})
	fmt.Fprintf(env.stderr, "seed=%d workload=%s verdict=%s events=%d fingerprint=%s history=%d\n",
		options.seed, report.Workload, report.Verdict, report.Events, report.FingerprintHex(), len(report.History.Events))
	switch {
	case options.perKey:
		err = writePerKey(options, report.History, env.stderr)
	case options.output == "-":
		err = writeHistory(env.stdout, options.format, report)
	default:
		err = writeFile(options.output, func(w io.Writer) error { return writeHistory(w, options.format, report) })
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "proven history: %v\n", err)
		return 1
	}
	return 0
}

// writeHistory writes the report's history in the format.
func writeHistory(w io.Writer, format string, report workloads.Report) error {
	switch format {
	case "edn":
		return report.History.WriteEDN(w)
	case "jsonl":
		return report.History.WriteJSONLines(w)
	case "html":
		return view.WriteHistory(w, historyPage(report))
	}
	return fmt.Errorf("unknown format %q", format)
}

// writePerKey writes each key's operations to a file of its own in the
// output folder, named after the key (characters other than letters,
// digits, '.', '_' and '-' become '_'), and lists them on stderr.
// Operations without a key (transactions) are not written.
func writePerKey(options historyFlags, history checkers.History, stderr io.Writer) error {
	keys := history.Keys()
	if len(keys) == 0 {
		return errors.New("--per-key: the history has no keyed operations (transactions carry their keys inside)")
	}
	if err := os.MkdirAll(options.output, 0o755); err != nil {
		return err
	}
	written := map[string]string{}
	for _, key := range keys {
		name := fileNameOf(key) + "." + options.format
		if other, taken := written[name]; taken {
			return fmt.Errorf("--per-key: keys %q and %q would both be written to %s", other, key, name)
		}
		written[name] = key
		path := filepath.Join(options.output, name)
		write := func(w io.Writer) error { return history.OfKey(key).WriteJSONLines(w) }
		if options.format == "edn" {
			write = func(w io.Writer) error { return history.OfKey(key).WriteEDN(w) }
		}
		if err := writeFile(path, write); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "key %q: %s\n", key, path)
	}
	return nil
}

// fileNameOf turns a key into a file name.
func fileNameOf(key string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, key)
}
