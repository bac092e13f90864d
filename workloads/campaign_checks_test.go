package workloads

import (
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
)

// lastCompletion returns the index of the last completion of a function
// with the given type, or -1.
func lastCompletion(history checkers.History, function string, eventType checkers.EventType) int {
	for i := len(history.Events) - 1; i >= 0; i-- {
		if event := history.Events[i]; event.Function == function && event.Type == eventType {
			return i
		}
	}
	return -1
}

func requireIllegal(t *testing.T, r *runner, check, what string) checkers.Result {
	t.Helper()
	results, _ := r.check()
	result := resultNamed(t, results, check)
	if result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("%s passed %s: %+v", what, check, result)
	}
	return result
}

func TestEveryClientRunsCalmOperationsAfterTheFaultsHeal(t *testing.T) {
	r := observedRun(t, "list-append", 3)
	calm := map[int]int{}
	for _, operation := range r.history.Operations() {
		if operation.InvokeTimeNanos >= r.calmFromNanos && operation.Txn != "" {
			calm[operation.Process]++
		}
	}
	total := 0
	for _, count := range calm {
		total += count
	}
	// Each client's calm operations, less the read-only ones (no
	// transaction id); a process retired by an info outcome continues
	// under a new number.
	if want := r.options.Clients * r.calmOperations(); total == 0 || total > want {
		t.Fatalf("%d calm read-write transactions over processes %v, want 1..%d", total, calm, want)
	}
	faults := r.system.world().Faults()
	if heal := faults[len(faults)-1]; heal.Text != "heal" || heal.AtNanos > r.calmFromNanos {
		t.Fatalf("the calm phase began at %d, the last fault event is %+v", r.calmFromNanos, heal)
	}
	results, _ := r.check()
	if result := resultNamed(t, results, "progress"); result.Verdict != checkers.VerdictOK {
		t.Fatalf("progress on correct code: %+v", result)
	}
}

func TestProgressCatchesAnUnknownOutcomeInTheCalmPhase(t *testing.T) {
	r := observedRun(t, "bank", 5)
	index := lastCompletion(r.history, "transfer", checkers.TypeFail)
	if index < 0 {
		index = lastCompletion(r.history, "transfer", checkers.TypeOK)
	}
	if r.history.Events[index].TimeNanos < r.calmFromNanos {
		t.Fatalf("the last transfer completed before the calm phase")
	}
	r.history.Events[index].Error = checkers.ErrorIndeterminate
	requireIllegal(t, r, "progress", "an unknown outcome in the calm phase")
}

func TestTransactionsRecordWhyTheyFailed(t *testing.T) {
	reasons := map[string]int{}
	for seed := uint64(1); seed <= 3; seed++ {
		r := observedRun(t, "bank", seed)
		r.check()
		for _, event := range r.history.Events {
			if event.Txn != "" && (event.Type == checkers.TypeFail || event.Type == checkers.TypeInfo) {
				reasons[event.Error]++
			}
		}
	}
	known := []string{checkers.ErrorWounded, checkers.ErrorDeadline, checkers.ErrorConflict, checkers.ErrorRefused,
		checkers.ErrorClient, checkers.ErrorIndeterminate}
	for reason := range reasons { //proven:allow map-order: every reason is checked alike
		if !slices.Contains(known, reason) {
			t.Errorf("a failed transaction records the reason %q: %v", reason, reasons)
		}
	}
	if reasons[checkers.ErrorClient]+reasons[checkers.ErrorRefused] == 0 || reasons[checkers.ErrorDeadline]+reasons[checkers.ErrorWounded] == 0 {
		t.Fatalf("bank's refused debits and the faults' aborts are missing: %v", reasons)
	}
}

func TestCalmTransactionsGetTheCalmTimeout(t *testing.T) {
	c := &simClient{}
	if got := calmTimeout(c, time.Second); got != time.Second {
		t.Fatalf("before the calm phase: %v", got)
	}
	c.calm = true
	if got := calmTimeout(c, time.Second); got != CalmTimeout {
		t.Fatalf("in the calm phase: %v, want %v", got, CalmTimeout)
	}
}

func TestUniqueRequestsCatchesAnEntryAppendedTwice(t *testing.T) {
	r := observedRun(t, "bank", 5)
	system := r.system.(*clusterSystem)
	for _, spec := range system.streams {
		entries := system.logs[spec.Name]
		for _, logEntry := range entries {
			entry, err := wire.DecodeEntry(logEntry.Payload)
			if err != nil || entry.Kind != wire.EntryOperation {
				continue
			}
			duplicate := logEntry
			duplicate.Position = entries[len(entries)-1].Position + 1
			duplicate.Timestamp = entries[len(entries)-1].Timestamp.Next()
			system.logs[spec.Name] = append(entries, duplicate)
			requireIllegal(t, r, "unique-requests", "an operation appended twice")
			return
		}
	}
	t.Fatal("no operation entry in any log")
}

// tamperReadOnly changes the result of the first read micro-op of the
// last ok read-only transaction.
func tamperReadOnly(t *testing.T, r *runner, function string, result value.Value) {
	t.Helper()
	index := lastCompletion(r.history, function, checkers.TypeOK)
	if index < 0 {
		t.Fatalf("no ok %s", function)
	}
	event := &r.history.Events[index]
	micro := make([]value.Value, event.Value.Len())
	for i := range micro {
		micro[i] = event.Value.Index(i)
	}
	first := micro[0]
	micro[0] = value.List(first.Index(0), first.Index(1), result)
	event.Value = value.List(micro...)
}

func TestCommitOrderCatchesASnapshotThatIsNoPrefix(t *testing.T) {
	cases := []struct {
		workload string
		read     value.Value
		checks   []string
	}{
		{"list-append", value.List(value.Int(-1)), []string{"commit-order"}},
		{"register", value.Int(-1), []string{"commit-order"}},
		{"queue-order", value.Int(-1), []string{"commit-order"}},
		{"tokens", value.Int(-1), []string{"token-supply", "commit-order"}},
	}
	for _, c := range cases {
		t.Run(c.workload, func(t *testing.T) {
			r := observedRun(t, c.workload, 4)
			tamperReadOnly(t, r, checkers.FunctionReadOnlyTxn, c.read)
			for _, check := range c.checks {
				requireIllegal(t, r, check, "a read-only transaction that read "+c.read.String())
			}
		})
	}
}

func TestSQLPredicateChecksCatchAPhantomAndAnOverfullGroup(t *testing.T) {
	r := observedRun(t, "sql-predicates", 4)
	index := lastCompletion(r.history, functionSQLReadOnly, checkers.TypeOK)
	if index < 0 {
		t.Fatal("no ok audit")
	}
	event := &r.history.Events[index]
	audit := event.Value.Index(0)
	rows := listElements(audit.Index(3))
	for range sqlGroupCap + 1 {
		rows = append(rows, sqlItem{id: 1000 + int64(len(rows)), group: 0, score: 1}.encode())
	}
	event.Value = value.List(value.List(audit.Index(0), audit.Index(1), audit.Index(2), value.List(rows...)))
	requireIllegal(t, r, "sql-replay", "an audit with rows never inserted")
	requireIllegal(t, r, "group-cap", "an audit with a group above the cap")
}

func listElements(list value.Value) []value.Value {
	elements := make([]value.Value, list.Len())
	for i := range elements {
		elements[i] = list.Index(i)
	}
	return elements
}
