package processor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/binenc"
)

// ErrBadCheckpoint reports checkpoint bytes that cannot be restored.
var ErrBadCheckpoint = errors.New("processor: bad checkpoint")

const checkpointFormat = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checkpoint serializes the processor's derived state and its engine's
// state, deterministically (same state, same bytes), with a checksum.
// Restoring it and replaying the log after AppliedPosition reaches the same
// state as applying the whole log.
func (p *Processor) Checkpoint() []byte {
	if appender, ok := p.engine.(engines.CheckpointAppender); ok {
		return p.encodeState(checkpointFormat, 0, appender)
	}
	return p.encodeState(checkpointFormat, 0, encodedState(p.engine.Checkpoint()))
}

// FrozenCheckpoint is a checkpoint frozen at one moment: the bytes
// Checkpoint returned then, encoded as they are written. With an engine
// that freezes its own (engines.CheckpointFreezer, as kv's does), freezing
// encodes only the processor's state and the engine's small parts; the
// engine's stored data is encoded chunk by chunk as WriteTo writes it, so
// a host writing a checkpoint to a file holds no second copy of the
// state. Other engines' state is encoded at the freeze. WriteTo may run
// on any goroutine while the processor goes on, and more than once.
type FrozenCheckpoint struct {
	// Position is the applied position the checkpoint covers
	// (CheckpointPosition of its bytes).
	Position uint64
	sealed   binenc.Sealed
}

// Len is the length of the checkpoint's bytes.
func (f *FrozenCheckpoint) Len() int { return f.sealed.Len() }

// WriteTo writes the checkpoint's bytes to w.
func (f *FrozenCheckpoint) WriteTo(w io.Writer) (int64, error) { return f.sealed.WriteTo(w) }

// HoldCheckpoints postpones, while held is true, the checkpoints that come
// due: the first entry applied after the host lets go takes the one due
// (the count of entries since the last goes on). A host still writing
// the previous checkpoint holds them: one taken meanwhile would be
// dropped, and freezing it wasted (a freeze makes the engine's next
// writes copy the B-tree nodes they touch).
func (p *Processor) HoldCheckpoints(held bool) { p.checkpointsHeld = held }

// FreezeCheckpoint returns Checkpoint's bytes, frozen now.
func (p *Processor) FreezeCheckpoint() *FrozenCheckpoint {
	var engine binenc.Stream
	if freezer, ok := p.engine.(engines.CheckpointFreezer); ok {
		engine = freezer.FreezeCheckpoint()
	} else {
		engine = binenc.Bytes(p.engine.Checkpoint())
	}
	prefix := binary.AppendUvarint(p.processorState(checkpointFormat, 0), uint64(engine.Len()))
	return &FrozenCheckpoint{Position: p.appliedPosition, sealed: binenc.Sealed{Prefix: prefix, Inner: engine}}
}

// encodedState is an engine state already encoded, appended as it is.
type encodedState []byte

func (e encodedState) AppendCheckpoint(out []byte) []byte { return append(out, e...) }

func (e encodedState) CheckpointLenHint() int { return len(e) }

// encodeState serializes the processor's state with the engine's: a full
// checkpoint (checkpointFormat, the engine's whole state), or a delta
// (deltaFormat, after the checkpoint of the chain at basePosition, with
// the engine's delta; see delta.go). The engine's state is most of a
// checkpoint, so it is encoded in place, in a buffer sized once for all
// of it (and a little more, should the hint fall short): appended after
// room for the longest length prefix, then moved down behind the real
// one.
func (p *Processor) encodeState(format, basePosition uint64, engine engines.CheckpointAppender) []byte {
	hint := engine.CheckpointLenHint()
	out := p.processorState(format, basePosition)
	out = slices.Grow(out, binary.MaxVarintLen64+hint+hint/64+crc32.Size)
	lengthAt := len(out)
	engineAt := lengthAt + binary.MaxVarintLen64
	out = engine.AppendCheckpoint(out[:engineAt])
	engineLen := len(out) - engineAt
	lengthLen := binary.PutUvarint(out[lengthAt:engineAt], uint64(engineLen))
	copy(out[lengthAt+lengthLen:], out[engineAt:])
	out = out[:lengthAt+lengthLen+engineLen]
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// processorState encodes what encodeState writes before the engine's
// state: the format, the stream, the positions and timestamps, the
// transactions and the deferred operations.
func (p *Processor) processorState(format, basePosition uint64) []byte {
	w := &binenc.Writer{}
	w.AppendUvarint(format)
	w.AppendString(p.config.Stream)
	if format == deltaFormat {
		w.AppendUvarint(basePosition)
	}
	w.AppendUvarint(p.appliedPosition)
	w.AppendTimestamp(p.appliedTimestamp)
	w.AppendTimestamp(p.maxCommitTimestamp)
	w.AppendTimestamp(p.maxPrepareTimestamp)
	txns := p.sortedTxns()
	w.AppendUvarint(uint64(len(txns)))
	for _, t := range txns {
		writeTxn(w, t)
	}
	w.AppendUvarint(uint64(len(p.deferred)))
	for _, op := range p.deferred {
		w.AppendBytes(op.entry.Encode())
		w.AppendUvarint(op.position)
		w.AppendTimestamp(op.stamp)
		appendTimestamps(w, op.blockers)
		w.AppendUvarint(uint64(op.waitFor))
	}
	return w.Data()
}

func writeTxn(w *binenc.Writer, t *txnState) {
	w.AppendTimestamp(t.id)
	w.AppendUvarint(uint64(t.status))
	w.AppendVarint(t.deadlineNanos)
	w.AppendUvarint(uint64(t.replyTo))
	w.AppendUvarint(t.startPosition)
	w.AppendUvarint(uint64(t.lastSequence))
	if !t.hasLastReply {
		w.AppendUvarint(0)
	} else {
		r := &t.lastReply
		w.AppendUvarint(1)
		appendRequest(w, r.Request)
		w.AppendUvarint(uint64(r.Status))
		w.AppendBytes(r.Result)
		w.AppendString(string(r.Code))
		w.AppendString(r.Error)
		w.AppendUvarint(r.Position)
		w.AppendTimestamp(r.Timestamp)
	}
	w.AppendTimestamp(t.prepareTimestamp)
	w.AppendTimestamp(t.commitTimestamp)
	w.AppendBool(t.applied)
	w.AppendBool(t.expired)
	w.AppendUvarint(uint64(len(t.participants())))
	for _, participant := range t.participants() {
		w.AppendString(participant.Stream)
		w.AppendUvarint(participant.StartPosition)
	}
	w.AppendString(string(t.abortCode()))
	w.AppendString(t.abortReason())
	appendRequest(w, t.voteRequest())
}

// Recover rebuilds a processor from a checkpoint (nil: a new processor over
// a new engine). Corrupt input returns an error, never a panic.
func Recover(config Config, checkpoint []byte, restore engines.Restorer) (*Processor, error) {
	if checkpoint == nil {
		engine, err := restore(nil)
		if err != nil {
			return nil, err
		}
		return New(config, engine), nil
	}
	p, _, engineState, err := decodeState(config, checkpoint, checkpointFormat)
	if err != nil {
		return nil, err
	}
	engine, err := restore(engineState)
	if err != nil {
		return nil, fmt.Errorf("%w: engine: %v", ErrBadCheckpoint, err)
	}
	p.engine = engine
	p.restoreWatermark()
	return p, nil
}

// decodeState reads what encodeState wrote in format: a processor without
// its engine, the base position of a delta, and the engine's bytes.
func decodeState(config Config, data []byte, format uint64) (p *Processor, basePosition uint64, engineState []byte, err error) {
	reader, err := openCheckpoint(data, format)
	if err != nil {
		return nil, 0, nil, err
	}
	r := &reader
	if stream := r.Text(); stream != config.Stream && r.Err() == nil {
		return nil, 0, nil, fmt.Errorf("%w: checkpoint of stream %q, not %q", ErrBadCheckpoint, stream, config.Stream)
	}
	if format == deltaFormat {
		basePosition = r.Uvarint()
	}
	p = New(config, nil)
	p.appliedPosition = r.Uvarint()
	p.appliedTimestamp = r.Timestamp()
	p.maxCommitTimestamp = r.Timestamp()
	p.maxPrepareTimestamp = r.Timestamp()
	for count := r.Count(1); count > 0 && r.Err() == nil; count-- {
		t := readTxn(r)
		p.txns[t.id] = t
		p.watchDeadline(t)
		switch {
		case t.status == txnPrepared:
			p.preparedSet[t.id] = t
		case t.status == txnCommitted && !t.applied:
			p.pendingCommits = append(p.pendingCommits, t)
		}
	}
	slices.SortFunc(p.pendingCommits, comparePending)
	for count := r.Count(1); count > 0 && r.Err() == nil; count-- {
		entry, err := wire.DecodeEntry(r.Bytes())
		if err != nil {
			r.Failf("deferred operation: %v", err)
			break
		}
		op := &deferredOperation{entry: entry, position: r.Uvarint(), stamp: r.Timestamp(), blockers: readTimestamps(r),
			waitFor: engines.WaitFor(r.Uvarint())}
		p.deferred = append(p.deferred, op)
	}
	engineState = r.Bytes()
	if err := r.Finish(); err != nil {
		return nil, 0, nil, err
	}
	return p, basePosition, engineState, nil
}

// openCheckpoint checks a checkpoint's (or delta's) length, checksum and
// format, and returns a reader positioned after the format.
func openCheckpoint(checkpoint []byte, want uint64) (binenc.Reader, error) {
	if len(checkpoint) < 4 {
		return binenc.Reader{}, fmt.Errorf("%w: %d bytes", ErrBadCheckpoint, len(checkpoint))
	}
	body, sum := checkpoint[:len(checkpoint)-4], binary.BigEndian.Uint32(checkpoint[len(checkpoint)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return binenc.Reader{}, fmt.Errorf("%w: checksum mismatch", ErrBadCheckpoint)
	}
	reader := binenc.NewReader(body, ErrBadCheckpoint)
	if format := reader.Uvarint(); format != want {
		return binenc.Reader{}, fmt.Errorf("%w: format %d, want %d", ErrBadCheckpoint, format, want)
	}
	return reader, nil
}

func readTxn(r *binenc.Reader) *txnState {
	t := &txnState{id: r.Timestamp(), status: txnStatus(r.Uvarint()), deadlineNanos: r.Varint(),
		replyTo: wire.Address(r.Uvarint()), startPosition: r.Uvarint(), lastSequence: uint32(r.Uvarint())}
	if t.status < txnActive || t.status > txnAborted {
		r.Failf("transaction %v: status %d", t.id, t.status)
	}
	if r.Uvarint() == 1 {
		t.hasLastReply = true
		t.lastReply = operationReply{Request: readRequest(r), Status: engines.Status(r.Uvarint()),
			Result: r.Bytes(), Code: engines.ErrorCode(r.Text()), Error: r.Text(), Position: r.Uvarint(),
			Timestamp: r.Timestamp()}
	}
	t.prepareTimestamp = r.Timestamp()
	t.commitTimestamp = r.Timestamp()
	t.applied = r.Uvarint() == 1
	t.expired = r.Uvarint() == 1
	if t.applied && t.status != txnCommitted {
		r.Failf("transaction %v: applied but %s", t.id, t.status)
	}
	var extras txnExtras
	for count := r.Count(1); count > 0 && r.Err() == nil; count-- {
		extras.participants = append(extras.participants, wire.Participant{Stream: r.Text(), StartPosition: r.Uvarint()})
	}
	extras.abortCode = engines.ErrorCode(r.Text())
	extras.abortReason = r.Text()
	extras.voteRequest = readRequest(r)
	if extras.participants != nil || extras.abortCode != "" || extras.abortReason != "" || extras.voteRequest != (wire.RequestID{}) {
		t.extras = &extras
	}
	return t
}

func appendTimestamps(w *binenc.Writer, list []clock.Timestamp) {
	w.AppendUvarint(uint64(len(list)))
	for _, t := range list {
		w.AppendTimestamp(t)
	}
}

func appendRequest(w *binenc.Writer, r wire.RequestID) {
	w.AppendUvarint(r.Origin)
	w.AppendUvarint(r.Sequence)
}

// readTimestamps reads what appendTimestamps wrote.
func readTimestamps(r *binenc.Reader) []clock.Timestamp {
	var list []clock.Timestamp
	for count := r.Count(clock.TimestampKeyLen); count > 0 && r.Err() == nil; count-- {
		list = append(list, r.Timestamp())
	}
	return list
}

func readRequest(r *binenc.Reader) wire.RequestID {
	return wire.RequestID{Origin: r.Uvarint(), Sequence: r.Uvarint()}
}
