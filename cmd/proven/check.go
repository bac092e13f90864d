package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/proven2pc/proven/checkers"
)

var checkCommand = command{
	name: "check",
	synopsis: "check --model list-append|register|cas-register|queue [--format auto|edn|jsonl]\n" +
		"             [--consistency strict-serializable|serializable] [--nil-read unknown|value] FILE",
	summary: "check an EDN or JSON-lines history from anyone (Jepsen, Elle, Knossos, proven history)",
	about: `Checks a history that anyone wrote (Jepsen's history.edn, Elle's and
Knossos's test data, JSON lines, proven history), with no JVM: prints the
verdicts, the anomalies and the operations involved. FILE - reads
standard input. Exit status 0 when the history is valid, 1 when it is
not (or the search ran out of budget), 2 on bad input (naming the line
and column) or a usage error.`,
	example: "proven check --model list-append history.edn",
	define:  func(flags *flag.FlagSet) { defineCheckFlags(flags, &checkFlags{}) },
	run:     runCheck,
}

// checkModels lists what --model accepts, and the functions each allows.
var checkModels = map[string][]string{
	"list-append":  {checkers.FunctionTxn, checkers.FunctionReadOnlyTxn},
	"register":     {checkers.FunctionRead, checkers.FunctionWrite, checkers.FunctionTxn, checkers.FunctionReadOnlyTxn},
	"cas-register": {checkers.FunctionRead, checkers.FunctionWrite, checkers.FunctionCAS, checkers.FunctionTxn, checkers.FunctionReadOnlyTxn},
	"queue":        {checkers.FunctionEnqueue, checkers.FunctionDequeue},
}

// transactionFunctions are the multi-key transactions a register history
// may hold beside its single-key operations (Proven's register workload
// has them): the register models leave them out, as the workload's own
// linearizability check does (its commit-order check judges them).
var transactionFunctions = []string{checkers.FunctionTxn, checkers.FunctionReadOnlyTxn}

// checkFlags are the parsed flags of `proven check`.
type checkFlags struct {
	model, format, consistency, nilRead, path string
}

func defineCheckFlags(flags *flag.FlagSet, options *checkFlags) {
	flags.StringVar(&options.model, "model", "", "`model`: list-append, register, cas-register or queue (required)")
	flags.StringVar(&options.format, "format", "auto", "`format`: auto (by the first characters), edn or jsonl")
	flags.StringVar(&options.consistency, "consistency", "strict-serializable",
		"list-append: the `verdict` that sets the exit status, strict-serializable or serializable")
	flags.StringVar(&options.nilRead, "nil-read", "unknown",
		"registers: a read of nil is unknown (as Knossos reads it) or the value read (value)")
}

func parseCheckFlags(c command, args []string, env environment) (checkFlags, error) {
	flags := flag.NewFlagSet("proven check", flag.ContinueOnError)
	var options checkFlags
	defineCheckFlags(flags, &options)
	positional, err := c.parse(flags, args, env)
	if err != nil {
		return checkFlags{}, err
	}
	if len(positional) != 1 {
		return checkFlags{}, errors.New("want exactly one history file (- for standard input)")
	}
	options.path = positional[0]
	if options.model == "" {
		return checkFlags{}, errors.New("--model is required: list-append, register, cas-register or queue")
	}
	for _, choice := range []struct {
		flag, value string
		allowed     []string
	}{
		{"--model", options.model, slices.Sorted(maps.Keys(checkModels))},
		{"--format", options.format, []string{"auto", "edn", "jsonl"}},
		{"--consistency", options.consistency, []string{"strict-serializable", "serializable"}},
		{"--nil-read", options.nilRead, []string{"unknown", "value"}},
	} {
		if !slices.Contains(choice.allowed, choice.value) {
			return checkFlags{}, fmt.Errorf("%s: %q is not one of: %s", choice.flag, choice.value, strings.Join(choice.allowed, ", "))
		}
	}
	return options, nil
}

// runCheck is `proven check`: it returns the exit status.
func runCheck(c command, args []string, env environment) int {
	options, err := parseCheckFlags(c, args, env)
	if err != nil {
		return c.usageError(err, env)
	}
	stdout, stderr := env.stdout, env.stderr
	history, err := readCheckedHistory(options)
	if err == nil {
		err = allowedFunctions(history, checkModels[options.model])
	}
	var results []checkers.Result
	decisive := 0
	if err == nil {
		results, decisive, err = checkHistory(history, options)
	}
	if err != nil {
		fmt.Fprintf(stderr, "proven check: %s: %v\n", options.path, history.Locate(err))
		return 2
	}
	printCheck(stdout, options, history, results)
	if results[decisive].Verdict != checkers.VerdictOK {
		return 1
	}
	return 0
}

func readCheckedHistory(options checkFlags) (checkers.History, error) {
	var input io.Reader = os.Stdin
	if options.path != "-" {
		file, err := os.Open(options.path)
		if err != nil {
			return checkers.History{}, err
		}
		defer file.Close()
		input = file
	}
	switch options.format {
	case "edn":
		return checkers.ReadEDN(input)
	case "jsonl":
		return checkers.ReadJSONLines(input)
	}
	return checkers.ReadHistory(input)
}

// allowedFunctions refuses an operation the model does not know, naming
// it (Locate places the error).
func allowedFunctions(history checkers.History, allowed []string) error {
	for _, event := range history.Events {
		if !slices.Contains(allowed, event.Function) {
			line, column, _ := history.Position(event.Index)
			return &checkers.InputError{Line: line, Column: column,
				Err: fmt.Errorf("operation %q is not one of the model's: %s", event.Function, strings.Join(allowed, ", "))}
		}
	}
	return nil
}

// checkHistory runs the model's checker; decisive indexes the result that
// sets the exit status.
func checkHistory(history checkers.History, options checkFlags) (results []checkers.Result, decisive int, err error) {
	if options.model == "list-append" {
		result, err := checkers.CheckListAppend(history, checkers.ListAppendConfig{})
		if err != nil {
			return nil, 0, err
		}
		if options.consistency == "serializable" {
			decisive = 0
		} else {
			decisive = 1
		}
		results = []checkers.Result{result.Serializable, result.StrictSerializable}
		if hasFunction(history, checkers.FunctionReadOnlyTxn) {
			// Read-only transactions get no real-time edges (a snapshot from a
			// lagging clock rightly misses what committed just before it):
			// they are judged with the read-write ones for serializability.
			snapshots, err := checkers.CheckListAppendSnapshots(history)
			if err != nil {
				return nil, 0, err
			}
			results = append(results, snapshots)
			if snapshots.Verdict != checkers.VerdictOK && results[decisive].Verdict == checkers.VerdictOK {
				decisive = len(results) - 1
			}
		}
		return results, decisive, nil
	}
	config := checkers.LinearizableConfig{Model: checkers.ModelQueue}
	if options.model != "queue" {
		config = checkers.LinearizableConfig{Model: checkers.ModelRegister, NullReadsUnknown: options.nilRead == "unknown",
			Skip: transactionFunctions}
	}
	result, err := checkers.CheckLinearizable(history, config)
	return []checkers.Result{result}, 0, err
}

// printCheck prints each verdict with its findings, then every operation
// they involve.
func printCheck(stdout io.Writer, options checkFlags, history checkers.History, results []checkers.Result) {
	operations := history.Operations()
	fmt.Fprintf(stdout, "%s: %d events, %d operations, model %s\n", options.path, len(history.Events), len(operations), options.model)
	var involved []int
	for _, result := range results {
		fmt.Fprintf(stdout, "%s: %s", result.Checker, result.Verdict)
		if len(result.Anomalies) > 0 {
			fmt.Fprintf(stdout, " (%s)", strings.Join(result.Anomalies, ", "))
		}
		fmt.Fprintln(stdout)
		for line := range strings.SplitSeq(result.Explanation, "\n") {
			if line != "" {
				fmt.Fprintf(stdout, "  %s\n", line)
			}
		}
		involved = append(involved, result.Operations...)
	}
	slices.Sort(involved)
	involved = slices.Compact(involved)
	if len(involved) > 0 {
		fmt.Fprintln(stdout, "operations involved:")
	}
	for _, operation := range operations {
		if _, found := slices.BinarySearch(involved, operation.InvokeIndex); found {
			fmt.Fprintf(stdout, "  %s\n", describeChecked(history, operation))
		}
	}
}

// describeChecked prints one operation: where it starts in the file, its
// process, function and key, its invoke value and how it completed.
func describeChecked(history checkers.History, operation checkers.Operation) string {
	text := fmt.Sprintf("op %d", operation.InvokeIndex)
	if line, column, ok := history.Position(operation.InvokeIndex); ok {
		text += fmt.Sprintf(" (line %d, column %d)", line, column)
	}
	text += fmt.Sprintf(": process %d %s", operation.Process, operation.Function)
	if operation.Key != "" {
		text += " " + operation.Key
	}
	text += fmt.Sprintf(" %v -> %s", operation.Input, operation.Type)
	if operation.CompletionIndex >= 0 && operation.Type != checkers.TypeFail {
		text += fmt.Sprintf(" %v", operation.Output)
	}
	return text
}

// hasFunction reports whether some event of the history is of function.
func hasFunction(history checkers.History, function string) bool {
	return slices.ContainsFunc(history.Events, func(event checkers.Event) bool { return event.Function == function })
}
