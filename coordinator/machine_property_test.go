package coordinator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// propertyDeadline is D of the transactions the properties drive.
const propertyDeadline = int64(time.Second)

// sentRequest is a request a machine sent, as the property's model of the
// network remembers it.
type sentRequest struct {
	request  wire.RequestID
	stream   string
	entry    wire.Entry
	answered bool
}

// txnModel drives one TxnMachine with random inputs in a random order
// (operations, replies of every kind in any order, duplicated, late,
// ticks, cancels) and checks what must hold whatever happens.
type txnModel struct {
	t        *rapid.T
	m        *coordinator.TxnMachine
	now      int64
	sent     []sentRequest
	handles  int
	ended    map[int]bool
	inFlight int
	// started is set once Commit or Abort was called.
	started bool
	// votes are the first vote delivered per prepare request.
	votes map[wire.RequestID]wire.MsgVote
	// acknowledgedInTime is set once a Commit append was acknowledged at
	// or before the deadline; committedOnePhase once a one-phase commit
	// was answered committed.
	acknowledgedInTime bool
	committedOnePhase  bool
	decided            coordinator.Outcome
	// predicted and used count, per stream, the operations predicted at
	// begin and those the client executed; mispredicted is set when a
	// client operation differed from its prediction.
	predicted, used map[string]int
	mispredicted    bool
	predictions     map[string][]string
}

func TestTxnMachineProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		requests := coordinator.Requests{Origin: 3}
		config := coordinator.MachineConfig{Self: 7, Log: 1, RetryInterval: 50 * time.Millisecond,
			ReadTimeout: time.Second, Requests: &requests,
			Processor: func(string) wire.Address { return 100 }}
		id := clock.Timestamp{WallNanos: 1, Node: 1}
		model := &txnModel{t: t, m: coordinator.NewTxnMachine(&config, id, propertyDeadline),
			ended: map[int]bool{}, votes: map[wire.RequestID]wire.MsgVote{}, predicted: map[string]int{},
			used: map[string]int{}, predictions: map[string][]string{}}
		model.predict()
		steps := rapid.IntRange(1, 80).Draw(t, "steps")
		for range steps {
			model.now += rapid.Int64Range(0, int64(20*time.Millisecond)).Draw(t, "advance")
			model.step()
		}
		model.settle()
	})
}

// step gives the machine one random input it accepts.
func (model *txnModel) step() {
	t, m := model.t, model.m
	active := m.Outcome().Status == coordinator.StatusActive && !model.started
	switch action := rapid.IntRange(0, 5).Draw(t, "action"); {
	case action == 0 && active:
		stream := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "stream")
		if model.used[stream] < model.predicted[stream] && model.predictions[stream][model.used[stream]] != "op" {
			model.mispredicted = true
		}
		model.used[stream]++
		handle, ready := m.Execute(model.now, stream, []byte("op"))
		if handle != model.handles {
			t.Fatalf("handle %d, want %d", handle, model.handles)
		}
		model.handles++
		model.inFlight++
		model.check(ready)
	case action == 1 && active && model.inFlight == 0:
		model.started = true
		model.check(m.Commit(model.now))
	case action == 2 && active && model.inFlight == 0:
		model.started = true
		model.check(m.Abort(model.now, errors.New("rolled back")))
	case action == 3 && rapid.IntRange(0, 9).Draw(t, "cancel") == 0:
		model.check(m.Cancel(model.now, errors.New("cancelled")))
	case action == 4:
		model.tick()
	default:
		if sent, ok := model.drawRequest(); ok {
			model.check(m.Step(model.now, model.answer(sent)))
		}
	}
}

// predict sends, half the time, a few predicted operations at begin: the
// client's operations (always "op") match them or not.
func (model *txnModel) predict() {
	t := model.t
	if rapid.Bool().Draw(t, "speculate") {
		return
	}
	var predicted []coordinator.PredictedOperation
	for range rapid.IntRange(1, 4).Draw(t, "predictions") {
		stream := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "predicted stream")
		operation := rapid.SampledFrom([]string{"op", "op", "op", "other"}).Draw(t, "predicted operation")
		predicted = append(predicted, coordinator.PredictedOperation{Stream: stream, Operation: []byte(operation)})
		model.predicted[stream]++
		model.predictions[stream] = append(model.predictions[stream], operation)
	}
	ready := model.m.Predict(model.now, predicted)
	if len(ready.Results) != 0 || !model.m.Quiet() {
		t.Fatalf("Predict ended %d operations; quiet %t", len(ready.Results), model.m.Quiet())
	}
	model.check(ready)
}

func (model *txnModel) tick() {
	model.check(model.m.Tick(model.now))
	if !model.m.Quiet() && model.m.WakeNanos() <= model.now {
		model.t.Fatalf("after a tick at %d the machine wants one at %d", model.now, model.m.WakeNanos())
	}
}

// drawRequest picks the request to answer: mostly one not answered yet
// (the oldest, or any), sometimes any (a duplicate, a late answer).
func (model *txnModel) drawRequest() (sentRequest, bool) {
	if len(model.sent) == 0 {
		return sentRequest{}, false
	}
	var unanswered []int
	for i := range model.sent {
		if !model.sent[i].answered {
			unanswered = append(unanswered, i)
		}
	}
	switch choice := rapid.IntRange(0, 5).Draw(model.t, "duplicate"); {
	case len(unanswered) > 0 && choice <= 2:
		model.sent[unanswered[0]].answered = true
		return model.sent[unanswered[0]], true
	case len(unanswered) > 0 && choice <= 4:
		i := rapid.SampledFrom(unanswered).Draw(model.t, "unanswered")
		model.sent[i].answered = true
		return model.sent[i], true
	}
	return rapid.SampledFrom(model.sent).Draw(model.t, "answered"), true
}

// answer draws a participant's reply to a request.
func (model *txnModel) answer(sent sentRequest) any {
	t := model.t
	position := rapid.Uint64Range(1, 20).Draw(t, "position")
	wall := propertyDeadline + rapid.Int64Range(-int64(100*time.Millisecond), int64(100*time.Millisecond)).Draw(t, "timestamp")
	stamp := clock.Timestamp{WallNanos: wall, Node: 2}
	switch sent.entry.Kind {
	case wire.EntryOperation:
		reply := wire.MsgOperationReply{Request: sent.request, Stream: sent.stream, Status: engines.StatusDone,
			Position: position}
		if code := rapid.SampledFrom([]engines.ErrorCode{"", "", "", "", "", engines.CodeInvalid, engines.CodeAborted,
			engines.CodeDeadline}).Draw(t, "code"); code != "" {
			reply.Status, reply.Code, reply.Error = engines.StatusFailed, code, "no"
		}
		return reply
	case wire.EntryPrepare:
		vote := wire.MsgVote{Request: sent.request, Stream: sent.stream, Prepared: rapid.IntRange(0, 9).Draw(t, "no") != 0,
			PrepareTimestamp: stamp}
		if !vote.Prepared {
			vote.Code, vote.Reason = engines.CodeAborted, "conflict"
		}
		if _, seen := model.votes[sent.request]; !seen {
			model.votes[sent.request] = vote
		}
		return vote
	case wire.EntryCommit:
		if stamp.WallNanos <= propertyDeadline && model.m.Outcome().Status == coordinator.StatusActive {
			model.acknowledgedInTime = true
		}
		return wire.MsgAppendReply{Request: sent.request, Stream: sent.stream, Position: position, Timestamp: stamp}
	}
	committed := sent.entry.Kind == wire.EntryOnePhase && rapid.Bool().Draw(t, "committed")
	if committed && model.m.Outcome().Status == coordinator.StatusActive {
		model.committedOnePhase = true
	}
	outcome := wire.MsgOutcome{Request: sent.request, Stream: sent.stream, Committed: committed, CommitTimestamp: stamp}
	if !committed {
		outcome.Code, outcome.Reason = engines.CodeAborted, "aborted"
	}
	return outcome
}

// check verifies one Ready and the outcome after it.
func (model *txnModel) check(ready coordinator.Ready) {
	t := model.t
	for _, result := range ready.Results {
		if result.Operation < 0 || result.Operation >= model.handles || model.ended[result.Operation] {
			t.Fatalf("result for operation %d (handles %d, ended %v)", result.Operation, model.handles, model.ended)
		}
		model.ended[result.Operation] = true
		model.inFlight--
	}
	for _, out := range ready.Messages {
		model.sentMessage(out)
	}
	outcome := model.m.Outcome()
	if model.decided.Status != coordinator.StatusActive && (outcome.Status != model.decided.Status || outcome.Err != model.decided.Err) {
		t.Fatalf("outcome changed from %v (%v) to %v (%v)", model.decided.Status, model.decided.Err, outcome.Status, outcome.Err)
	}
	model.decided = outcome
	if outcome.Status == coordinator.StatusCommitted && model.handles > 0 && !model.acknowledgedInTime && !model.committedOnePhase {
		t.Fatalf("committed without a Commit acknowledged by the deadline or a one-phase commit")
	}
	if outcome.Status != coordinator.StatusActive && model.inFlight != 0 {
		t.Fatalf("decided %v with %d operations unanswered", outcome.Status, model.inFlight)
	}
	if outcome.Status == coordinator.StatusCommitted && model.mispredicted {
		t.Fatalf("committed although a client operation differed from its prediction")
	}
}

func (model *txnModel) sentMessage(out coordinator.Outbound) {
	t := model.t
	message, ok := out.Message.(wire.MsgAppend)
	if !ok || out.To != 1 {
		t.Fatalf("sent %T to %d, want MsgAppend to the log", out.Message, out.To)
	}
	entry, err := wire.DecodeEntry(message.Payload)
	if err != nil {
		t.Fatalf("entry: %v", err)
	}
	if entry.Request != message.Request || entry.Txn != model.m.ID() || entry.DeadlineNanos != propertyDeadline {
		t.Fatalf("entry %+v in append %+v", entry, message)
	}
	if message.Unacknowledged != (entry.Kind != wire.EntryCommit) {
		t.Fatalf("%v append with Unacknowledged %t", entry.Kind, message.Unacknowledged)
	}
	if entry.Kind == wire.EntryCommit {
		model.checkCommitTimestamp(entry.CommitTimestamp)
	}
	if claims := entry.Kind == wire.EntryPrepare || (entry.Kind == wire.EntryOnePhase && entry.Operation == nil); claims {
		want := uint32(0)
		if model.predicted[message.Stream] > 0 {
			want = uint32(model.used[message.Stream])
		}
		if entry.Sequence != want {
			t.Fatalf("%v to %s says %d operations used; the client used %d of %d predicted", entry.Kind, message.Stream,
				entry.Sequence, model.used[message.Stream], model.predicted[message.Stream])
		}
	}
	for _, sent := range model.sent {
		if sent.request == message.Request {
			return // a resend
		}
	}
	model.sent = append(model.sent, sentRequest{request: message.Request, stream: message.Stream, entry: entry})
}

// checkCommitTimestamp: Commit goes out only after every participant
// voted Prepared, at the largest prepare timestamp (rule 4).
func (model *txnModel) checkCommitTimestamp(commitTimestamp clock.Timestamp) {
	largest := clock.Timestamp{}
	for _, sent := range model.sent {
		if sent.entry.Kind != wire.EntryPrepare {
			continue
		}
		vote, voted := model.votes[sent.request]
		if !voted || !vote.Prepared {
			model.t.Fatalf("Commit sent, but %s voted %+v (voted: %t)", sent.stream, vote, voted)
		}
		largest = largest.Max(vote.PrepareTimestamp)
	}
	if commitTimestamp != largest {
		model.t.Fatalf("Commit at %v, want the largest prepare timestamp %v", commitTimestamp, largest)
	}
}

// settle lets time pass with no answers: the machine must end every
// exchange (patience bounds them all), and a transaction whose commit or
// abort began must be decided.
func (model *txnModel) settle() {
	patience := propertyDeadline + 4*int64(50*time.Millisecond)
	for !model.m.Quiet() {
		if model.now > patience {
			model.t.Fatalf("not quiet past patience with no answers (now %d, wake %d)", model.now, model.m.WakeNanos())
		}
		model.now = max(model.now, model.m.WakeNanos())
		model.tick()
	}
	if model.inFlight != 0 {
		model.t.Fatalf("quiet with %d operations unanswered", model.inFlight)
	}
	if model.started && model.m.Outcome().Status == coordinator.StatusActive {
		model.t.Fatalf("commit or abort began and the machine is quiet and undecided")
	}
}
