package mvcc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// checkpointChain is a full checkpoint and the deltas written after it.
type checkpointChain struct {
	full   []byte
	deltas [][]byte
}

// restore rebuilds a store from the chain: Restore, then ApplyDelta of
// each delta in order.
func (c checkpointChain) restore(opts Options) (*Store, error) {
	s, err := Restore(c.full, opts)
	for index := 0; err == nil && index < len(c.deltas); index++ {
		err = s.ApplyDelta(c.deltas[index])
	}
	return s, err
}

// startChain takes a full checkpoint and starts tracking changes.
func (m *storeMachine) startChain(t *rapid.T) {
	m.chain = checkpointChain{full: m.store.Checkpoint()}
	m.store.TrackChanges()
}

// delta takes a delta and checks that the chain restores the very state
// of the store (its checkpoint, byte for byte, and its counters); the
// restored store carries on, tracking changes.
func (m *storeMachine) delta(t *rapid.T) {
	if m.chain.full == nil {
		t.Skip("no chain started")
	}
	m.chain.deltas = append(m.chain.deltas, m.store.CheckpointDelta())
	degree := rapid.SampledFrom([]int{0, 2, 3, 32}).Draw(t, "restoreDegree")
	restored, err := m.chain.restore(Options{BTreeDegree: degree})
	if err != nil {
		t.Fatalf("restore of a chain of %d deltas: %v", len(m.chain.deltas), err)
	}
	if !bytes.Equal(restored.Checkpoint(), m.store.Checkpoint()) {
		t.Fatalf("a chain of %d deltas restores another state", len(m.chain.deltas))
	}
	if diff := cmp.Diff(restored.Stats(), m.store.Stats()); diff != "" {
		t.Fatalf("restored stats differ (-restored +original):\n%s", diff)
	}
	restored.TrackChanges()
	m.store = restored
}

// A delta holds only the keys that changed: after changing one key of
// many, it is much smaller than a full checkpoint.
func TestDeltaHoldsOnlyWhatChanged(t *testing.T) {
	s := New(Options{})
	at := func(wall int64) TxnID { return TxnID{WallNanos: wall, Node: 1} }
	for i := range 200 {
		key := []byte{byte('a' + i%26), byte(i)}
		if err := s.Put(at(1), key, bytes.Repeat([]byte{'v'}, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(at(1), at(10)); err != nil {
		t.Fatal(err)
	}
	full := s.Checkpoint()
	s.TrackChanges()
	if err := s.Put(at(2), []byte("z"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(at(2), at(20)); err != nil {
		t.Fatal(err)
	}
	delta := s.CheckpointDelta()
	if len(delta)*50 > len(full) {
		t.Fatalf("a delta of one key is %d bytes, the full checkpoint %d", len(delta), len(full))
	}
	if empty := s.CheckpointDelta(); len(empty) >= len(delta) {
		t.Fatalf("a delta of nothing is %d bytes, one of one key %d", len(empty), len(delta))
	}
}

// Corrupt deltas are errors wrapping ErrCorruptCheckpoint, never panics.
func TestApplyDeltaRejectsCorruption(t *testing.T) {
	base := sampleStore(t)
	full := base.Checkpoint()
	base.TrackChanges()
	base.GC(TxnID{WallNanos: 22, Node: 1})
	valid := base.CheckpointDelta()
	flip := func(offset int) []byte {
		out := bytes.Clone(valid)
		out[offset] ^= 0x40
		return out
	}
	cases := map[string][]byte{
		"empty":             nil,
		"truncated":         valid[:len(valid)-1],
		"flipped byte":      flip(len(valid) / 2),
		"bad magic":         withChecksum(flip(0)),
		"bad format":        withChecksum(flip(7)),
		"trailing byte":     withChecksum(append(bytes.Clone(valid), 0)),
		"a full checkpoint": full,
	}
	for name, data := range cases {
		restored, err := Restore(full, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := restored.ApplyDelta(data); !errors.Is(err, ErrCorruptCheckpoint) {
			t.Fatalf("%s: ApplyDelta: %v, want ErrCorruptCheckpoint", name, err)
		}
	}
}
