package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

var divergeCommand = command{
	name:     "diverge",
	synopsis: "diverge [--against BUILD] [--context N] FILE",
	summary:  "run a seed file twice, or here and with another build, and print where the runs part",
	about: `Runs a seed file twice (or here and with another proven binary, --against)
with a trace whose every line ends with the running fingerprint, and
prints the first event where the traces part, with the events before it;
events that read alike but differ in payload bytes or in an untraced call
are named as such. Exit status 0 when the runs agree event for event, 1
when they part, 2 on a usage error, a bad file or a build that cannot run
it.`,
	example: "proven diverge --against ./proven-old corpus/bank-2.json",
	define:  func(flags *flag.FlagSet) { defineDivergeFlags(flags) },
	run:     runDiverge,
}

func defineDivergeFlags(flags *flag.FlagSet) (against *string, context *int, traceOnly *bool) {
	return flags.String("against", "", "a second proven `binary` to run the file with (default: run it here twice)"),
		flags.Int("context", 10, "how many `events` before the first difference to print"),
		flags.Bool("trace-only", false, "print the file's fingerprinted trace on stdout and stop (what --against runs)")
}

// runDiverge is `proven diverge`.
func runDiverge(c command, args []string, env environment) int {
	flags := flag.NewFlagSet("proven diverge", flag.ContinueOnError)
	against, context, traceOnly := defineDivergeFlags(flags)
	positional, err := c.parse(flags, args, env)
	path, file, code, ok := c.loadSeedFile(positional, err, func() error { return atLeast("--context", *context, 0) }, env)
	if !ok {
		return code
	}
	stdout, stderr := env.stdout, env.stderr
	if *traceOnly {
		_, _ = stdout.Write(fingerprintedTrace(file))
		return 0
	}
	first, firstName := fingerprintedTrace(file), "first run"
	second, secondName := fingerprintedTrace(file), "second run"
	if *against != "" {
		firstName, secondName = "this build", *against
		if second, err = traceOf(*against, path); err != nil {
			fmt.Fprintf(stderr, "proven diverge: %v\n", err)
			return 2
		}
		if !hasFingerprints(second) {
			first = stripFingerprints(first) // an older build: compare the plain traces
		}
	}
	return reportDivergence(stdout, path, *context, traceLines(first), traceLines(second), firstName, secondName)
}

// fingerprintedTrace replays a seed file and returns its trace, each line
// ending with the running fingerprint.
func fingerprintedTrace(file seedfile.File) []byte {
	var trace bytes.Buffer
	file.Scenario.Trace = sim.FingerprintedTrace{Writer: &trace}
	proven.ReplayFile(file)
	return trace.Bytes()
}

// traceOf runs another build on the file: `BUILD diverge --trace-only
// FILE`, or for a build without it, `BUILD replay --trace FILE` (a plain
// trace, on stderr). A replay that does not reproduce the file exits 1
// and still traces the run.
func traceOf(build, path string) ([]byte, error) {
	var out, errOut bytes.Buffer
	command := exec.Command(build, "diverge", "--trace-only", path)
	command.Stdout, command.Stderr = &out, &errOut
	err := command.Run()
	if err == nil {
		return out.Bytes(), nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, fmt.Errorf("running %s: %v", build, err)
	}
	out.Reset()
	errOut.Reset()
	command = exec.Command(build, "replay", "--trace", path)
	command.Stdout, command.Stderr = &out, &errOut
	if err := command.Run(); err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		return nil, fmt.Errorf("%s replay --trace %s: %v: %s", build, path, err, strings.TrimSpace(errOut.String()))
	}
	return traceLinesOnly(errOut.Bytes()), nil
}

// traceLinesOnly keeps the trace lines of a replay's stderr (they start
// with the virtual time), dropping what replay says of the run.
func traceLinesOnly(text []byte) []byte {
	var kept bytes.Buffer
	scanner := bufio.NewScanner(bytes.NewReader(text))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if fields := strings.Fields(line); len(fields) > 0 {
			if _, err := time.ParseDuration(fields[0]); err == nil {
				kept.WriteString(line + "\n")
			}
		}
	}
	return kept.Bytes()
}

// fingerprintSuffixLen is the length of " #" and 16 hexadecimal digits.
const fingerprintSuffixLen = 18

func hasFingerprints(trace []byte) bool {
	line, _, _ := bytes.Cut(trace, []byte("\n"))
	return len(line) > fingerprintSuffixLen && bytes.HasPrefix(line[len(line)-fingerprintSuffixLen:], []byte(" #"))
}

func stripFingerprints(trace []byte) []byte {
	var stripped bytes.Buffer
	for _, line := range traceLines(trace) {
		stripped.WriteString(withoutFingerprint(line) + "\n")
	}
	return stripped.Bytes()
}

func withoutFingerprint(line string) string {
	if len(line) > fingerprintSuffixLen && line[len(line)-fingerprintSuffixLen:len(line)-16] == " #" {
		return line[:len(line)-fingerprintSuffixLen]
	}
	return line
}

func traceLines(trace []byte) []string {
	text := strings.TrimSuffix(string(trace), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// reportDivergence prints where two traces part (the events before it,
// then each side's event), or that they agree, and returns the exit
// status.
func reportDivergence(w io.Writer, path string, context int, first, second []string, firstName, secondName string) int {
	index := 0
	for index < len(first) && index < len(second) && first[index] == second[index] {
		index++
	}
	if index == len(first) && index == len(second) {
		fmt.Fprintf(w, "diverge: %s: the runs agree on all %d traced events\n", path, len(first))
		return 0
	}
	fmt.Fprintf(w, "diverge: %s: the runs part at traced event %d (of %d and %d)\n", path, index+1, len(first), len(second))
	for _, line := range first[max(0, index-context):index] {
		fmt.Fprintf(w, "  %s\n", withoutFingerprint(line))
	}
	side := func(name string, lines []string) {
		if index < len(lines) {
			fmt.Fprintf(w, "%s: %s\n", name, lines[index])
		} else {
			fmt.Fprintf(w, "%s: (the run ended)\n", name)
		}
	}
	side(firstName, first)
	side(secondName, second)
	if index < len(first) && index < len(second) && withoutFingerprint(first[index]) == withoutFingerprint(second[index]) {
		fmt.Fprintln(w, "the events read alike: the runs part in this event's payload bytes, or in an untraced event (a scheduled call) since the line before")
	}
	return 1
}
