package main

// proven history --seed N --workload W [--faults MODE] --format edn|jsonl|html -o FILE
//
// runs one seed of a workload and writes its (settled) history: EDN for
// Elle and Knossos, JSON lines, or porcupine's HTML timeline annotated
// with the fault events and the check verdicts.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// historyFormats lists what --format accepts.
var historyFormats = []string{"edn", "jsonl", "html"}

// historyFlags are the parsed flags of `proven history`.
type historyFlags struct {
	seed     uint64
	faults   sim.FaultMode
	workload string
	format   string
	output   string
}

func parseHistoryFlags(args []string, stderr io.Writer) (historyFlags, error) {
	flags := flag.NewFlagSet("proven history", flag.ContinueOnError)
	flags.SetOutput(stderr)
	seedText := flags.String("seed", "1", "seed to run (decimal or 0x-hex)")
	faultsText := flags.String("faults", "swarm",
		"none, all, swarm, or a comma list of: "+strings.Join(sim.FamilyNames(), ","))
	workload := flags.String("workload", workloads.DefaultWorkload, "workload to run: "+strings.Join(workloads.Names(), ", "))
	format := flags.String("format", "edn", "output format: "+strings.Join(historyFormats, ", "))
	output := flags.String("o", "", "file to write (required; - for standard output)")
	if err := flags.Parse(args); err != nil {
		return historyFlags{}, err
	}
	if flags.NArg() > 0 {
		return historyFlags{}, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	seed, err := sim.ParseSeed(*seedText)
	if err != nil {
		return historyFlags{}, fmt.Errorf("--seed: %w", err)
	}
	faults, err := sim.ParseFaults(*faultsText)
	if err != nil {
		return historyFlags{}, fmt.Errorf("--faults: %w", err)
	}
	if !slices.Contains(workloads.Names(), *workload) {
		return historyFlags{}, fmt.Errorf("--workload: unknown workload %q (want one of: %s)", *workload, strings.Join(workloads.Names(), ", "))
	}
	if !slices.Contains(historyFormats, *format) {
		return historyFlags{}, fmt.Errorf("--format: unknown format %q (want one of: %s)", *format, strings.Join(historyFormats, ", "))
	}
	if *output == "" {
		return historyFlags{}, errors.New("-o: an output file is required (- for standard output)")
	}
	return historyFlags{seed: seed, faults: faults, workload: *workload, format: *format, output: *output}, nil
}

// runHistory runs one seed and writes its history. The run's line goes to
// stderr; the exit status is 0 when the file was written, whatever the
// verdict (a failing run's history is the interesting one), 1 when it
// could not be written, 2 on a usage error.
func runHistory(args []string, stdout, stderr io.Writer) int {
	options, err := parseHistoryFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "proven history: %v\n", err)
		return 2
	}
	report := workloads.Run(workloads.Options{Seed: options.seed, Workload: workloads.Named(options.workload), Faults: options.faults})
	fmt.Fprintf(stderr, "seed=%d workload=%s verdict=%s events=%d fingerprint=%s history=%d\n",
		options.seed, report.Workload, report.Verdict, report.Events, report.FingerprintHex(), len(report.History.Events))
	if err := writeHistoryTo(options, report, stdout); err != nil {
		fmt.Fprintf(stderr, "proven history: %v\n", err)
		return 1
	}
	return 0
}

func writeHistoryTo(options historyFlags, report workloads.Report, stdout io.Writer) error {
	if options.output == "-" {
		return writeHistory(stdout, options.format, report)
	}
	file, err := os.Create(options.output)
	if err != nil {
		return err
	}
	if err := writeHistory(file, options.format, report); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", options.output, err)
	}
	return file.Close()
}

// writeHistory writes the report's history in the format: EDN and JSON
// lines through the checkers package's writers, html through porcupine's
// visualization.
func writeHistory(w io.Writer, format string, report workloads.Report) error {
	switch format {
	case "edn":
		return report.History.WriteEDN(w)
	case "jsonl":
		return report.History.WriteJSONLines(w)
	case "html":
		return writeHistoryHTML(w, report)
	}
	return fmt.Errorf("unknown format %q", format)
}

// writeHistoryHTML draws porcupine's visualization: one partition per key
// (transactions, which have no key, share one), each operation a bar on its
// process's row, with the fault events and the check verdicts as
// annotations. The display model accepts every order: the bars show the
// timeline, and the verdicts come from the checks, not from this drawing.
func writeHistoryHTML(w io.Writer, report workloads.Report) error {
	operations := porcupineOperations(report.History)
	model := timelineModel()
	_, info := porcupine.CheckOperationsVerbose(model, operations, 0)
	info.AddAnnotations(historyAnnotations(report, operations))
	return porcupine.Visualize(model, info, w)
}

// displayedOperation is what a bar shows.
type displayedOperation struct {
	operation checkers.Operation
}

func porcupineOperations(history checkers.History) []porcupine.Operation {
	var endNanos int64
	if len(history.Events) > 0 {
		endNanos = history.Events[len(history.Events)-1].TimeNanos + 1
	}
	var operations []porcupine.Operation
	for _, operation := range history.Operations() {
		returnNanos := operation.CompleteTimeNanos
		if operation.CompletionIndex < 0 || operation.Type == checkers.TypeInfo {
			returnNanos = endNanos
		}
		operations = append(operations, porcupine.Operation{ClientId: operation.Process,
			Input: displayedOperation{operation: operation}, Output: displayedOperation{operation: operation},
			Call: operation.InvokeTimeNanos, Return: returnNanos})
	}
	return operations
}

// timelineModel partitions by key in sorted key order and accepts every
// step; it only describes operations.
func timelineModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			for _, operation := range history {
				key := operation.Input.(displayedOperation).operation.Key
				byKey[key] = append(byKey[key], operation)
			}
			var partitions [][]porcupine.Operation
			for _, key := range slices.Sorted(maps.Keys(byKey)) {
				partitions = append(partitions, byKey[key])
			}
			return partitions
		},
		Init:  func() any { return "" },
		Step:  func(state, input, output any) (bool, any) { return true, state },
		Equal: func(a, b any) bool { return true },
		DescribeOperation: func(input, output any) string {
			return describeDisplayed(input.(displayedOperation).operation)
		},
		DescribeState: func(state any) string { return "(timeline only: see the check verdicts)" },
	}
}

func describeDisplayed(operation checkers.Operation) string {
	text := fmt.Sprintf("#%d %s", operation.InvokeIndex, operation.Function)
	if operation.Key != "" {
		text += " " + operation.Key
	}
	text += fmt.Sprintf(" %v -> %s", operation.Input, operation.Type)
	if operation.Type != checkers.TypeFail {
		text += fmt.Sprintf(" %v", operation.Output)
	}
	return text
}

// historyAnnotations marks each fault event on a "faults" row and the
// check verdicts on a "checks" row at the end of the history.
func historyAnnotations(report workloads.Report, operations []porcupine.Operation) []porcupine.Annotation {
	var annotations []porcupine.Annotation
	for _, fault := range report.Faults {
		description := fault.Text
		if fault.Node != 0 {
			description = fmt.Sprintf("n%d %s", fault.Node, fault.Text)
		}
		annotations = append(annotations, porcupine.Annotation{Tag: "faults", Start: fault.AtNanos,
			Description: description, Details: fmt.Sprintf("fault at %dns: %s", fault.AtNanos, description),
			BackgroundColor: "#f9d6d5"})
	}
	var endNanos int64
	for _, operation := range operations {
		endNanos = max(endNanos, operation.Return)
	}
	for _, result := range report.Checks {
		annotations = append(annotations, porcupine.Annotation{Tag: "checks", Start: endNanos,
			Description: fmt.Sprintf("%s: %s", result.Checker, result.Verdict), Details: result.Explanation})
	}
	return annotations
}
