package checkers

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/value"
)

func operationEvents(history *History, process int, function, key string, input, output value.Value, outcome EventType) {
	history.Append(Event{Process: process, Type: TypeInvoke, Function: function, Key: key, Value: input, TimeNanos: int64(len(history.Events))})
	history.Append(Event{Process: process, Type: outcome, Function: function, Key: key, Value: output, TimeNanos: int64(len(history.Events))})
}

func TestLinearizableModels(t *testing.T) {
	var register History
	operationEvents(&register, 0, FunctionWrite, "x", value.Int(1), value.Null(), TypeOK)
	operationEvents(&register, 1, FunctionRead, "x", value.Null(), value.Int(2), TypeOK)
	var queue History
	operationEvents(&queue, 0, FunctionEnqueue, "q", value.Int(1), value.Null(), TypeOK)
	operationEvents(&queue, 0, FunctionEnqueue, "q", value.Int(2), value.Null(), TypeOK)
	operationEvents(&queue, 1, FunctionDequeue, "q", value.Null(), value.Int(2), TypeOK)
	var account History
	operationEvents(&account, 0, FunctionDeposit, "a", value.Int(5), value.Null(), TypeOK)
	operationEvents(&account, 0, FunctionWithdraw, "a", value.Int(7), value.Null(), TypeOK)
	for _, test := range []struct {
		history History
		model   Model
	}{{register, ModelRegister}, {queue, ModelQueue}, {account, ModelAccount}} {
		result, err := CheckLinearizable(test.history, LinearizableConfig{Model: test.model})
		if err != nil || result.Verdict != VerdictIllegal || len(result.Operations) == 0 {
			t.Errorf("%s: want illegal naming operations, got %+v %v", test.model, result, err)
		}
		test.history.Events = test.history.Events[:len(test.history.Events)-1] // last op left open
		result, err = CheckLinearizable(test.history, LinearizableConfig{Model: test.model})
		if err != nil || result.Verdict != VerdictOK {
			t.Errorf("%s with the last op open: want ok, got %+v %v", test.model, result, err)
		}
	}
}

func TestStepBudgetGivesUnknown(t *testing.T) {
	var history History
	for process := range 8 {
		history.Append(Event{Process: process, Type: TypeInvoke, Function: FunctionWrite, Key: "x", Value: value.Int(int64(process))})
	}
	for process := range 8 {
		history.Append(Event{Process: process, Type: TypeOK, Function: FunctionWrite, Key: "x"})
	}
	operationEvents(&history, 9, FunctionRead, "x", value.Null(), value.Int(99), TypeOK)
	result, err := CheckLinearizable(history, LinearizableConfig{Model: ModelRegister, StepBudget: 5})
	if err != nil || result.Verdict != VerdictUnknown {
		t.Fatalf("want unknown, got %+v %v", result, err)
	}
}

func TestValidateRejectsInvokeAfterInfo(t *testing.T) {
	var history History
	operationEvents(&history, 0, FunctionWrite, "x", value.Int(1), value.Null(), TypeInfo)
	history.Append(Event{Process: 0, Type: TypeInvoke, Function: FunctionRead, Key: "x", TimeNanos: 9})
	if _, err := CheckLinearizable(history, LinearizableConfig{Model: ModelRegister}); err == nil {
		t.Fatal("want an error for a process invoking after info")
	}
}

func TestConservation(t *testing.T) {
	var bank History
	operationEvents(&bank, 0, FunctionRead, "", value.Null(), value.Map(map[string]value.Value{"a": value.Int(3), "b": value.Int(6)}), TypeOK)
	if result, err := CheckBankTotals(bank, FunctionRead, 10); err != nil || result.Verdict != VerdictIllegal {
		t.Errorf("bank: want illegal, got %+v %v", result, err)
	}
	if result, err := CheckTokenSupply(bank, FunctionRead, "a"); err != nil || result.Verdict != VerdictIllegal {
		t.Errorf("supply: want illegal, got %+v %v", result, err)
	}
	var queue History
	operationEvents(&queue, 0, FunctionEnqueue, "q", value.Int(1), value.Null(), TypeOK)
	operationEvents(&queue, 0, FunctionEnqueue, "q", value.Int(2), value.Null(), TypeOK)
	operationEvents(&queue, 1, FunctionDequeue, "q", value.Null(), value.Int(2), TypeOK)
	operationEvents(&queue, 1, FunctionDequeue, "q", value.Null(), value.Int(1), TypeOK)
	operationEvents(&queue, 1, FunctionDequeue, "q", value.Null(), value.Int(1), TypeOK)
	operationEvents(&queue, 1, FunctionDequeue, "q", value.Null(), value.Int(7), TypeOK)
	result, err := CheckQueueDelivery(queue)
	if err != nil || strings.Join(result.Anomalies, " ") != "duplicate-dequeue fifo-order unexpected-dequeue" {
		t.Errorf("queue: got %+v %v", result, err)
	}
}

func TestJSONLinesRoundTrip(t *testing.T) {
	history := serialListAppend(rand.New(rand.NewPCG(1, 2)), 10, 3)
	var buffer, edn bytes.Buffer
	if err := history.WriteJSONLines(&buffer); err != nil {
		t.Fatal(err)
	}
	read, err := ReadJSONLines(&buffer)
	if err != nil || len(read.Events) != len(history.Events) || !read.Events[3].Value.Equal(history.Events[3].Value) {
		t.Fatalf("round trip failed: %v", err)
	}
	if err := history.WriteEDN(&edn); err != nil || !strings.Contains(edn.String(), "[:append \"k") {
		t.Fatalf("edn: %v\n%s", err, edn.String())
	}
}

// BenchmarkListAppend100k checks a serial 100k-operation list-append
// history, both verdicts (serializable and strict serializable) in one call.
func BenchmarkListAppend100k(b *testing.B) {
	history := serialListAppend(rand.New(rand.NewPCG(7, 7)), 50_000, 100)
	b.ResetTimer()
	for range b.N {
		result, err := CheckListAppend(history, ListAppendConfig{})
		if err != nil || result.Serializable.Verdict != VerdictOK || result.StrictSerializable.Verdict != VerdictOK {
			b.Fatalf("%v %v %v", result.Serializable.Verdict, result.StrictSerializable.Verdict, err)
		}
	}
}

// BenchmarkLinearizable100k checks 100k register operations over 100 keys,
// four processes overlapping pairwise.
func BenchmarkLinearizable100k(b *testing.B) {
	random := rand.New(rand.NewPCG(3, 3))
	var history History
	values := map[string]int64{}
	for i := range 25_000 {
		key := fmt.Sprintf("k%d", random.IntN(100))
		for process := range 2 {
			history.Append(Event{Process: process, Type: TypeInvoke, Function: FunctionRead, Key: key, TimeNanos: int64(i)})
		}
		for process := range 2 {
			history.Append(Event{Process: process, Type: TypeOK, Function: FunctionRead, Key: key, Value: value.Int(values[key]), TimeNanos: int64(i)})
		}
		values[key] = int64(i + 1)
		operationEvents(&history, 2, FunctionWrite, key, value.Int(int64(i+1)), value.Null(), TypeOK)
		operationEvents(&history, 3, FunctionRead, key, value.Null(), value.Int(int64(i+1)), TypeOK)
	}
	for i := range history.Events {
		history.Events[i].TimeNanos = int64(i)
	}
	b.ResetTimer()
	for range b.N {
		result, err := CheckLinearizable(history, LinearizableConfig{Model: ModelRegister, Initial: value.Int(0)})
		if err != nil || result.Verdict != VerdictOK {
			b.Fatalf("%v %v %s", result.Verdict, err, result.Explanation)
		}
	}
}

// TestNullReadsUnknown: with NullReadsUnknown a read of Null after a
// completed write constrains nothing (Knossos's nil); without it, Null is
// the value read and the history is not linearizable.
func TestNullReadsUnknown(t *testing.T) {
	var history History
	operationEvents(&history, 0, FunctionWrite, "x", value.Int(1), value.Null(), TypeOK)
	operationEvents(&history, 1, FunctionRead, "x", value.Null(), value.Null(), TypeOK)
	for _, test := range []struct {
		unknown bool
		want    Verdict
	}{{true, VerdictOK}, {false, VerdictIllegal}} {
		result, err := CheckLinearizable(history, LinearizableConfig{Model: ModelRegister, NullReadsUnknown: test.unknown})
		if err != nil || result.Verdict != test.want {
			t.Errorf("NullReadsUnknown %v: got %s (%v), want %s", test.unknown, result.Verdict, err, test.want)
		}
	}
}
