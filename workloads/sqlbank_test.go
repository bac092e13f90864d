package workloads

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
)

// checkedRun runs a workload and its checks, and fails the test unless
// every check passed.
func checkedRun(t *testing.T, name string, seed uint64) *runner {
	t.Helper()
	r := observedRun(t, name, seed)
	results, _ := r.check()
	for _, result := range results {
		if result.Verdict != checkers.VerdictOK {
			t.Fatalf("%s seed %d: %s: %s: %s", name, seed, result.Checker, result.Verdict, result.Explanation)
		}
	}
	return r
}

func TestSQLBankCommitsTransfersWithinAndAcrossStreams(t *testing.T) {
	within, across, reads := 0, 0, 0
	for seed := uint64(1); seed <= 4; seed++ {
		r := checkedRun(t, "sql-bank", seed)
		for _, operation := range r.history.Operations() {
			if operation.Type != checkers.TypeOK {
				continue
			}
			if operation.Function == checkers.FunctionRead {
				reads++
				if operation.Output.Len() != 6 {
					t.Fatalf("seed %d: %s read %d accounts, want 6", seed, operation.Describe(), operation.Output.Len())
				}
				continue
			}
			from, _ := operation.Input.MapGet("from")
			to, _ := operation.Input.MapGet("to")
			if streamOf(from) == streamOf(to) {
				within++
			} else {
				across++
			}
		}
	}
	if within == 0 || across == 0 || reads == 0 {
		t.Fatalf("committed %d transfers within a stream, %d across streams, %d reads", within, across, reads)
	}
}

func streamOf(label value.Value) string {
	text, _ := label.AsString()
	stream, _, _ := strings.Cut(text, "/")
	return stream
}

func TestSQLBankConservationCatchesAChangedBalance(t *testing.T) {
	r := observedRun(t, "sql-bank", 2)
	index := firstCompletion(r.history, checkers.FunctionRead, checkers.TypeOK)
	if index < 0 {
		t.Fatal("no ok read")
	}
	balances := map[string]value.Value{}
	for i, entry := range r.history.Events[index].Value.MapEntries() {
		balance, _ := entry.Value.AsInt()
		if i == 0 {
			balance++
		}
		balances[entry.Key] = value.Int(balance)
	}
	r.history.Events[index].Value = value.Map(balances)
	results, _ := r.check()
	if result := resultNamed(t, results, "conservation"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a changed balance passed: %+v", result)
	}
}

func TestSQLSurprisesReportUnexpectedErrorsOnly(t *testing.T) {
	r := observedRun(t, "sql-bank", 1)
	c := &client{Client: clockAt{now: 7}}
	surprises := &sqlSurprises{}
	expected := []error{fmt.Errorf("commit: %w", engines.ErrAborted), engines.ErrDeadline, errInsufficient, nil}
	for _, err := range expected {
		if got := surprises.note(c, "expected", err); got != err {
			t.Fatalf("note changed %v into %v", err, got)
		}
	}
	if result, _ := surprises.check().run(r.history); result.Verdict != checkers.VerdictOK {
		t.Fatalf("expected errors were reported: %s", result.Explanation)
	}
	surprises.note(c, "append", fmt.Errorf("insert: %w", engines.ErrConstraint))
	result, _ := surprises.check().run(r.history)
	if result.Verdict != checkers.VerdictIllegal || !strings.Contains(result.Explanation, "at 7ns") {
		t.Fatalf("a constraint error passed: %+v", result)
	}
}

// Seed 186 with every fault family: a client whose clock lags reads at a
// snapshot before the setup committed, so its read rightly finds no
// table. That read fails; it is not a surprise and the run passes.
func TestSQLBankSnapshotBeforeTheSetupIsNotASurprise(t *testing.T) {
	report := Run(Options{Seed: 186, Workload: Named("sql-bank"), Faults: sim.FaultMode{Families: sim.FamilyAll},
		Operations: 20, FaultPhase: 4 * time.Second}) // the run that found it
	if report.Verdict != sim.VerdictOK {
		t.Fatalf("seed 186: %s: %s", report.Failure, report.Reason)
	}
	failedReads := 0
	for _, operation := range report.History.Operations() {
		if operation.Function == checkers.FunctionRead && operation.Type == checkers.TypeFail {
			failedReads++
		}
	}
	if failedReads == 0 {
		t.Fatal("no read failed: the scenario no longer reads before the setup; pick another seed")
	}
}

// clockAt is a Client whose clock reads now; nothing else of it is used.
type clockAt struct {
	Client
	now int64
}

func (c clockAt) Now() int64 { return c.now }
