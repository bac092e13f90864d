package processor

import (
	"bytes"
	"cmp"
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
	wounds, deferrals, bursts, discards, early int
	// config is the processor's configuration.
	config Config
}

type recordedOperation struct {
	request  wire.RequestID
	text     string
	sequence uint32
}

type committedTxn struct {
	id    engines.TxnID
	stamp clock.Timestamp
}

// liveTxn is a transaction the generator has not finished.
type liveTxn struct {
	id       engines.TxnID
	sequence uint32
	waiting  []wire.RequestID // operations not answered yet
	prepared clock.Timestamp
	// burst is set once several operations were sent at once: its
	// prepare then says how many were used, as a speculating coordinator
	// does.
	burst bool
}

// generator drives a processor with random transactions the way a
// coordinator would: operations one at a time per transaction (waiting
// for the answer) or in a burst (several at once, appended in a random
// order, as speculation sends them), prepares answered by commits at the
// vote's timestamp (after a burst, saying how many operations were used:
// the rest are discarded), aborts, one-phase commits, ticks; then it
// finishes every transaction.
type generator struct {
	t    *rapid.T
	h    *harness
	run  generatedRun
	live []*liveTxn
}

func generate(t *rapid.T) generatedRun { return generateWith(t, nil) }

// generateWith generates a run whose processor collects garbage with the
// given VersionRetention and CollectEvery, when collection is not nil;
// entries then advance the wall time by 10 each.
func generateWith(t *rapid.T, collection *[2]int) generatedRun {
	g := &generator{t: t, h: newHarness(), run: generatedRun{operations: map[engines.TxnID][]recordedOperation{}}}
	if collection != nil {
		g.h.collection["s"], g.h.wallStep = *collection, 10
	}
	g.h.addProcessor("s", false)
	nextTxn := int64(1)
	for range rapid.IntRange(1, 60).Draw(t, "steps") {
		action := rapid.IntRange(0, 10).Draw(t, "action")
		candidates := g.ready()
		switch {
		case action <= 1 || len(candidates) == 0:
			g.live = append(g.live, &liveTxn{id: txnID(nextTxn)})
			nextTxn++
		case action <= 5:
			g.operate(rapid.SampledFrom(candidates).Draw(t, "txn"), 1)
		case action == 6:
			g.operate(rapid.SampledFrom(candidates).Draw(t, "txn"), rapid.IntRange(2, 4).Draw(t, "burst"))
		case action == 7:
			g.prepare(rapid.SampledFrom(g.live).Draw(t, "txn"))
		case action == 8:
			g.finish(rapid.SampledFrom(candidates).Draw(t, "txn"), rapid.Bool().Draw(t, "commit"))
		default:
			g.h.append("s", wire.Entry{Kind: wire.EntryTick}, 0)
			g.absorb()
		}
	}
	for len(g.live) > 0 {
		candidates := g.ready()
		if len(candidates) == 0 {
			t.Fatalf("deadlock: every live transaction waits: %d live", len(g.live))
		}
		g.finish(candidates[0], true)
	}
	g.h.append("s", wire.Entry{Kind: wire.EntryTick}, 0)
	return g.result()
}

func (g *generator) result() generatedRun {
	p := g.h.processors["s"]
	run := g.run
	run.log = slices.Clone(g.h.logs["s"])
	run.final = p.Checkpoint()
	run.status = p.Status()
	for _, id := range sortedKeys(p.txns) {
		if txn := p.txns[id]; txn.status == txnCommitted {
			run.committed = append(run.committed, committedTxn{id: id, stamp: txn.commitTimestamp})
		}
	}
	slices.SortFunc(run.committed, func(a, b committedTxn) int { return a.stamp.Compare(b.stamp) })
	for _, operations := range run.operations { //proven:allow map-order: each list is sorted on its own
		// A burst is appended in a random order, and runs in sequence order.
		slices.SortStableFunc(operations, func(a, b recordedOperation) int { return cmp.Compare(a.sequence, b.sequence) })
	}
	run.results = replyResults(g.h, run.log)
	run.config = g.h.config("s")
	return run
}

func (g *generator) drop(id engines.TxnID) {
	g.live = slices.DeleteFunc(g.live, func(txn *liveTxn) bool { return txn.id == id })
}

// absorb reads the processor's answers: answered operations, and
// transactions the processor aborted (wounded, refused).
func (g *generator) absorb() {
	for _, message := range g.h.messages {
		switch m := message.(type) {
		case wire.MsgOperationReply:
			for _, txn := range g.live {
				txn.waiting = slices.DeleteFunc(txn.waiting, func(r wire.RequestID) bool { return r == m.Request })
			}
			if m.Status == engines.StatusFailed {
				g.drop(m.Txn) // the coordinator aborts on a refusal
			}
		case wire.MsgOutcome:
			if !m.Committed {
				g.drop(m.Txn)
			}
			if strings.Contains(m.Reason, "wounded") {
				g.run.wounds++
			}
		}
	}
	g.h.messages, g.h.replies = nil, nil
}

func (g *generator) record(entry wire.Entry) wire.RequestID {
	entry.ReplyTo = coordinatorAddress
	entry.Request = g.h.nextRequest()
	entry.DeadlineNanos = 1 << 40
	g.h.append("s", entry, 0)
	return entry.Request
}

func (g *generator) ready() []*liveTxn {
	var list []*liveTxn
	for _, txn := range g.live {
		if len(txn.waiting) == 0 {
			list = append(list, txn)
		}
	}
	return list
}

// operate sends count operations of txn at once, appended in a random
// order.
func (g *generator) operate(txn *liveTxn, count int) {
	if !txn.prepared.IsZero() {
		return
	}
	entries := make([]wire.Entry, count)
	for i := range entries {
		key := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(g.t, "key")
		text := "get " + key
		if rapid.Bool().Draw(g.t, "write") {
			text = fmt.Sprintf("put %s %d.%d", key, txn.id.WallNanos, txn.sequence+1)
		}
		txn.sequence++
		entries[i] = wire.Entry{Kind: wire.EntryOperation, Txn: txn.id, Sequence: txn.sequence, Operation: []byte(text)}
	}
	if count > 1 {
		entries = rapid.Permutation(entries).Draw(g.t, "order")
		txn.burst = true
		g.run.bursts++
	}
	for _, entry := range entries {
		request := g.record(entry) // its answer is absorbed below
		txn.waiting = append(txn.waiting, request)
		g.run.operations[txn.id] = append(g.run.operations[txn.id],
			recordedOperation{request: request, text: string(entry.Operation), sequence: entry.Sequence})
		if g.h.processors["s"].hasDeferred(txn.id) {
			g.run.deferrals++
		}
		g.absorb()
	}
}

// prepare appends Prepare for txn; after a burst it says how many
// operations were used (the others are forgotten, as a coordinator
// forgets predictions it did not use).
func (g *generator) prepare(txn *liveTxn) {
	if !txn.prepared.IsZero() || txn.sequence == 0 {
		return
	}
	entry := wire.Entry{Kind: wire.EntryPrepare, Txn: txn.id,
		Participants: []wire.Participant{{Stream: "s", StartPosition: 1}, {Stream: "t", StartPosition: 1}}}
	if txn.burst {
		entry.Sequence = uint32(rapid.IntRange(1, int(txn.sequence)).Draw(g.t, "used"))
	} else if len(txn.waiting) > 0 {
		return
	}
	g.record(entry)
	if state := g.h.processors["s"].txns[txn.id]; txn.burst && state != nil && state.status == txnActive {
		// Prepared early (an operation used has not run, or waits): no
		// effect and no answer; a coordinator sends it again.
		g.run.early++
		g.absorb()
		return
	}
	if txn.burst {
		g.forgetAfter(txn, entry.Sequence)
	}
	if state := g.h.processors["s"].txns[txn.id]; state != nil && state.status == txnPrepared {
		txn.prepared = state.prepareTimestamp
	}
	g.absorb()
}

// forgetAfter drops txn's operations after used from what it waits for
// and from its recorded operations.
func (g *generator) forgetAfter(txn *liveTxn, used uint32) {
	kept := g.run.operations[txn.id][:0]
	for _, op := range g.run.operations[txn.id] {
		if op.sequence <= used {
			kept = append(kept, op)
			continue
		}
		g.run.discards++
		txn.waiting = slices.DeleteFunc(txn.waiting, func(r wire.RequestID) bool { return r == op.request })
	}
	g.run.operations[txn.id] = kept
}

func (g *generator) finish(txn *liveTxn, commit bool) {
	g.drop(txn.id)
	switch {
	case !commit:
		g.record(wire.Entry{Kind: wire.EntryAbort, Txn: txn.id})
	case txn.prepared.IsZero():
		entry := wire.Entry{Kind: wire.EntryOnePhase, Txn: txn.id}
		if txn.burst {
			entry.Sequence = txn.sequence
		}
		g.record(entry)
	default:
		g.record(wire.Entry{Kind: wire.EntryCommit, Txn: txn.id, CommitTimestamp: txn.prepared})
	}
	g.absorb()
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
	var wounds, deferrals, bursts, discards, early, checkedReads int
	defer func() {
		if !t.Failed() && (wounds == 0 || deferrals == 0 || bursts == 0 || discards == 0 || early == 0 ||
			checkedReads < 100) {
			t.Errorf("the generator is too tame: %d wounds, %d deferrals, %d bursts, %d discards, %d early prepares, %d reads checked",
				wounds, deferrals, bursts, discards, early, checkedReads)
		}
		t.Logf("coverage: %d wounds, %d deferrals, %d bursts, %d discarded operations, %d early prepares, "+
			"%d reads of committed transactions checked", wounds, deferrals, bursts, discards, early, checkedReads)
	}()
	rapid.Check(t, func(t *rapid.T) {
		run := generate(t)
		wounds += run.wounds
		deferrals += run.deferrals
		bursts += run.bursts
		discards += run.discards
		early += run.early
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

// A host that keeps a processor's chain of incremental checkpoints (the
// last full one, frozen and written as a host writes it, and the deltas
// after it; sometimes, as after a crash in the middle of writing a full
// one, the deltas of the chain before too) recovers, at any crash, a
// processor that replays the rest of the log to the uninterrupted state,
// byte for byte; every delta of the current chain is applied. A
// checkpoint comes every CheckpointEvery applied entries, except while
// the host holds them (HoldCheckpoints); the first entry applied after it
// lets go takes the one due.
func TestChainsOfDeltasRecoverTheSameState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		run := generate(t)
		h := newHarness()
		config := h.config("s")
		config.CheckpointEvery = rapid.IntRange(1, 4).Draw(t, "checkpointEvery")
		config.DeltasPerCheckpoint = rapid.IntRange(0, 4).Draw(t, "deltasPerCheckpoint")
		p := New(config, newRegisterEngine())
		crashAt := rapid.IntRange(0, len(run.log)).Draw(t, "crashAt")
		var full []byte
		var deltas [][]byte
		current := 0 // the deltas of the current chain, at the end of deltas
		since := 0   // entries applied since the last checkpoint
		for index, entry := range run.log[:crashAt] {
			held := rapid.IntRange(0, 3).Draw(t, "held") == 0
			p.HoldCheckpoints(held)
			ready := p.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: []wire.LogEntry{entry}})
			since++
			took, due := ready.Checkpoint != nil || ready.CheckpointDelta != nil, since >= config.CheckpointEvery && !held
			if took != due || (ready.Checkpoint != nil && ready.CheckpointDelta != nil) {
				t.Fatalf("entry %d (%d since the last checkpoint, held %t): full %t, delta %t", index, since, held,
					ready.Checkpoint != nil, ready.CheckpointDelta != nil)
			}
			if took {
				since = 0
			}
			switch {
			case ready.CheckpointDelta != nil:
				deltas = append(deltas, ready.CheckpointDelta)
				current++
			case ready.Checkpoint != nil:
				var out bytes.Buffer
				if _, err := ready.Checkpoint.WriteTo(&out); err != nil {
					t.Fatalf("writing the frozen checkpoint: %v", err)
				}
				full, current = out.Bytes(), 0
				if !rapid.Bool().Draw(t, "staleDeltasLeft") {
					deltas = nil
				}
			}
		}
		recovered, applied, err := RecoverChain(config, full, deltas, restoreRegister)
		if err != nil {
			t.Fatal(err)
		}
		if stale := len(deltas) - current; applied != len(deltas) && (stale == 0 || applied != 0) {
			t.Fatalf("applied %d of %d deltas (%d stale)", applied, len(deltas), stale)
		}
		from := recovered.AppliedPosition()
		recovered.Step(logAddress, wire.MsgEntries{Stream: "s", Entries: run.log[from:]})
		if got := recovered.Checkpoint(); !bytes.Equal(got, run.final) {
			t.Fatalf("replay from position %d (crash after %d, %d deltas) differs from the uninterrupted run", from,
				crashAt, applied)
		}
	})
}
