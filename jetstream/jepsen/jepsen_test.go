package jepsen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/jetstream/natscluster"
	"github.com/proven2pc/proven/jetstream/nodecli"
)

// roleEnvironment marks a re-executed test binary: "node" runs
// proven-node, "nats" runs one NATS server of the cluster.
const roleEnvironment = "PROVEN_JEPSEN_ROLE"

var (
	duration = flag.Duration("jepsen.duration", time.Minute, "how long the workloads run under the nemesis")
	verbose  = flag.Bool("jepsen.verbose", false, "narrate the faults and show the nodes' logs")
	viewDir  = flag.String("jepsen.view", "", "write the histories' HTML views (bank.html, list-append.html, register.html) here")
)

// TestMain runs proven-node or a NATS server when the test binary is
// re-executed as one, and the tests otherwise.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnvironment); role != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		var err error
		if role == "nats" {
			err = natscluster.Serve(ctx, os.Args[1:])
		} else {
			err = nodecli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		}
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			if errors.Is(err, nodecli.ErrUsage) {
				os.Exit(2)
			}
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// reexecute returns a Command that re-executes the test binary in role.
func reexecute(role string) func(args []string) *exec.Cmd {
	return func(args []string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), roleEnvironment+"="+role)
		cmd.Stderr = os.Stderr
		return cmd
	}
}

// TestWorkloadsUnderFaults: two node processes on three NATS server
// processes run the bank, list-append and register workloads for a
// minute while the nemesis SIGKILLs stream leaders (aimed at prepare,
// commit and termination), SIGKILLs nodes and pauses them; every checker
// passes (the register history linearizable per key, over hundreds of ok
// reads and writes), a leader kill hit each phase of two-phase commit
// (judged from the logs), transactions committed, and each kind of fault
// happened.
func TestWorkloadsUnderFaults(t *testing.T) {
	cluster, err := natscluster.Start(natscluster.Config{Dir: t.TempDir(), Command: reexecute("nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	config := Config{Duration: *duration, Seed: 1, Command: reexecute("node")}
	if *verbose {
		config.NodeLog, config.Logf = os.Stderr, t.Logf
	}
	report, err := Run(context.Background(), cluster, config)
	if err != nil {
		t.Fatal(err)
	}
	for _, failed := range report.Failed() {
		t.Errorf("%s: %s\n%s", failed.Checker, failed.Verdict, failed.Explanation)
	}
	t.Logf("leader kills during prepare %d, commit %d, termination %d", report.LeaderKills.Prepare,
		report.LeaderKills.Commit, report.LeaderKills.Termination)
	t.Logf("committed %d, settled %d info completions (%d committed), faults %d: %d server kills (%d of a leader), %d node kills, %d pauses",
		report.Committed, report.Settled, report.SettledCommitted, len(report.Faults), report.Count("kill", "nats-", false),
		report.Count("kill", "nats-", true), report.Count("kill", "node-", false), report.Count("pause", "node-", false))
	registers := CountRegisters(report.Register)
	t.Logf("register: %d ok reads, %d ok writes and cas, %d info, %d fail", registers.Reads, registers.Writes,
		registers.Info, registers.Fail)
	checkedRegisters(t, report.RegisterResults, registers, 100)
	dir := *viewDir
	if dir == "" {
		dir = t.TempDir()
	}
	if err := report.WriteViews(dir); err != nil {
		t.Error(err)
	}
	kills := report.LeaderKills
	if kills.Prepare == 0 || kills.Commit == 0 || kills.Termination == 0 {
		t.Errorf("a leader kill did not hit each phase: prepare %d, commit %d, termination %d",
			kills.Prepare, kills.Commit, kills.Termination)
	}
	if report.Committed == 0 {
		t.Error("no transaction committed")
	}
	for _, kind := range []struct{ action, prefix string }{{"kill", "nats-"}, {"kill", "node-"}, {"pause", "node-"}} {
		if report.Count(kind.action, kind.prefix, false) == 0 {
			t.Errorf("the nemesis never did %s to a %s target", kind.action, kind.prefix)
		}
	}
}

// checkedRegisters fails t unless the register history was checked for
// linearizability, passed, and holds at least least ok reads and as many
// ok writes and cas.
func checkedRegisters(t *testing.T, results []checkers.Result, counts RegisterCounts, least int) {
	t.Helper()
	linearizable := false
	for _, result := range results {
		if result.Checker == "linearizable" {
			linearizable = result.Verdict == checkers.VerdictOK
		}
	}
	if !linearizable {
		t.Errorf("the register history was not found linearizable: %+v", results)
	}
	if counts.Reads < least || counts.Writes < least {
		t.Errorf("the register history is too small to tell: %d ok reads, %d ok writes and cas (want %d of each)",
			counts.Reads, counts.Writes, least)
	}
}

// TestQuorumLoss: two node processes on three NATS server processes run
// the workloads while two of the servers are SIGKILLed at once (aimed at
// a transaction's commit) and restarted five seconds later. While the
// quorum is lost no operation invoked then succeeds (transactions abort
// or end indeterminate); after the restart a transaction begun then
// commits (liveness), every info completion is settled from the logs, and
// every checker passes: every commit acknowledged before, during and
// after the loss is in the streams (atomicity from the logs) and the
// histories are serializable and linearizable.
func TestQuorumLoss(t *testing.T) {
	cluster, err := natscluster.Start(natscluster.Config{Dir: t.TempDir(), Command: reexecute("nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	config := Config{Namespace: "quorum", Seed: 2, Command: reexecute("node")}
	if *verbose {
		config.NodeLog, config.Logf = os.Stderr, t.Logf
	}
	report, err := RunQuorumLoss(context.Background(), cluster, config, QuorumLoss{})
	if err != nil {
		t.Fatal(err)
	}
	for _, failed := range report.Failed() {
		t.Errorf("%s: %s\n%s", failed.Checker, failed.Verdict, failed.Explanation)
	}
	during := report.DuringLoss()
	registers := CountRegisters(report.Register)
	t.Logf("quorum lost at %v, restart at %v, a new transaction committed by %v; during the loss %d operations invoked, %d ok before the restart, %d ok after it",
		time.Duration(report.LostNanos), time.Duration(report.RestartNanos), time.Duration(report.HealedNanos),
		during.Invoked, during.OKBefore, during.OKAfter)
	t.Logf("committed %d, settled %d info completions (%d committed); register: %d ok reads, %d ok writes and cas",
		report.Committed, report.Settled, report.SettledCommitted, registers.Reads, registers.Writes)
	if during.Invoked == 0 {
		t.Error("no operation was invoked while the quorum was lost")
	}
	if during.OKBefore != 0 {
		t.Errorf("%d operations invoked while the quorum was lost succeeded before it was restored", during.OKBefore)
	}
	if unsettled := report.Unsettled(); len(unsettled) != 0 {
		t.Errorf("%d info completions not settled from the logs, the first %s", len(unsettled), unsettled[0].Describe())
	}
	if committed := report.Committed; committed == 0 || report.HealedNanos == 0 {
		t.Errorf("committed %d; a transaction begun after the restart committed at %v", committed,
			time.Duration(report.HealedNanos))
	}
	checkedRegisters(t, report.RegisterResults, registers, 20)
	if *viewDir != "" {
		dir := filepath.Join(*viewDir, "quorum")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteViews(dir); err != nil {
			t.Error(err)
		}
	}
}
