// Command detlint runs the determinism lint over packages of the module:
//
//	go run ./internal/detlint/cmd/detlint ./...
//
// run from the module root. It prints one file:line:col: message line per
// breach of the determinism contract on stdout, and exits 1 if there is any,
// 0 if there is none, and 2 if the packages fail to load or the arguments
// are wrong (the reason goes to stderr).
//
// Note that go run itself turns any non-zero exit status into 1; a caller
// that must tell breaches (1) from load errors (2) builds the binary first
// (go build -o detlint ./internal/detlint/cmd/detlint) and runs that.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/proven2pc/proven/internal/detlint"
)

// Exit codes.
const (
	exitClean      = 0
	exitBreaches   = 1
	exitLoadFailed = 2
)

func main() {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "detlint:", err)
		os.Exit(exitLoadFailed)
	}
	os.Exit(run(dir, os.Args[1:], os.Stdout, os.Stderr))
}

// run lints the packages named by arguments (default ./...) relative to dir
// and returns the exit code.
func run(dir string, arguments []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("detlint", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: detlint [packages] (default ./...)")
		fmt.Fprintln(stderr, "exit status: 0 clean, 1 breaches found, 2 load or usage error")
	}
	if err := flags.Parse(arguments); err != nil {
		return exitLoadFailed
	}
	diagnostics, err := detlint.CheckModule(dir, flags.Args()...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitLoadFailed
	}
	for _, diagnostic := range diagnostics {
		fmt.Fprintln(stdout, diagnostic.RelativeTo(dir))
	}
	if len(diagnostics) > 0 {
		return exitBreaches
	}
	return exitClean
}
