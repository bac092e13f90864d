package mvcc

import (
	"encoding/binary"

	"github.com/proven2pc/proven/internal/binenc"
)

// AppendCheckpoint appends the live transactions to out, in ascending id
// order: a big-endian uint64 count, then for each its Lifecycle
// (Lifecycle.AppendCheckpoint) followed by what appendRecord appends of
// the engine's record. The same transactions always give the same bytes.
func (p *Participant[R, T]) AppendCheckpoint(out []byte, appendRecord func(out []byte, t T) []byte) []byte {
	ids := p.IDs()
	out = binary.BigEndian.AppendUint64(out, uint64(len(ids)))
	for _, id := range ids {
		t := p.transactions[id]
		out = t.lifecycle().AppendCheckpoint(out)
		out = appendRecord(out, t)
	}
	return out
}

// RestoreCheckpoint reads what AppendCheckpoint wrote into a participant
// without transactions: each transaction is restored (RestoreTransaction),
// then readRecord reads the engine's part of it, whose encoding takes at
// least recordLenMin bytes; last it checks the transactions against the
// store (CheckRestored). Errors stick in r (and wrap its sentinel); the
// first is returned.
func (p *Participant[R, T]) RestoreCheckpoint(r *binenc.Reader, recordLenMin int, readRecord func(r *binenc.Reader, t T) error) error {
	count := r.CountUint64(LifecycleEncodedLen + recordLenMin)
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		offset := r.Offset()
		l := readLifecycle(r)
		if r.Err() != nil {
			break
		}
		t, err := p.RestoreTransaction(l.id, l.prepared, l.prepareTimestamp)
		if err == nil {
			err = readRecord(r, t)
		}
		if err != nil {
			r.Failf("transaction at offset %d: %v", offset, err)
		}
	}
	if r.Err() == nil {
		if err := p.CheckRestored(); err != nil {
			r.Failf("%v", err)
		}
	}
	return r.Err()
}
