package liverun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestBankAndListAppendPassEveryCheck is a short `proven live` of the
// two workloads the acceptance runs for 20s each (.ci/run).
func TestBankAndListAppendPassEveryCheck(t *testing.T) {
	for _, name := range []string{"bank", "list-append"} {
		t.Run(name, func(t *testing.T) {
			report, err := Run(context.Background(), Options{Workload: workloads.Named(name), Duration: 2 * time.Second,
				Clients: 8, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: ok=%t committed=%d aborted=%d indeterminate=%d settled=%d operations=%d events=%d",
				name, report.OK, report.Committed, report.Aborted, report.Indeterminate, report.Settled, report.Operations,
				len(report.History.Events))
			for _, result := range report.Checks {
				t.Logf("  %s=%s", result.Checker, result.Verdict)
				if result.Verdict != checkers.VerdictOK {
					t.Errorf("%s: %s\n%s", result.Checker, result.Verdict, result.Explanation)
				}
			}
			if !report.OK || report.Committed == 0 {
				t.Errorf("ok=%t committed=%d reason=%s", report.OK, report.Committed, report.Reason)
			}
		})
	}
}

// TestEveryBuiltinWorkload: each of Proven's other workloads runs on the
// real runtime and passes its checks.
func TestEveryBuiltinWorkload(t *testing.T) {
	for _, name := range workloads.BuiltinNames() {
		if name == "bank" || name == "list-append" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			report, err := Run(context.Background(), Options{Workload: workloads.Named(name), Duration: 500 * time.Millisecond,
				Clients: 4, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: ok=%t committed=%d aborted=%d indeterminate=%d settled=%d operations=%d",
				name, report.OK, report.Committed, report.Aborted, report.Indeterminate, report.Settled, report.Operations)
			for _, result := range report.Checks {
				if result.Verdict != checkers.VerdictOK {
					t.Errorf("%s: %s\n%s", result.Checker, result.Verdict, result.Explanation)
				}
			}
			if !report.OK {
				t.Errorf("reason=%s", report.Reason)
			}
		})
	}
}

// liar is a workload whose clients report a rolled-back transaction as
// committed: the atomicity check, from the logs on disk, must catch it.
type liar struct{}

func (liar) Name() string { return "liar" }

func (liar) Build(b *workloads.Builder) {
	b.Cluster(cluster.Config{Streams: []cluster.StreamSpec{cluster.KV("k")}})
	b.Operation(func(c workloads.Client) {
		ctx := context.Background()
		tx := c.Transactions().Begin(ctx, time.Second)
		event := checkers.Event{Function: "write", Key: "x", Value: value.Int(1), Txn: tx.ID().String()}
		event.Type = checkers.TypeInvoke
		c.Record(event)
		if err := kv.New(tx, "k").Put(ctx, "x", value.Int(1)); err != nil {
			_ = tx.Rollback(ctx)
			event.Type = checkers.TypeFail
			c.Record(event)
			return
		}
		_ = tx.Rollback(ctx)
		event.Type = checkers.TypeOK
		c.Record(event)
	})
}

func TestAtomicityCatchesALie(t *testing.T) {
	report, err := Run(context.Background(), Options{Workload: liar{}, Duration: 300 * time.Millisecond, Clients: 2,
		Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	atomicity, _ := report.Check("atomicity")
	if report.OK || atomicity.Verdict != checkers.VerdictIllegal ||
		!strings.Contains(atomicity.Explanation, "reported ok, but the logs show no commit") {
		t.Fatalf("ok=%t atomicity=%s: %s", report.OK, atomicity.Verdict, atomicity.Explanation)
	}
	if !strings.HasPrefix(report.Reason, "atomicity: ") {
		t.Errorf("reason %q; want the atomicity finding", report.Reason)
	}
}

// world is a workload on a world of its own: it runs only in the
// simulator.
type world struct{}

func (world) Name() string { return "own-world" }
func (world) Build(b *workloads.Builder) {
	b.World(sim.Config{})
	b.Operation(func(workloads.Client) {})
}
func (noOperation) Name() string { return "no-operation" }
func (noOperation) Build(b *workloads.Builder) {
	b.Cluster(cluster.Config{Streams: []cluster.StreamSpec{cluster.KV("k")}})
}

type noOperation struct{}

func TestBadOptionsAreRefusedBeforeRunning(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "something"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := func() string { return filepath.Join(t.TempDir(), "store") }
	for _, test := range []struct {
		options Options
		want    error
		says    string
	}{
		{Options{Duration: time.Second, Dir: fresh()}, ErrBadOptions, "no workload"},
		{Options{Workload: workloads.Named("bank"), Dir: fresh()}, ErrBadOptions, "duration 0s"},
		{Options{Workload: workloads.Named("bank"), Duration: time.Second}, ErrBadOptions, "no store directory"},
		{Options{Workload: workloads.Named("bank"), Duration: time.Second, Dir: full}, ErrBadOptions, "not empty"},
		{Options{Workload: workloads.Named("bank"), Duration: time.Second, Dir: fresh(), Clients: -1}, ErrBadOptions, "-1 clients"},
		{Options{Workload: world{}, Duration: time.Second, Dir: fresh()}, workloads.ErrNotDeclarable, "runs only in the simulator"},
		{Options{Workload: noOperation{}, Duration: time.Second, Dir: fresh()}, workloads.ErrNotDeclarable, "declared no operation"},
		{Options{Workload: workloads.Named("nope"), Duration: time.Second, Dir: fresh()}, workloads.ErrNotDeclarable, `"nope"`},
	} {
		_, err := Run(context.Background(), test.options)
		if !errors.Is(err, test.want) || !strings.Contains(err.Error(), test.says) {
			t.Errorf("%+v: %v; want %v saying %s", test.options, err, test.want, test.says)
		}
	}
}
