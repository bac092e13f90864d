package mvcc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/binenc"
)

// sampleStore has versions, a tombstone, an Active and a Prepared
// transaction and a raised watermark: every part of the format.
func sampleStore(t testing.TB) *Store {
	s := New(Options{})
	at := func(wall int64) clock.Timestamp { return clock.Timestamp{WallNanos: wall, Node: 1} }
	steps := []error{
		s.Put(at(1), []byte("alpha"), []byte("one")),
		s.Put(at(1), []byte("beta"), []byte{}),
		s.Commit(at(1), at(10)),
		s.Delete(at(2), []byte("alpha")),
		s.Commit(at(2), at(20)),
		s.Put(at(3), []byte("gamma"), []byte("three")),
		s.Prepare(at(3), at(25)),
		s.Put(at(4), []byte("alpha"), []byte("four")),
		s.Delete(at(4), []byte("delta")),
	}
	for index, err := range steps {
		if err != nil {
			t.Fatalf("sample step %d: %v", index, err)
		}
	}
	s.GC(at(15))
	return s
}

// withChecksum replaces the last four bytes of data with the checksum of
// the rest, so that corruptions reach the parser.
func withChecksum(data []byte) []byte {
	if len(data) < checkpointChecksumLen {
		return data
	}
	out := bytes.Clone(data)
	body := out[:len(out)-checkpointChecksumLen]
	binary.BigEndian.PutUint32(out[len(body):], crc32.Checksum(body, castagnoli))
	return out
}

func TestCheckpointRoundTrip(t *testing.T) {
	data := sampleStore(t).Checkpoint()
	if again := sampleStore(t).Checkpoint(); !bytes.Equal(data, again) {
		t.Fatalf("the same state gave different checkpoints")
	}
	restored, err := Restore(data, Options{BTreeDegree: 2})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !bytes.Equal(restored.Checkpoint(), data) {
		t.Fatalf("restored store checkpoints to different bytes")
	}
	if restored.Stats() != sampleStore(t).Stats() {
		t.Fatalf("stats %+v, want %+v", restored.Stats(), sampleStore(t).Stats())
	}
}

func TestRestoreRejectsCorruption(t *testing.T) {
	valid := sampleStore(t).Checkpoint()
	flip := func(offset int) []byte {
		out := bytes.Clone(valid)
		out[offset] ^= 0x40
		return out
	}
	cases := map[string][]byte{
		"empty":           nil,
		"truncated":       valid[:len(valid)-1],
		"flipped byte":    flip(len(valid) / 2),
		"bad magic":       withChecksum(flip(0)),
		"bad format":      withChecksum(flip(7)),
		"trailing byte":   withChecksum(append(bytes.Clone(valid), 0)),
		"huge count":      withChecksum(flip(checkpointHeaderLen)),
		"flipped payload": withChecksum(flip(len(valid) / 2)),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Restore(data, Options{}); !errors.Is(err, ErrCorruptCheckpoint) {
				t.Fatalf("Restore: %v, want ErrCorruptCheckpoint", err)
			}
		})
	}
}

// FuzzRestore: arbitrary bytes never panic, and whatever Restore accepts
// checkpoints back to the very same bytes (the encoding is canonical).
func FuzzRestore(f *testing.F) {
	valid := sampleStore(f).Checkpoint()
	f.Add(valid)
	f.Add(New(Options{}).Checkpoint())
	for _, length := range []int{0, 1, 4, checkpointHeaderLen, checkpointHeaderLen + 8, len(valid) / 2, len(valid) - 1} {
		f.Add(valid[:length])
		f.Add(withChecksum(valid[:length]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, input := range [][]byte{data, withChecksum(data)} {
			s, err := Restore(input, Options{})
			if err != nil {
				if !errors.Is(err, ErrCorruptCheckpoint) {
					t.Fatalf("Restore error %v does not wrap ErrCorruptCheckpoint", err)
				}
				continue
			}
			if again := s.Checkpoint(); !bytes.Equal(again, input) {
				t.Fatalf("accepted input does not round-trip")
			}
		}
	})
}

// TestCheckpointLen checks that the checkpoint buffer is sized exactly:
// CheckpointLen matches the encoding's length with versions, history,
// tombstones, active and prepared intents.
func TestCheckpointLen(t *testing.T) {
	s := New(Options{})
	ts := func(wall int64) clock.Timestamp { return clock.Timestamp{WallNanos: wall, Node: 1} }
	write := func(txn TxnID, key, value string, commit clock.Timestamp) {
		if err := s.Put(txn, []byte(key), []byte(value)); err != nil {
			t.Fatal(err)
		}
		if !commit.IsZero() {
			if err := s.Commit(txn, commit); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(ts(1), "a", "first", ts(2))
	write(ts(3), "a", "second value", ts(4))
	write(ts(5), "b", "", ts(6))
	if err := s.Delete(ts(7), []byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ts(7), ts(8)); err != nil {
		t.Fatal(err)
	}
	write(ts(9), "c", "intent", clock.Timestamp{})
	write(ts(10), "d", "prepared", clock.Timestamp{})
	if err := s.Delete(ts(10), []byte("e")); err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(ts(10), ts(11)); err != nil {
		t.Fatal(err)
	}
	data := s.Checkpoint()
	if got, want := s.CheckpointLen(), len(data); got != want {
		t.Fatalf("CheckpointLen = %d, checkpoint is %d bytes", got, want)
	}
	if cap(data) != len(data) {
		t.Fatalf("checkpoint capacity %d, length %d: the buffer grew or was oversized", cap(data), len(data))
	}
	prefix := []byte("prefix")
	appended := s.AppendCheckpoint(append(make([]byte, 0, len(prefix)+len(data)), prefix...))
	if !bytes.Equal(appended, append(prefix, data...)) {
		t.Fatalf("AppendCheckpoint after a prefix is not the prefix and Checkpoint's bytes")
	}
	if cap(appended) != len(prefix)+len(data) {
		t.Fatalf("AppendCheckpoint grew its buffer: capacity %d, want %d", cap(appended), len(prefix)+len(data))
	}
}

// TestFrozenCheckpointInChunks freezes a store larger than many chunks,
// rewrites every key and collects the old versions, then writes the
// frozen checkpoint: the bytes Checkpoint gave when it was frozen.
func TestFrozenCheckpointInChunks(t *testing.T) {
	s := New(Options{})
	ts := func(wall int64) clock.Timestamp { return clock.Timestamp{WallNanos: wall, Node: 1} }
	value := bytes.Repeat([]byte("v"), 100)
	write := func(round int64) {
		for i := range 5000 {
			txn := ts(round*100_000 + int64(2*i+1))
			if err := s.Put(txn, fmt.Appendf(nil, "key:%05d", i), value); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(txn, txn.Next()); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(1)
	frozen, want := s.FreezeCheckpoint(), s.Checkpoint()
	if len(want) < 5*binenc.StreamChunkLen {
		t.Fatalf("checkpoint of %d bytes spans fewer than five chunks", len(want))
	}
	write(2)
	s.GC(ts(3 * 100_000))
	var out bytes.Buffer
	n, err := frozen.WriteTo(&out)
	if err != nil || n != int64(len(want)) || frozen.Len() != len(want) || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("frozen checkpoint: %d bytes (Len %d, %v), equal %t; Checkpoint gave %d", n, frozen.Len(), err,
			bytes.Equal(out.Bytes(), want), len(want))
	}
	if bytes.Equal(s.Checkpoint(), want) {
		t.Fatal("the store did not change after the freeze: the test shows nothing")
	}
}
