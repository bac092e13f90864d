package processor_test

import (
	"bytes"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"pgregory.net/rapid"
)

// copyingEngine hides its engine's AppendCheckpoint: a processor over it
// checkpoints the way it did before engines.CheckpointAppender, copying
// the engine's Checkpoint bytes into its own.
type copyingEngine struct{ engines.Engine }

// restoreCopying restores with restore and wraps the engine in a
// copyingEngine.
func restoreCopying(restore engines.Restorer) engines.Restorer {
	return func(checkpoint []byte) (engines.Engine, error) {
		engine, err := restore(checkpoint)
		if err != nil {
			return nil, err
		}
		return copyingEngine{engine}, nil
	}
}

// checkCheckpointInPlace checks that p's checkpoint (the engine's state
// appended in place) is byte for byte the checkpoint of the same state
// through a copy of the engine's bytes: the processor recovered from it
// over a copyingEngine checkpoints to the same bytes.
func checkCheckpointInPlace(t interface{ Fatalf(string, ...any) }, p *processor.Processor, restore engines.Restorer) {
	if _, ok := p.Engine().(engines.CheckpointAppender); !ok {
		t.Fatalf("engine %T does not append its checkpoint", p.Engine())
	}
	inPlace := p.Checkpoint()
	copying, err := processor.Recover(memConfig(), inPlace, restoreCopying(restore))
	if err != nil {
		t.Fatalf("recover the in-place checkpoint: %v", err)
	}
	if copied := copying.Checkpoint(); !bytes.Equal(copied, inPlace) {
		t.Fatalf("in-place checkpoint (%d bytes) differs from the copying one (%d bytes)", len(inPlace), len(copied))
	}
}

// TestCheckpointInPlaceMatchesCopy: on random histories through a kv
// engine, checked after every step (with transactions active, prepared,
// deferred and finished), the checkpoint is the same with the engine's
// state appended in place as through a copy.
func TestCheckpointInPlaceMatchesCopy(t *testing.T) {
	spec := kvSpec()
	rapid.Check(t, func(t *rapid.T) {
		h := newHistory(spec)
		checkCheckpointInPlace(t, h.log.processor, spec.restore)
		for range rapid.IntRange(1, 80).Draw(t, "steps") {
			h.step(t)
			checkCheckpointInPlace(t, h.log.processor, spec.restore)
		}
	})
}
