package kv

import (
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/binenc"
)

// Incremental checkpoints (the processor's Config.DeltasPerCheckpoint):
// after TrackChanges, CheckpointDelta serializes the store's changes since
// the last checkpoint or delta (mvcc's CheckpointDelta: the changed keys'
// versions and the intents of live transactions) and every live
// transaction with its locks, as Checkpoint does; ApplyCheckpointDelta
// brings an engine restored from the checkpoint or delta before it to the
// state that wrote it, as a new engine (byte for byte: its Checkpoint is
// the writer's).
//
// Delta format, version 1:
//
//	magic             4 bytes "PKVD"
//	format            uint32 = 1
//	store delta       uint64 length, then mvcc delta bytes
//	transactions      as in a checkpoint
//	checksum          uint32 CRC-32C of every preceding byte
const (
	deltaMagic  = "PKVD"
	deltaFormat = 1
)

// TrackChanges starts remembering what changes, for CheckpointDelta.
func (e *Engine) TrackChanges() { e.store.TrackChanges() }

// CheckpointDelta serializes what changed since TrackChanges or the last
// delta. Requires: TrackChanges.
func (e *Engine) CheckpointDelta() []byte {
	storeDelta := e.store.CheckpointDelta()
	return e.appendFrame(make([]byte, 0, len(storeDelta)+64), deltaMagic, deltaFormat,
		func(out []byte) []byte { return append(out, storeDelta...) })
}

// ApplyCheckpointDelta returns the engine that wrote delta, built from
// this one (restored from the checkpoint or delta before it; this one is
// not to be used after). Bad input returns an error wrapping
// engines.ErrCorruptCheckpoint, never a panic.
func (e *Engine) ApplyCheckpointDelta(delta []byte) (engines.Engine, error) {
	storeDelta, reader, err := binenc.OpenFrameSection(delta, deltaMagic, deltaFormat, errCorruptCheckpoint)
	if err != nil {
		return nil, err
	}
	if err := e.store.ApplyDelta(storeDelta); err != nil {
		return nil, corrupt("store delta: %v", err)
	}
	next, err := restoreTransactions(e.store, &reader)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return next, nil
}
