// Command proven runs deterministic simulations and reports their verdicts.
//
//	proven sim [--seed N] [--seeds K] [--faults MODE] [--workload W] [--json] [--trace] [--corpus DIR] [--report FILE] [--parallel N] [--shard I/N] [--coverage]
//	proven replay [--json] [--trace] FILE
//	proven shrink [--runs N] FILE
//	proven corpus update [DIR]
//	proven history [--seed N] [--workload W] [--faults MODE] [--format edn|jsonl|html] [--per-key] -o FILE
//	proven check --model list-append|register|cas-register|queue FILE
//	proven diverge [--against BUILD] [--context N] FILE
//	proven live [--workload W] [--duration D] [--clients N] [--dir DIR] [--json] [--history FILE]
//	proven version
//	proven help [COMMAND]
//
// Install it with go install github.com/proven2pc/proven/cmd/proven@latest.
// `proven help COMMAND` and `proven COMMAND -h` print a command's synopsis,
// flags and an example; flags may come before or after the positional
// arguments ("--" ends them).
//
// proven sim prints one line per run (key=value, or a JSON object with
// --json), in seed order, then a summary line (a JSON object too with
// --json); progress goes to stderr. Exit status: 0 when every run is ok,
// 1 when any fails, 2 on a usage error (the message names the bad value),
// 130 when interrupted (Ctrl-C: the summary of the runs finished so far
// is printed first). A failing workload run writes a seed file into
// --corpus (default corpus/) and prints the command that replays it,
// with the file's absolute path, so it works from any folder. replay
// re-runs a seed file imposing its recorded fault plan (the plan is not
// drawn again from the mode) and exits 0 when it reproduces the file's
// outcome and fingerprint, 1 when not, 2 on a bad file; shrink writes a
// smaller failing seed file beside the original; corpus update rewrites
// the recorded fingerprints of a seed file folder; history writes one
// run's history for Elle, Knossos, jq or a browser; check checks anyone's
// history.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"time"
)

// environment is what a command reaches outside its arguments; tests
// replace every part.
type environment struct {
	stdout, stderr io.Writer
	// terminal reports whether stderr is a terminal: progress is then
	// redrawn in place on one line.
	terminal bool
	// now reads the wall clock, for progress and its ETA only.
	now func() time.Time
	// interrupt starts catching Ctrl-C and returns a channel closed at
	// the first one (commands that can stop early call it).
	interrupt func() <-chan struct{}
}

// gcPercent is the garbage collector's target unless GOGC says otherwise:
// simulations allocate fast and keep little, and at Go's default (100) the
// collector's work takes much of the core a second worker would use
// (1000 seeds of the default campaign on two nearly idle cores: with
// --parallel 2, 62.4 s at 100 and 41.9 s at 400; with --parallel 1, 87.7 s
// and 76.0 s).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(runWith(os.Args[1:], environment{stdout: os.Stdout, stderr: os.Stderr, terminal: isTerminal(os.Stderr),
		now: time.Now, interrupt: catchInterrupt}))
}

// run is main without the process, with no Ctrl-C handling: it returns
// the exit status.
func run(args []string, stdout, stderr io.Writer, terminal bool) int {
	return runWith(args, environment{stdout: stdout, stderr: stderr, terminal: terminal, now: time.Now,
		interrupt: func() <-chan struct{} { return nil }})
}

// runWith dispatches to the command named by the first argument.
func runWith(args []string, env environment) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage())
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return runHelp(args[1:], env)
	case "version", "--version":
		fmt.Fprintln(env.stdout, version())
		return 0
	}
	for _, command := range commands() {
		if command.name == args[0] {
			return command.run(command, args[1:], env)
		}
	}
	fmt.Fprintf(env.stderr, "proven: unknown command %q\n%s", args[0], usage())
	return 2
}

// runHelp is `proven help [COMMAND]`.
func runHelp(args []string, env environment) int {
	if len(args) == 0 {
		fmt.Fprint(env.stdout, usage())
		return 0
	}
	for _, command := range commands() {
		if command.name == args[0] {
			fmt.Fprint(env.stdout, command.help())
			return 0
		}
	}
	fmt.Fprintf(env.stderr, "proven help: unknown command %q\n%s", args[0], usage())
	return 2
}

// version names the build: the module version (a tag when installed with
// go install ...@vX, "(devel)" when built from a checkout), the VCS
// revision when known, and the Go version.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "proven (unknown version)"
	}
	text := "proven " + info.Main.Version
	for _, setting := range info.Settings {
		if setting.Key == "vcs.revision" && len(setting.Value) >= 12 {
			text += " " + setting.Value[:12]
		}
		if setting.Key == "vcs.modified" && setting.Value == "true" {
			text += "+modified"
		}
	}
	return text + " " + info.GoVersion
}

// catchInterrupt catches the first Ctrl-C (os.Interrupt) and closes the
// channel it returns; a second Ctrl-C stops the process as usual.
func catchInterrupt() <-chan struct{} {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt)
	interrupted := make(chan struct{})
	go func() {
		<-signals
		signal.Stop(signals)
		close(interrupted)
	}()
	return interrupted
}

// isTerminal reports whether f is a character device (a terminal), without
// any dependency: progress is redrawn in place only on terminals.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
