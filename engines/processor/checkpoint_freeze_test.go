package processor_test

import (
	"bytes"
	"testing"

	"github.com/proven2pc/proven/engines/processor"
	"pgregory.net/rapid"
)

// TestFrozenCheckpointMatchesCheckpoint: on random histories through a kv
// engine (which freezes its own state) and through an engine that does
// not (a copyingEngine), checkpoints frozen at random steps write, after
// every later step, the bytes Checkpoint returned when they were frozen,
// and name the position those bytes cover.
func TestFrozenCheckpointMatchesCheckpoint(t *testing.T) {
	spec := kvSpec()
	rapid.Check(t, func(t *rapid.T) {
		h := newHistory(spec)
		if rapid.Bool().Draw(t, "copyingEngine") {
			recovered, err := processor.Recover(memConfig(), h.log.processor.Checkpoint(), restoreCopying(spec.restore))
			if err != nil {
				t.Fatalf("recover: %v", err)
			}
			h.log.processor = recovered
		}
		type frozen struct {
			checkpoint *processor.FrozenCheckpoint
			want       []byte
		}
		var taken []frozen
		for range rapid.IntRange(1, 60).Draw(t, "steps") {
			if rapid.IntRange(0, 3).Draw(t, "freeze") == 0 {
				p := h.log.processor
				taken = append(taken, frozen{p.FreezeCheckpoint(), p.Checkpoint()})
			}
			h.step(t)
			for _, f := range taken {
				var out bytes.Buffer
				n, err := f.checkpoint.WriteTo(&out)
				if err != nil || n != int64(len(f.want)) || f.checkpoint.Len() != len(f.want) || !bytes.Equal(out.Bytes(), f.want) {
					t.Fatalf("frozen checkpoint wrote %d bytes (Len %d, %v), not the %d Checkpoint gave", n, f.checkpoint.Len(), err, len(f.want))
				}
				if position, err := processor.CheckpointPosition(f.want); err != nil || position != f.checkpoint.Position {
					t.Fatalf("frozen checkpoint says position %d, its bytes %d (%v)", f.checkpoint.Position, position, err)
				}
			}
		}
	})
}
