package coordinator_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// TestMachineScenarios runs testdata/machine/*.txt: the transaction
// machines alone, no simulator, no network. Every command is one input to
// one machine at the harness's local time (at=D sets it, a duration since
// zero; it stays until changed), and prints what the input produced: the
// messages sent (-> log ... or -> proc(S) ...), the operations that ended,
// the outcome when it changed, and the next wake-up when the machine is
// not quiet (after a reply it may be before now: a Tick is due). m=NAME
// picks the machine (default: the last one created).
//
//	txn m=T id=D deadline=D         a read-write machine; id's wall time, deadline after it
//	adhoc m=T id=D stream=S op=(..)  an auto-commit machine (deadline: id + read timeout), sent
//	readonly m=R snapshot=D          a read-only machine
//	execute stream=S op=(..)         Execute (TxnMachine) or Read (ReadMachine)
//	predict [whole]                  Predict (PredictWhole), one operation per input line: STREAM OPERATION...
//	speculation                      what Speculation reports
//	commit | rollback | cancel | tick
//	reply stream=S [result=X | refused=CODE | aborted=CODE] [error=..] [position=N] [req=N]
//	                                 the processor's answer to the last operation (or
//	                                 auto-commit, or snapshot read) sent to S
//	vote stream=S ts=D | vote stream=S refused=CODE reason=..
//	ack stream=S ts=D                the log's acknowledgement of the last Commit append
//	outcome stream=S committed ts=D | outcome stream=S aborted=CODE reason=..
//	                                 the answer to the last one-phase commit or Abort
//	notice stream=S code=CODE reason=..  an unsolicited abort notice
//	sites [early-retry] [short-timeout]  switch code fault sites on (the others off)
//
// A request other than the last one of its kind is answered with req=N
// (its sequence).
func TestMachineScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/machine", func(t *testing.T, path string) {
		h := newMachineHarness()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return h.run(t, d)
		})
	})
}

const (
	harnessSelf wire.Address = 7
	harnessLog  wire.Address = 1
)

// machine is either kind of transaction machine, as the harness drives it.
type machine interface {
	Step(now int64, message any) coordinator.Ready
	Tick(now int64) coordinator.Ready
	Cancel(now int64, cause error) coordinator.Ready
	Quiet() bool
	WakeNanos() int64
}

type machineHarness struct {
	requests coordinator.Requests
	config   coordinator.MachineConfig
	now      int64
	machines map[string]machine
	current  string
	outcomes map[string]coordinator.Outcome
	// sent remembers the last request of each kind each machine sent to
	// each stream ("t/a/operation", "t/a/read", ...), and sendOrder when.
	sent      map[string]wire.RequestID
	sendOrder map[string]int
	sends     int
	// processors are the processor addresses handed out, in order.
	processors []string
	// sites are the code fault sites switched on.
	sites coordinator.Sites
}

// processor is the placement: stream i (in order of first use) at 100+i.
func (h *machineHarness) processor(stream string) wire.Address {
	index := slices.Index(h.processors, stream)
	if index < 0 {
		index = len(h.processors)
		h.processors = append(h.processors, stream)
	}
	return wire.Address(100 + index)
}

func newMachineHarness() *machineHarness {
	h := &machineHarness{machines: map[string]machine{}, outcomes: map[string]coordinator.Outcome{},
		sent: map[string]wire.RequestID{}, sendOrder: map[string]int{}}
	h.requests = coordinator.Requests{Origin: 9}
	h.config = coordinator.MachineConfig{Self: harnessSelf, Log: harnessLog, RetryInterval: 50 * time.Millisecond,
		ReadTimeout: time.Second, Requests: &h.requests, Processor: h.processor,
		Sites: func() coordinator.Sites { return h.sites }, Heads: &coordinator.StreamHeads{}}
	return h
}

func (h *machineHarness) run(t *testing.T, d *datadriven.TestData) string {
	if d.HasArg("at") {
		h.now = int64(durationArg(t, d, "at"))
	}
	if d.HasArg("m") {
		d.ScanArgs(t, "m", &h.current)
	}
	var ready coordinator.Ready
	switch d.Cmd {
	case "txn", "adhoc", "readonly":
		ready = h.create(t, d)
	case "execute":
		ready = h.execute(t, d)
	case "predict":
		ready = h.predict(t, d)
	case "speculation":
		return h.speculation(t)
	case "sites":
		h.sites = coordinator.Sites{EarlyRetry: d.HasArg("early-retry"), ShortTimeouts: d.HasArg("short-timeout")}
		return fmt.Sprintf("%+v\n", h.sites)
	case "commit":
		ready = h.txn(t).Commit(h.now)
	case "rollback":
		ready = h.txn(t).Abort(h.now, &coordinator.AbortedError{Reason: coordinator.ReasonCancelled, Detail: "rolled back"})
	case "cancel":
		ready = h.machine(t).Cancel(h.now, errors.New("context canceled"))
	case "tick":
		ready = h.machine(t).Tick(h.now)
	case "reply", "vote", "ack", "outcome", "notice":
		ready = h.machine(t).Step(h.now, h.message(t, d))
	default:
		t.Fatalf("unknown command %q", d.Cmd)
	}
	return h.print(ready)
}

func (h *machineHarness) create(t *testing.T, d *datadriven.TestData) coordinator.Ready {
	if !d.HasArg("m") {
		h.current = "t"
	}
	if d.Cmd == "readonly" {
		snapshot := clock.Timestamp{WallNanos: int64(durationArg(t, d, "snapshot")), Node: 1}
		h.machines[h.current] = coordinator.NewReadMachine(&h.config, snapshot)
		return coordinator.Ready{}
	}
	id := clock.Timestamp{WallNanos: int64(durationArg(t, d, "id")), Node: 1}
	deadline := id.WallNanos + int64(h.config.ReadTimeout)
	if d.Cmd == "txn" {
		deadline = id.WallNanos + int64(durationArg(t, d, "deadline"))
	}
	m := coordinator.NewTxnMachine(&h.config, id, deadline)
	h.machines[h.current] = m
	if d.Cmd == "adhoc" {
		var stream string
		d.ScanArgs(t, "stream", &stream)
		handle, ready := m.AutoCommit(h.now, stream, operationArg(d))
		_ = handle // handles count from 0 in call order; results print them
		return ready
	}
	return coordinator.Ready{}
}

func (h *machineHarness) execute(t *testing.T, d *datadriven.TestData) coordinator.Ready {
	var stream string
	d.ScanArgs(t, "stream", &stream)
	var ready coordinator.Ready
	switch m := h.machine(t).(type) {
	case *coordinator.TxnMachine:
		_, ready = m.Execute(h.now, stream, operationArg(d))
	case *coordinator.ReadMachine:
		_, ready = m.Read(h.now, stream, operationArg(d))
	}
	return ready
}

func (h *machineHarness) predict(t *testing.T, d *datadriven.TestData) coordinator.Ready {
	var predicted []coordinator.PredictedOperation
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		stream, operation, found := strings.Cut(line, " ")
		if !found {
			t.Fatalf("predict: line %q is not STREAM OPERATION", line)
		}
		predicted = append(predicted, coordinator.PredictedOperation{Stream: stream, Operation: []byte(operation)})
	}
	switch m := h.machine(t).(type) {
	case *coordinator.TxnMachine:
		if d.HasArg("whole") {
			return m.PredictWhole(h.now, predicted)
		}
		return m.Predict(h.now, predicted)
	case *coordinator.ReadMachine:
		return m.Predict(h.now, predicted)
	}
	return coordinator.Ready{}
}

func (h *machineHarness) speculation(t *testing.T) string {
	var predicted, taken int
	var mispredicted bool
	switch m := h.machine(t).(type) {
	case *coordinator.TxnMachine:
		predicted, taken, mispredicted = m.Speculation()
	case *coordinator.ReadMachine:
		predicted, taken, mispredicted = m.Speculation()
	}
	return fmt.Sprintf("predicted=%d taken=%d mispredicted=%t", predicted, taken, mispredicted)
}

func (h *machineHarness) machine(t *testing.T) machine {
	m, ok := h.machines[h.current]
	if !ok {
		t.Fatalf("no machine %q", h.current)
	}
	return m
}

func (h *machineHarness) txn(t *testing.T) *coordinator.TxnMachine {
	m, ok := h.machine(t).(*coordinator.TxnMachine)
	if !ok {
		t.Fatalf("machine %q is read-only", h.current)
	}
	return m
}

// message builds the reply a command describes.
func (h *machineHarness) message(t *testing.T, d *datadriven.TestData) any {
	var stream string
	d.ScanArgs(t, "stream", &stream)
	text := func(key string) string {
		var value string
		if d.HasArg(key) {
			d.ScanArgs(t, key, &value)
		}
		return value
	}
	id := engines.TxnID{}
	if m, ok := h.machine(t).(*coordinator.TxnMachine); ok {
		id = m.ID()
	}
	switch d.Cmd {
	case "reply":
		return h.reply(t, d, stream, text)
	case "vote":
		vote := wire.MsgVote{Request: h.request(t, d, stream, "prepare"), Txn: id, Stream: stream}
		if code := text("refused"); code != "" {
			vote.Code, vote.Reason = engines.ErrorCode(code), text("reason")
		} else {
			vote.Prepared, vote.PrepareTimestamp = true, stampArg(t, d, "ts")
		}
		return vote
	case "ack":
		return wire.MsgAppendReply{Request: h.request(t, d, stream, "commit"), Stream: stream, Position: 1,
			Timestamp: stampArg(t, d, "ts")}
	case "outcome":
		outcome := wire.MsgOutcome{Request: h.request(t, d, stream, "one-phase", "abort"), Txn: id, Stream: stream}
		if d.HasArg("committed") {
			outcome.Committed, outcome.CommitTimestamp = true, stampArg(t, d, "ts")
		} else {
			outcome.Code, outcome.Reason = engines.ErrorCode(text("aborted")), text("reason")
		}
		return outcome
	}
	return wire.MsgOutcome{Txn: id, Stream: stream, Code: engines.ErrorCode(text("code")), Reason: text("reason")}
}

func (h *machineHarness) reply(t *testing.T, d *datadriven.TestData, stream string, text func(string) string) any {
	if _, readOnly := h.machine(t).(*coordinator.ReadMachine); readOnly {
		reply := wire.MsgSnapshotReadReply{Request: h.request(t, d, stream, "read"), Stream: stream,
			Status: engines.StatusDone, Result: []byte(text("result"))}
		if code := text("refused"); code != "" {
			reply.Status, reply.Result, reply.Code, reply.Error = engines.StatusFailed, nil, engines.ErrorCode(code), text("error")
		}
		return reply
	}
	reply := wire.MsgOperationReply{Request: h.request(t, d, stream, "operation", "one-phase"), Stream: stream,
		Status: engines.StatusDone, Result: []byte(text("result")), Position: 1}
	if d.HasArg("position") {
		d.ScanArgs(t, "position", &reply.Position)
	}
	for _, key := range []string{"refused", "aborted"} {
		if code := text(key); code != "" {
			reply.Status, reply.Result, reply.Code, reply.Error = engines.StatusFailed, nil, engines.ErrorCode(code), text("error")
		}
	}
	return reply
}

// request is the id a reply answers: req=N, or the last request of one
// of kinds sent to stream.
func (h *machineHarness) request(t *testing.T, d *datadriven.TestData, stream string, kinds ...string) wire.RequestID {
	if d.HasArg("req") {
		var sequence uint64
		d.ScanArgs(t, "req", &sequence)
		return wire.RequestID{Origin: h.requests.Origin, Sequence: sequence}
	}
	best, order := wire.RequestID{}, -1
	for _, kind := range kinds {
		key := h.current + "/" + stream + "/" + kind
		if request, ok := h.sent[key]; ok && h.sendOrder[key] > order {
			best, order = request, h.sendOrder[key]
		}
	}
	if order < 0 {
		t.Fatalf("no %s request was sent to %s", strings.Join(kinds, " or "), stream)
	}
	return best
}

// print renders a Ready, the outcome if it changed, and the wake-up.
func (h *machineHarness) print(ready coordinator.Ready) string {
	var b strings.Builder
	for _, out := range ready.Messages {
		b.WriteString(h.printMessage(out))
	}
	for _, result := range ready.Results {
		switch {
		case result.Err != nil:
			fmt.Fprintf(&b, "op %d: %v\n", result.Operation, result.Err)
		default:
			fmt.Fprintf(&b, "op %d: done %q\n", result.Operation, result.Result)
		}
	}
	m, ok := h.machines[h.current]
	if !ok {
		return b.String()
	}
	if txn, isTxn := m.(*coordinator.TxnMachine); isTxn {
		outcome := txn.Outcome()
		if previous := h.outcomes[h.current]; previous.Status != outcome.Status {
			h.outcomes[h.current] = outcome
			switch {
			case outcome.Status == coordinator.StatusCommitted && outcome.CommitTimestamp.IsZero():
				b.WriteString("outcome: committed\n")
			case outcome.Status == coordinator.StatusCommitted:
				fmt.Fprintf(&b, "outcome: committed ts=%s\n", stamp(outcome.CommitTimestamp))
			default:
				fmt.Fprintf(&b, "outcome: %v: %v\n", outcome.Status, outcome.Err)
			}
		}
	}
	if !m.Quiet() {
		fmt.Fprintf(&b, "wake %v\n", time.Duration(m.WakeNanos()))
	}
	if b.Len() == 0 {
		return "ok"
	}
	return b.String()
}

func (h *machineHarness) printMessage(out coordinator.Outbound) string {
	h.sends++
	switch message := out.Message.(type) {
	case wire.MsgAppend:
		entry, err := wire.DecodeEntry(message.Payload)
		if err != nil {
			return fmt.Sprintf("-> log MsgAppend stream=%s undecodable entry: %v\n", message.Stream, err)
		}
		key := h.current + "/" + message.Stream + "/" + entry.Kind.String()
		h.sent[key], h.sendOrder[key] = message.Request, h.sends
		return fmt.Sprintf("-> %s MsgAppend stream=%s %s\n", h.address(out.To), message.Stream,
			describeEntry(entry, message))
	case wire.MsgSnapshotRead:
		key := h.current + "/" + message.Stream + "/read"
		h.sent[key], h.sendOrder[key] = message.Request, h.sends
		return fmt.Sprintf("-> %s MsgSnapshotRead stream=%s snapshot=%s req=%d op=(%s)\n", h.address(out.To),
			message.Stream, stamp(message.Snapshot), message.Request.Sequence, message.Operation)
	}
	return fmt.Sprintf("-> %s %T\n", h.address(out.To), out.Message)
}

func describeEntry(entry wire.Entry, message wire.MsgAppend) string {
	var b strings.Builder
	fmt.Fprintf(&b, "entry=%s txn=%s req=%d", entry.Kind, stamp(entry.Txn), message.Request.Sequence)
	if entry.Sequence != 0 {
		fmt.Fprintf(&b, " seq=%d", entry.Sequence)
	}
	if entry.Operation != nil {
		fmt.Fprintf(&b, " op=(%s)", entry.Operation)
	}
	if len(entry.Participants) > 0 {
		parts := make([]string, len(entry.Participants))
		for i, p := range entry.Participants {
			parts[i] = fmt.Sprintf("%s@%d", p.Stream, p.StartPosition)
		}
		fmt.Fprintf(&b, " participants=%s", strings.Join(parts, ","))
	}
	if !entry.CommitTimestamp.IsZero() {
		fmt.Fprintf(&b, " ts=%s", stamp(entry.CommitTimestamp))
	}
	if entry.ReplyTo != message.ReplyTo || message.Request != entry.Request {
		fmt.Fprintf(&b, " MISMATCHED-ENVELOPE")
	}
	if !message.Unacknowledged {
		b.WriteString(" acknowledged")
	}
	return b.String()
}

func (h *machineHarness) address(a wire.Address) string {
	switch {
	case a == harnessLog:
		return "log"
	case a >= 100 && int(a-100) < len(h.processors):
		return "proc(" + h.processors[a-100] + ")"
	}
	return fmt.Sprintf("addr(%d)", a)
}

// stamp prints a timestamp as its wall time, with +L for a logical part.
func stamp(t clock.Timestamp) string {
	if t.Logical != 0 {
		return fmt.Sprintf("%v+%d", time.Duration(t.WallNanos), t.Logical)
	}
	return time.Duration(t.WallNanos).String()
}

func durationArg(t *testing.T, d *datadriven.TestData, key string) time.Duration {
	var text string
	d.ScanArgs(t, key, &text)
	duration, err := time.ParseDuration(text)
	if err != nil {
		t.Fatalf("%s=%s: %v", key, text, err)
	}
	return duration
}

func stampArg(t *testing.T, d *datadriven.TestData, key string) clock.Timestamp {
	return clock.Timestamp{WallNanos: int64(durationArg(t, d, key)), Node: 2}
}

func operationArg(d *datadriven.TestData) []byte {
	for _, arg := range d.CmdArgs {
		if arg.Key == "op" {
			return []byte(strings.Join(arg.Vals, ","))
		}
	}
	return nil
}

// TestTxnMachineAssertsItsContract: inputs the contract rules out are
// programmer errors in the host, and panic naming the broken rule.
func TestTxnMachineAssertsItsContract(t *testing.T) {
	for _, misuse := range []struct {
		name  string
		input func(m *coordinator.TxnMachine)
	}{
		{"commit with an operation in flight", func(m *coordinator.TxnMachine) {
			m.Execute(0, "a", []byte("op"))
			m.Commit(0)
		}},
		{"execute after commit", func(m *coordinator.TxnMachine) {
			m.Commit(0)
			m.Execute(0, "a", []byte("op"))
		}},
		{"abort after rollback", func(m *coordinator.TxnMachine) {
			m.Abort(0, errors.New("rolled back"))
			m.Abort(0, errors.New("rolled back"))
		}},
		{"auto-commit after an operation", func(m *coordinator.TxnMachine) {
			m.Execute(0, "a", []byte("op"))
			m.AutoCommit(0, "a", []byte("op"))
		}},
		{"abort without a reason", func(m *coordinator.TxnMachine) {
			m.Abort(0, nil)
		}},
		{"a config without a retry interval", func(m *coordinator.TxnMachine) {
			config := coordinator.MachineConfig{ReadTimeout: time.Second, Requests: &coordinator.Requests{},
				Processor: func(string) wire.Address { return 0 }}
			coordinator.NewTxnMachine(&config, m.ID(), m.DeadlineNanos())
		}},
	} {
		t.Run(misuse.name, func(t *testing.T) {
			h := newMachineHarness()
			m := coordinator.NewTxnMachine(&h.config, clock.Timestamp{WallNanos: 1, Node: 1}, int64(time.Second))
			defer func() {
				if _, ok := recover().(*assert.Violation); !ok {
					t.Fatal("no invariant violation")
				}
			}()
			misuse.input(m)
		})
	}
}
