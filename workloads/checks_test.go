package workloads

import (
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
)

// observedRun runs a workload without checking, for tests that tamper
// with the history first.
func observedRun(t *testing.T, name string, seed uint64) *runner {
	t.Helper()
	chosen, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	options := Options{Seed: seed, Workload: chosen, Faults: sim.FaultMode{Swarm: true}}
	options.applyDefaults()
	r, _, reason := newRunner(options, chosen)
	if r == nil {
		t.Fatal(reason)
	}
	t.Cleanup(r.system.world().Close)
	if result := r.system.world().Run(); result.Verdict != sim.VerdictOK || !r.observed {
		t.Fatalf("seed %d: %s %s", seed, result.Failure, result.Reason)
	}
	return r
}

func resultNamed(t *testing.T, results []checkers.Result, name string) checkers.Result {
	t.Helper()
	for _, result := range results {
		if result.Checker == name {
			return result
		}
	}
	t.Fatalf("no %s result", name)
	return checkers.Result{}
}

// firstCompletion returns the index of the first completion event of a
// function with the given type.
func firstCompletion(history checkers.History, function string, eventType checkers.EventType) int {
	for i, event := range history.Events {
		if event.Function == function && event.Type == eventType {
			return i
		}
	}
	return -1
}

func TestAtomicityCatchesAClientOutcomeTheLogsContradict(t *testing.T) {
	r := observedRun(t, "bank", 5)
	index := firstCompletion(r.history, "transfer", checkers.TypeOK)
	if index < 0 {
		t.Fatal("no committed transfer")
	}
	r.history.Events[index].Type = checkers.TypeFail
	results, _ := r.check()
	if result := resultNamed(t, results, "atomicity"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a committed transfer recorded as fail passed: %+v", result)
	}
}

func TestAtomicityCatchesAnOkTransactionThatNeverCommitted(t *testing.T) {
	// Find a seed with a failed enqueue (a fault aborted it) to tamper with.
	var r *runner
	index := -1
	for seed := uint64(5); seed < 40 && index < 0; seed++ {
		r = observedRun(t, "queue", seed)
		index = firstCompletion(r.history, checkers.FunctionEnqueue, checkers.TypeFail)
	}
	if index < 0 {
		t.Fatal("no failed enqueue in seeds 5..39: the faults never abort an enqueue")
	}
	r.history.Events[index].Type = checkers.TypeOK
	results, _ := r.check()
	if result := resultNamed(t, results, "atomicity"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("an aborted enqueue recorded as ok passed: %+v", result)
	}
}

func TestConservationCatchesAWrongBalance(t *testing.T) {
	r := observedRun(t, "bank", 6)
	index := firstCompletion(r.history, checkers.FunctionRead, checkers.TypeOK)
	event := &r.history.Events[index]
	entries := event.Value.MapEntries()
	balance, _ := entries[0].Value.AsInt()
	balances := map[string]value.Value{}
	for _, entry := range entries {
		balances[entry.Key] = entry.Value
	}
	balances[entries[0].Key] = value.Int(balance + 1)
	event.Value = value.Map(balances)
	results, _ := r.check()
	if result := resultNamed(t, results, "conservation"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a read summing to one too many passed: %+v", result)
	}
}

func TestLinearizabilityCatchesAStaleRegisterRead(t *testing.T) {
	r := observedRun(t, "register", 7)
	// Make the last ok read return a value no write ever wrote.
	for i := len(r.history.Events) - 1; i >= 0; i-- {
		event := &r.history.Events[i]
		if event.Function == checkers.FunctionRead && event.Type == checkers.TypeOK {
			event.Value = value.Int(-1)
			break
		}
	}
	results, _ := r.check()
	if result := resultNamed(t, results, "linearizable"); result.Verdict != checkers.VerdictIllegal {
		t.Fatalf("a read of a value never written passed: %+v", result)
	}
}

func TestListPrefixCatchesDivergentReads(t *testing.T) {
	read := func(elements ...int64) value.Value {
		values := make([]value.Value, len(elements))
		for i, element := range elements {
			values[i] = value.Int(element)
		}
		return value.List(value.List(value.String(microRead), value.String("s/k"), value.List(values...)))
	}
	var history checkers.History
	for process, output := range []value.Value{read(1, 2), read(1, 3), read(1)} {
		history.Append(checkers.Event{Process: process, Type: checkers.TypeInvoke, Function: checkers.FunctionTxn, Value: value.Null()})
		history.Append(checkers.Event{Process: process, Type: checkers.TypeOK, Function: checkers.FunctionTxn, Value: output})
	}
	result, _ := checkListPrefixes(history)
	if result.Verdict != checkers.VerdictIllegal || len(result.Operations) != 2 {
		t.Fatalf("[1 2] and [1 3] read from one key passed: %+v", result)
	}
}

func TestSettleTurnsUncommittedInfoIntoFail(t *testing.T) {
	var history checkers.History
	history.Append(checkers.Event{Process: 0, Type: checkers.TypeInvoke, Function: "write", Key: "k", Value: value.Int(1), Txn: "a"})
	history.Append(checkers.Event{Process: 0, Type: checkers.TypeInfo, Function: "write", Key: "k", Value: value.Int(1), Txn: "a"})
	history.Append(checkers.Event{Process: 1, Type: checkers.TypeInvoke, Function: "write", Key: "k", Value: value.Int(2), Txn: "b"})
	history.Append(checkers.Event{Process: 1, Type: checkers.TypeInfo, Function: "write", Key: "k", Value: value.Int(2), Txn: "b"})
	decided := truth{"b": {committed: true}}
	if settled := settle(&history, decided); settled != 2 {
		t.Fatalf("settled %d, want 2", settled)
	}
	if history.Events[1].Type != checkers.TypeFail {
		t.Fatalf("uncommitted info became %s", history.Events[1].Type)
	}
	if history.Events[3].Type != checkers.TypeInfo || history.Events[3].CommitTimestamp == "" {
		t.Fatalf("committed info became %s with commit timestamp %q", history.Events[3].Type, history.Events[3].CommitTimestamp)
	}
	if err := history.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLivenessNamesAStuckStream(t *testing.T) {
	result := checkLiveness([]streamStatus{{stream: "a"}, {stream: "b", down: true}})
	if result.Verdict != checkers.VerdictIllegal || result.Explanation != "stream b: its engine node is down after healing" {
		t.Fatalf("%+v", result)
	}
}
