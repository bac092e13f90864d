package processor

// LogPins is where this processor's transactions may still make someone
// read a stream's log: a host that removes old log segments keeps every
// position at or above these (ARCHITECTURE.md, rule 5).
type LogPins struct {
	// Own is the smallest start position on this stream of a transaction
	// the processor remembers and has not committed: active, prepared, or
	// aborted with its deadline not passed here (this processor may have
	// aborted it on its own — a wound, a refused vote — while its
	// coordinator's Prepare to a peer is still on its way); 0 when there
	// is none. A peer's termination reads this stream from the start
	// position it recorded, which is at or above this one. A committed
	// transaction needs no pin here: every peer voted before it committed,
	// so a peer that may still terminate it has it prepared, and pins this
	// stream through its own Peers.
	Own uint64
	// Peers maps each peer stream to the smallest start position a
	// prepared transaction here recorded for it: where this processor's
	// termination reads that peer's log from.
	Peers map[string]uint64
}

// LogPins reports the positions the transactions this processor
// remembers still need. Cost: one pass over them.
func (p *Processor) LogPins() LogPins {
	pins := LogPins{Peers: map[string]uint64{}}
	for _, t := range p.txns { //proven:allow map-order: minimums do not depend on the order
		if t.status != txnCommitted && (pins.Own == 0 || t.startPosition < pins.Own) {
			pins.Own = t.startPosition
		}
		if t.status != txnPrepared {
			continue
		}
		for _, participant := range t.participants() {
			if participant.Stream == p.config.Stream {
				continue
			}
			if known, ok := pins.Peers[participant.Stream]; !ok || participant.StartPosition < known {
				pins.Peers[participant.Stream] = participant.StartPosition
			}
		}
	}
	return pins
}

// CheckpointPosition returns the applied position a checkpoint covers (the
// log after it replays onto it), reading only its header; corrupt input
// returns an error wrapping ErrBadCheckpoint.
func CheckpointPosition(checkpoint []byte) (uint64, error) {
	reader, err := openCheckpoint(checkpoint, checkpointFormat)
	if err != nil {
		return 0, err
	}
	reader.Text()
	position := reader.Uvarint()
	return position, reader.Err()
}
