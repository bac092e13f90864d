package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/proven2pc/proven/seedfile"
)

// command is one subcommand: what its help prints, and how it runs.
type command struct {
	name string
	// synopsis is the usage line after "proven ".
	synopsis string
	// summary is one line for the top-level usage; about says more.
	summary, about string
	// example is a command line a user would type.
	example string
	// define declares the command's flags on a flag set (nil when it has
	// none); the command parses with the same definitions, so its help
	// shows the flags and defaults it reads.
	define func(flags *flag.FlagSet)
	// run runs the command, which it is given (to parse its flags and
	// report usage errors).
	run func(c command, args []string, env environment) int
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{simCommand, replayCommand, shrinkCommand, corpusCommand, historyCommand, checkCommand,
		divergeCommand, liveCommand}
}

// usage is the top-level usage: every command with its summary.
func usage() string {
	var text strings.Builder
	text.WriteString("usage: proven <command> [flags] [arguments]\n\ncommands:\n")
	for _, command := range commands() {
		fmt.Fprintf(&text, "  %-8s %s\n", command.name, command.summary)
	}
	text.WriteString("  version  print the version of this build\n")
	text.WriteString("  help     print a command's synopsis, flags and an example (proven help sim)\n")
	text.WriteString("\nflags may come before or after the arguments; install with\n" +
		"  go install github.com/proven2pc/proven/cmd/proven@latest\n")
	return text.String()
}

// help is the command's synopsis, description, flags and example.
func (c command) help() string {
	var text strings.Builder
	fmt.Fprintf(&text, "usage: proven %s\n\n%s\n", c.synopsis, c.about)
	if c.define != nil {
		flags := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.define(flags)
		text.WriteString("\nflags:\n")
		flags.VisitAll(func(f *flag.Flag) {
			name, meaning := flag.UnquoteUsage(f)
			fmt.Fprintf(&text, "  --%s", f.Name)
			if name != "" {
				fmt.Fprintf(&text, " %s", strings.ToUpper(name))
			}
			fmt.Fprintf(&text, "\n      %s", meaning)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(&text, " (default %s)", f.DefValue)
			}
			text.WriteString("\n")
		})
	}
	fmt.Fprintf(&text, "\nexample:\n  %s\n", c.example)
	return text.String()
}

// errHelpShown reports that -h printed the help: the command exits 0.
var errHelpShown = errors.New("help shown")

// parse parses the command's flags from args, which may come before,
// between and after the positional arguments ("--" ends the flags), and
// returns the positional arguments. -h prints the help on stdout and
// returns errHelpShown; any other error is a usage error to report.
func (c command) parse(flags *flag.FlagSet, args []string, env environment) ([]string, error) {
	flags.SetOutput(io.Discard)
	flags.Usage = func() {}
	var positional []string
	for {
		err := flags.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(env.stdout, c.help())
			return nil, errHelpShown
		}
		if err != nil {
			return nil, err
		}
		rest := flags.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage error naming the command and points at its
// help; it returns exit status 2 (0 when the error is that help was
// shown).
// loadSeedFile loads the one seed file a command takes, after the
// parse's error, the count of arguments and the command's own flag checks
// (checkFlags, when not nil). When it is not loaded (ok false), code is
// the command's exit status, its message written: 2 for bad usage or a
// bad seed file, 0 after -h.
func (c command) loadSeedFile(positional []string, parseErr error, checkFlags func() error, env environment) (path string, file seedfile.File, code int, ok bool) {
	err := parseErr
	if err == nil && len(positional) != 1 {
		err = fmt.Errorf("want exactly one seed file, got %d arguments", len(positional))
	}
	if err == nil && checkFlags != nil {
		err = checkFlags()
	}
	if err != nil {
		return "", seedfile.File{}, c.usageError(err, env), false
	}
	file, err = seedfile.Load(positional[0])
	if err != nil {
		fmt.Fprintf(env.stderr, "proven %s: %v\n", c.name, err)
		return "", seedfile.File{}, 2, false
	}
	return positional[0], file, 0, true
}

// atLeast checks the value of an integer flag against its minimum.
func atLeast(flagName string, value, minimum int) error {
	if value < minimum {
		return fmt.Errorf("%s %d: want at least %d", flagName, value, minimum)
	}
	return nil
}

func (c command) usageError(err error, env environment) int {
	if errors.Is(err, errHelpShown) {
		return 0
	}
	fmt.Fprintf(env.stderr, "proven %s: %v\n(proven %s -h shows the flags)\n", c.name, err, c.name)
	return 2
}
