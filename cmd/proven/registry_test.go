package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// countWorkload is registered in this test binary only: that the CLI
// runs it shows the CLI takes its workloads from the registry.
type countWorkload struct{}

func (countWorkload) Name() string { return "test-count" }

func (countWorkload) Build(b *workloads.Builder) {
	b.World(sim.Config{})
	b.Operation(func(c workloads.Client) { workloads.Invoke(c, "count", "", value.Null()).OK(value.Int(1)) })
	b.Check("counted", func(history checkers.History) (checkers.Result, error) {
		return checkers.Result{Verdict: checkers.VerdictOK}, nil
	})
}

func init() { workloads.Register(countWorkload{}) }

func TestTheCLIRunsEveryRegisteredWorkload(t *testing.T) {
	for _, name := range workloads.BuiltinNames() {
		if !slices.Contains(workloads.Names(), name) {
			t.Fatalf("the registry lacks the built-in %s", name)
		}
	}
	code, out, errOut := runCLI("sim", "--workload", "test-count", "--seeds", "2", "--faults", "none")
	if code != 0 || !strings.HasSuffix(out, "runs=2 ok=2 failed=0\n") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[:2] {
		if match := runLinePattern.FindStringSubmatch(line); match == nil || match[2] != "test-count" || !strings.HasSuffix(line, " counted=ok") {
			t.Fatalf("run line %q", line)
		}
	}
	code, _, errOut = runCLI("sim", "--workload", "nothing")
	if code != 2 || !strings.Contains(errOut, "test-count") {
		t.Fatalf("an unknown workload: exit %d, and the message does not list the registry: %s", code, errOut)
	}
}
