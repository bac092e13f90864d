package mvcc

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/binenc"
	"pgregory.net/rapid"
)

// TestParticipantAgainstModel runs random lifecycle calls, valid and not,
// against a Participant and a model of each transaction's stage. A call
// the contract allows must do what the model does; any other must panic
// with a broken invariant and change nothing (the checkpoints before and
// after are equal). After each call the participant, the store and the
// model agree, and a checkpoint restores to the same bytes.
func TestParticipantAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &participantMachine{live: map[int64]*liveModel{}, newest: map[int64]int64{}}
		m.restore(New(Options{}), nil)
		for range rapid.IntRange(1, 60).Draw(t, "calls") {
			m.step(t)
			m.check(t)
		}
	})
}

// liveModel is the model of one live transaction.
type liveModel struct {
	prepareWall int64 // 0 while Active
	wrote       bool
}

type participantMachine struct {
	store       *Store
	participant *Participant[machineRecord, *machineRecord]
	live        map[int64]*liveModel // by id wall time
	lastCommit  int64
	// newest is the commit timestamp of each key's newest version; a
	// transaction with id n writes key n.
	newest   map[int64]int64
	released []int64 // the Release steps run, in order
}

type machineRecord struct{ Lifecycle }

func (m *participantMachine) restore(store *Store, participantBytes []byte) error {
	m.store = store
	m.participant = NewParticipant("model", store, Steps[*machineRecord]{
		Release: func(t *machineRecord) { m.released = append(m.released, t.ID().WallNanos) },
	})
	if participantBytes == nil {
		return nil
	}
	reader := binenc.NewReader(participantBytes, ErrCorruptCheckpoint)
	return m.participant.RestoreCheckpoint(&reader, 0, func(*binenc.Reader, *machineRecord) error { return nil })
}

func (m *participantMachine) checkpoint() []byte {
	out := m.store.Checkpoint()
	return m.participant.AppendCheckpoint(out, func(out []byte, _ *machineRecord) []byte { return out })
}

func txnOf(wall int64) TxnID { return TxnID{WallNanos: wall, Node: 1} }

func (m *participantMachine) step(t *rapid.T) {
	wall := rapid.Int64Range(1, 5).Draw(t, "txn")
	txn, known := m.live[wall]
	stamp := rapid.Int64Range(0, m.lastCommit+4).Draw(t, "timestamp")
	switch rapid.IntRange(0, 5).Draw(t, "call") {
	case 0:
		m.expect(t, !known || txn.prepareWall == 0, func() {
			m.participant.Begin(txnOf(wall))
			if !known {
				m.live[wall] = &liveModel{}
			}
		})
	case 1:
		m.expect(t, !known || txn.prepareWall == 0, func() {
			m.participant.Begin(txnOf(wall))
			if err := m.store.Put(txnOf(wall), []byte{byte(wall)}, []byte("v")); err != nil {
				t.Fatalf("put of an active transaction: %v", err)
			}
			if !known {
				txn = &liveModel{}
				m.live[wall] = txn
			}
			txn.wrote = true
		})
	case 2:
		valid := known && txn.prepareWall == 0 && stamp > m.lastCommit
		m.expect(t, valid, func() {
			m.participant.Prepare(txnOf(wall), clock.Timestamp{WallNanos: stamp})
			txn.prepareWall = stamp
		})
	case 3:
		// Two commits may share a timestamp, but not two versions of a key.
		valid := known && stamp > 0 && stamp >= m.lastCommit && stamp >= txn.prepareWall && (!txn.wrote || stamp > m.newest[wall])
		m.expect(t, valid, func() {
			m.participant.Commit(txnOf(wall), clock.Timestamp{WallNanos: stamp})
			m.finish(t, wall)
			m.lastCommit = stamp
			if txn.wrote {
				m.newest[wall] = stamp
			}
		})
	case 4:
		m.participant.Abort(txnOf(wall))
		if known {
			m.finish(t, wall)
		}
	case 5:
		before := m.checkpoint()
		storeBytes := m.store.Checkpoint()
		store, err := Restore(storeBytes, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.restore(store, before[len(storeBytes):]); err != nil {
			t.Fatalf("restore: %v", err)
		}
		if after := m.checkpoint(); !bytes.Equal(before, after) {
			t.Fatal("restored participant checkpoints to different bytes")
		}
		m.participant.RestoreLastCommitTimestamp(clock.Timestamp{WallNanos: m.lastCommit})
	}
}

func (m *participantMachine) finish(t *rapid.T, wall int64) {
	if last := len(m.released) - 1; last < 0 || m.released[last] != wall {
		t.Fatalf("release step of txn %d not run, released %v", wall, m.released)
	}
	delete(m.live, wall)
}

// expect runs call, which must succeed when valid and otherwise break an
// invariant without changing anything.
func (m *participantMachine) expect(t *rapid.T, valid bool, call func()) {
	if valid {
		call()
		return
	}
	before := m.checkpoint()
	defer func() {
		var violation *assert.Violation
		if err, ok := recover().(error); !ok || !errors.As(err, &violation) {
			t.Fatalf("an invalid call did not break an invariant")
		}
		if !bytes.Equal(before, m.checkpoint()) {
			t.Fatalf("a call that broke an invariant changed the state: %v", violation)
		}
	}()
	call()
}

func (m *participantMachine) check(t *rapid.T) {
	want := slices.Sorted(maps.Keys(m.live))
	var got []int64
	wrote := 0
	for _, id := range m.participant.IDs() {
		got = append(got, id.WallNanos)
		record, model := m.participant.Lookup(id), m.live[id.WallNanos]
		if model == nil {
			continue
		}
		if record.Prepared() != (model.prepareWall != 0) || record.PrepareTimestamp().WallNanos != model.prepareWall {
			t.Fatalf("txn %v: prepared %v at %v, model at %d", id, record.Prepared(), record.PrepareTimestamp(), model.prepareWall)
		}
		if m.participant.HoldsIntents(id) != model.wrote {
			t.Fatalf("txn %v: holds intents %v, model %v", id, m.participant.HoldsIntents(id), model.wrote)
		}
		if model.wrote {
			wrote++
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("live %v, model %v", got, want)
	}
	if stats := m.store.Stats(); stats.Transactions != wrote {
		t.Fatalf("the store holds intents of %d transactions, model %d", stats.Transactions, wrote)
	}
	if got := m.participant.LastCommitTimestamp().WallNanos; got != m.lastCommit {
		t.Fatalf("last commit %d, model %d", got, m.lastCommit)
	}
}
