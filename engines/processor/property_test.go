package processor

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// generatedRun is one random history appended straight into stream s, with
// what the processor answered.
type generatedRun struct {
	log        []wire.LogEntry
	final      []byte // the processor's checkpoint after the whole log
	results    map[wire.RequestID]string
	operations map[engines.TxnID][]recordedOperation
	committed  []committedTxn
	status     Status
	// Coverage counters.
	wounds, deferrals int
	// config is the processor's configuration.
	config Config
}

type recordedOperation struct {
	request wire.RequestID
	text    string
}

type committedTxn struct {
	id    engines.TxnID
	stamp clock.Timestamp
}

// generate drives a processor with random transactions the way a
// coordinator would: one operation at a time per transaction (waiting for
// its answer), prepares answered by commits at the vote's timestamp,
// aborts, one-phase commits, ticks; then it finishes every transaction.
func generate(t *rapid.T) generatedRun { return generateWith(t, nil) }

// generateWith generates a run whose processor collects garbage with the
// given VersionRetention and CollectEvery, when collection is not nil;
// entries then advance the wall time by 10 each.
func generateWith(t *rapid.T, collection *[2]int) generatedRun {
	h := newHarness()
	if collection != nil {
		h.collection["s"], h.wallStep = *collection, 10
	}
	h.addProcessor("s", false)
	run := generatedRun{operations: map[engines.TxnID][]recordedOperation{}}
	type liveTxn struct {
		id       engines.TxnID
		sequence uint32
		waiting  wire.RequestID // an operation not answered yet
		prepared clock.Timestamp
	}
	var live []*liveTxn
	drop := func(id engines.TxnID) {
		live = slices.DeleteFunc(live, func(txn *liveTxn) bool { return txn.id == id })
	}
	// absorb reads the processor's answers: answered operations, and
	// transactions the processor aborted (wounded, refused).
	absorb := func() {
		for _, message := range h.messages {
			switch m := message.(type) {
			case wire.MsgOperationReply:
				for _, txn := range live {
					if txn.waiting == m.Request {
						txn.waiting = wire.RequestID{}
					}
				}
				if m.Status == engines.StatusFailed {
					drop(m.Txn) // the coordinator aborts on a refusal
				}
			case wire.MsgOutcome:
				if !m.Committed {
					drop(m.Txn)
				}
				if strings.Contains(m.Reason, "wounded") {
					run.wounds++
				}
			}
		}
		h.messages, h.replies = nil, nil
	}
	record := func(entry wire.Entry) {
		entry.ReplyTo = coordinatorAddress
		entry.Request = h.nextRequest()
		entry.DeadlineNanos = 1 << 40
		h.append("s", entry, 0)
	}
	finish := func(txn *liveTxn, commit bool) {
		drop(txn.id)
		switch {
		case !commit:
			record(wire.Entry{Kind: wire.EntryAbort, Txn: txn.id})
		case txn.prepared.IsZero():
			record(wire.Entry{Kind: wire.EntryOnePhase, Txn: txn.id})
		default:
			record(wire.Entry{Kind: wire.EntryCommit, Txn: txn.id, CommitTimestamp: txn.prepared})
		}
		absorb()
	}
	ready := func() []*liveTxn {
		var list []*liveTxn
		for _, txn := range live {
			if txn.waiting == (wire.RequestID{}) {
				list = append(list, txn)
			}
		}
		return list
	}
	nextTxn := int64(1)
	for range rapid.IntRange(1, 60).Draw(t, "steps") {
		action := rapid.IntRange(0, 9).Draw(t, "action")
		candidates := ready()
		switch {
		case action <= 1 || len(candidates) == 0:
			live = append(live, &liveTxn{id: txnID(nextTxn)})
			nextTxn++
		case action <= 5:
			txn := rapid.SampledFrom(candidates).Draw(t, "txn")
			if !txn.prepared.IsZero() {
				continue
			}
			key := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "key")
			text := "get " + key
			if rapid.Bool().Draw(t, "write") {
				text = fmt.Sprintf("put %s %d.%d", key, txn.id.WallNanos, txn.sequence+1)
			}
			txn.sequence++
			txn.waiting = wire.RequestID{Origin: uint64(coordinatorAddress), Sequence: h.requests + 1}
			run.operations[txn.id] = append(run.operations[txn.id], recordedOperation{request: txn.waiting, text: text})
			record(wire.Entry{Kind: wire.EntryOperation, Txn: txn.id, Sequence: txn.sequence, Operation: []byte(text)})
			if h.processors["s"].hasDeferred(txn.id) {
				run.deferrals++
			}
			absorb()
		case action == 6:
			txn := rapid.SampledFrom(candidates).Draw(t, "txn")
			if txn.prepared.IsZero() && txn.sequence > 0 {
				record(wire.Entry{Kind: wire.EntryPrepare, Txn: txn.id,
					Participants: []wire.Participant{{Stream: "s", StartPosition: 1}, {Stream: "t", StartPosition: 1}}})
				txn.prepared = h.processors["s"].txns[txn.id].prepareTimestamp
				absorb()
			}
		case action == 7:
			finish(rapid.SampledFrom(candidates).Draw(t, "txn"), true)
		case action == 8:
			finish(rapid.SampledFrom(candidates).Draw(t, "txn"), false)
		default:
			h.append("s", wire.Entry{Kind: wire.EntryTick}, 0)
			absorb()
		}
	}
	for len(live) > 0 {
		candidates := ready()
		if len(candidates) == 0 {
			t.Fatalf("deadlock: every live transaction waits: %d live", len(live))
		}
		finish(candidates[0], true)
	}
	h.append("s", wire.Entry{Kind: wire.EntryTick}, 0)
	p := h.processors["s"]
	run.log = slices.Clone(h.logs["s"])
	run.final = p.Checkpoint()
	run.status = p.Status()
	for _, id := range sortedKeys(p.txns) {
		if txn := p.txns[id]; txn.status == txnCommitted {
			run.committed = append(run.committed, committedTxn{id: id, stamp: txn.commitTimestamp})
		}
	}
	slices.SortFunc(run.committed, func(a, b committedTxn) int { return a.stamp.Compare(b.stamp) })
	run.results = replyResults(h, run.log)
	run.config = h.config("s")
	return run
}

// replyResults replays the log into a fresh processor and collects every
// operation reply by request id (the first answer to each request wins).
func replyResults(h *harness, log []wire.LogEntry) map[wire.RequestID]string {
	p := New(h.config("s"), newRegisterEngine())
	results := map[wire.RequestID]string{}
	ready := p.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: log})
	for _, m := range ready.Messages {
		if reply, ok := m.Message.(wire.MsgOperationReply); ok {
			if _, seen := results[reply.Request]; !seen {
				if reply.Status == engines.StatusDone {
					results[reply.Request] = "done " + string(reply.Result)
				} else {
					results[reply.Request] = "failed " + string(reply.Code)
				}
			}
		}
	}
	return results
}

// TestRandomHistoriesAreSerializableInCommitOrder checks every reply of
// every committed transaction, and the final state, against a serial
// execution of the committed transactions in commit-timestamp order; and
// that nothing is left waiting or locked once every transaction finished
// (no deadlock: every operation completed or its transaction aborted).
func TestRandomHistoriesAreSerializableInCommitOrder(t *testing.T) {
	var wounds, deferrals, checkedReads int
	defer func() {
		if !t.Failed() && (wounds == 0 || deferrals == 0 || checkedReads < 100) {
			t.Errorf("the generator is too tame: %d wounds, %d deferrals, %d reads checked", wounds, deferrals, checkedReads)
		}
		t.Logf("coverage: %d wounds, %d deferrals, %d reads of committed transactions checked", wounds, deferrals, checkedReads)
	}()
	rapid.Check(t, func(t *rapid.T) {
		run := generate(t)
		wounds += run.wounds
		deferrals += run.deferrals
		if run.status.Deferred != 0 || run.status.Active != 0 || run.status.Prepared != 0 || !run.status.Held.IsZero() {
			t.Fatalf("transactions left behind: %+v", run.status)
		}
		model := map[string]string{}
		for _, txn := range run.committed {
			for _, op := range run.operations[txn.id] {
				fields := strings.Fields(op.text)
				got, answered := run.results[op.request]
				if !answered {
					t.Fatalf("committed %v: %q never answered", txn.id, op.text)
				}
				switch fields[0] {
				case "get":
					want := "done " + model[fields[1]]
					if model[fields[1]] == "" {
						want = "done <none>"
					}
					if got != want {
						t.Fatalf("committed %v: %q answered %q, serial order says %q", txn.id, op.text, got, want)
					}
					checkedReads++
				case "put":
					if got != "done " {
						t.Fatalf("committed %v: %q answered %q", txn.id, op.text, got)
					}
					model[fields[1]] = fields[2]
				}
			}
		}
	})
}

// TestCrashAndReplayReachTheSameState crashes the processor after a random
// entry (keeping a checkpoint from a random earlier entry), recovers and
// replays: the final checkpoint is byte for byte the uninterrupted one.
// With garbage collection on (drawn), the replay collects at the same
// points too.
func TestCrashAndReplayReachTheSameState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var collection *[2]int
		if rapid.Bool().Draw(t, "collect") {
			collection = &[2]int{rapid.IntRange(1, 100).Draw(t, "retention"), rapid.IntRange(1, 6).Draw(t, "collectEvery")}
		}
		run := generateWith(t, collection)
		config := run.config
		p := New(config, newRegisterEngine())
		checkpointAt := rapid.IntRange(0, len(run.log)).Draw(t, "checkpointAt")
		crashAt := rapid.IntRange(checkpointAt, len(run.log)).Draw(t, "crashAt")
		var checkpoint []byte
		for i, entry := range run.log[:crashAt] {
			if i == checkpointAt {
				checkpoint = p.Checkpoint()
			}
			p.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{entry}})
		}
		if crashAt == checkpointAt {
			checkpoint = p.Checkpoint()
		}
		recovered, err := Recover(config, checkpoint, restoreRegister)
		if err != nil {
			t.Fatal(err)
		}
		from := recovered.AppliedPosition()
		recovered.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: run.log[from:]})
		if got := recovered.Checkpoint(); !bytes.Equal(got, run.final) {
			t.Fatalf("replay from position %d (crash after %d) differs from the uninterrupted run", from, crashAt)
		}
	})
}

func FuzzRecover(f *testing.F) {
	h := newHarness()
	p := New(h.config("s"), newRegisterEngine())
	p.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{{Position: 1,
		Timestamp: clock.Timestamp{WallNanos: 5}, Payload: wire.Entry{Kind: wire.EntryOperation, Txn: txnID(1),
			DeadlineNanos: 100, Sequence: 1, Operation: []byte("put a 1")}.Encode()}}})
	f.Add(p.Checkpoint())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Recover(h.config("s"), data, restoreRegister)
	})
}
