package jepsen

import (
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// TestRegisterCheckJudgesPerKey: the register check passes a history
// whose reads follow the writes, with an info write left open, and finds
// a read of the initial value after a write completed not linearizable;
// CountRegisters counts the completions by kind.
func TestRegisterCheckJudgesPerKey(t *testing.T) {
	build := func(staleRead bool) checkers.History {
		r := newRecorder(time.Now())
		event := func(process int, eventType checkers.EventType, function, key string, v value.Value) {
			r.record(checkers.Event{Process: process, Type: eventType, Function: function, Key: key, Value: v})
		}
		event(1, checkers.TypeInvoke, checkers.FunctionWrite, "a/reg-0", value.Int(1))
		event(1, checkers.TypeOK, checkers.FunctionWrite, "a/reg-0", value.Int(1))
		event(2, checkers.TypeInvoke, checkers.FunctionWrite, "b/reg-1", value.Int(2))
		event(2, checkers.TypeInfo, checkers.FunctionWrite, "b/reg-1", value.Int(2))
		event(3, checkers.TypeInvoke, checkers.FunctionCAS, "a/reg-0", value.List(value.Int(1), value.Int(3)))
		event(3, checkers.TypeOK, checkers.FunctionCAS, "a/reg-0", value.Bool(true))
		read := value.Int(3)
		if staleRead {
			read = value.Null()
		}
		event(4, checkers.TypeInvoke, checkers.FunctionRead, "a/reg-0", value.Null())
		event(4, checkers.TypeOK, checkers.FunctionRead, "a/reg-0", read)
		event(4, checkers.TypeInvoke, checkers.FunctionRead, "b/reg-1", value.Null())
		event(4, checkers.TypeFail, checkers.FunctionRead, "b/reg-1", value.Null())
		return r.history()
	}
	for _, staleRead := range []bool{false, true} {
		result, err := checkRegisters(build(staleRead))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]checkers.Verdict{false: checkers.VerdictOK, true: checkers.VerdictIllegal}[staleRead]; result.Verdict != want {
			t.Errorf("stale read %v: %s (%s), want %s", staleRead, result.Verdict, result.Explanation, want)
		}
	}
	if counts := CountRegisters(build(false)); counts != (RegisterCounts{Reads: 1, Writes: 2, Info: 1, Fail: 1}) {
		t.Errorf("counts %+v", counts)
	}
}
