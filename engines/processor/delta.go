package processor

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines"
)

// Incremental checkpoints. With Config.DeltasPerCheckpoint > 0 and an
// engine that can write deltas (incrementalEngine: kv's can), the
// processor's checkpoints form chains: a full checkpoint, then up to
// DeltasPerCheckpoint deltas, each holding the processor's state (small:
// the transactions it remembers) and what the engine changed since the
// checkpoint or delta before it; then a full one again. A host appends a
// delta (Ready.CheckpointDelta) to the chain and replaces the chain with a
// full checkpoint (Ready.Checkpoint); RecoverChain restores the full one and applies each
// delta that continues it. The first checkpoint of a processor (new or
// recovered) is full, so a chain never continues past a restart, and what
// a chain restores is the state of the processor that wrote its last
// delta, as the last full checkpoint would have been.
//
// Delta format: as a checkpoint's (checkpoint.go) with format 2 and,
// after the stream, the applied position of the checkpoint or delta it
// follows; the engine's bytes are its delta.
const deltaFormat = 2

// incrementalEngine is an engine whose checkpoints can be deltas.
type incrementalEngine interface {
	// TrackChanges starts remembering changes, for CheckpointDelta.
	TrackChanges()
	// CheckpointDelta serializes the changes since TrackChanges or the
	// last delta.
	CheckpointDelta() []byte
	// ApplyCheckpointDelta returns the engine that wrote delta, built from
	// this one (restored from the checkpoint or delta before it).
	ApplyCheckpointDelta(delta []byte) (engines.Engine, error)
}

// takeCheckpoint returns the next checkpoint (in Ready's checkpoint
// fields): a delta when a chain is open and not at its length, else a
// full one, frozen (which opens a chain when deltas are on and the engine
// writes them).
func (p *Processor) takeCheckpoint() Ready {
	engine, incremental := p.engine.(incrementalEngine)
	if !incremental || p.config.DeltasPerCheckpoint <= 0 || !p.chain.open || p.chain.deltas >= p.config.DeltasPerCheckpoint {
		taken := Ready{Checkpoint: p.FreezeCheckpoint()}
		p.chain = checkpointChain{}
		if incremental && p.config.DeltasPerCheckpoint > 0 {
			engine.TrackChanges()
			p.chain = checkpointChain{open: true, position: p.appliedPosition}
		}
		return taken
	}
	data := p.encodeState(deltaFormat, p.chain.position, encodedState(engine.CheckpointDelta()))
	p.chain.deltas++
	p.chain.position = p.appliedPosition
	return Ready{CheckpointDelta: data}
}

// checkpointChain is where the processor's chain of checkpoints stands.
type checkpointChain struct {
	// open says the last checkpoint written was this incarnation's, full
	// or delta, and the engine tracks changes since it.
	open bool
	// position is the applied position of the last checkpoint written.
	position uint64
	// deltas counts the deltas since the full checkpoint.
	deltas int
}

// ErrBrokenChain reports a delta that cannot be applied to the state
// restored before it: it does not follow it, or the engine writes no
// deltas.
var ErrBrokenChain = errors.New("processor: delta does not continue the chain")

// RecoverChain rebuilds a processor from a full checkpoint and the deltas
// written after it, in order: each delta that continues the chain (its
// base is the applied position restored so far) is applied; it stops at
// the first that does not (a leftover of an older chain) and returns how
// many it applied. A delta that continues the chain but does not decode
// or apply is an error (ErrBadCheckpoint, or ErrBrokenChain for an
// engine without deltas).
func RecoverChain(config Config, checkpoint []byte, deltas [][]byte, restore engines.Restorer) (*Processor, int, error) {
	p, err := Recover(config, checkpoint, restore)
	if err != nil || checkpoint == nil {
		return p, 0, err
	}
	for index, delta := range deltas {
		next, basePosition, engineDelta, err := decodeState(config, delta, deltaFormat)
		if err != nil {
			return nil, index, err
		}
		if basePosition != p.appliedPosition {
			return p, index, nil
		}
		engine, incremental := p.engine.(incrementalEngine)
		if !incremental {
			return nil, index, fmt.Errorf("%w: the engine of stream %q writes no deltas", ErrBrokenChain, config.Stream)
		}
		if next.engine, err = engine.ApplyCheckpointDelta(engineDelta); err != nil {
			return nil, index, fmt.Errorf("%w: engine delta: %v", ErrBadCheckpoint, err)
		}
		next.restoreWatermark()
		p = next
	}
	return p, len(deltas), nil
}
