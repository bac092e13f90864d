package processor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
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
	w := &writer{}
	w.uvarint(checkpointFormat)
	w.bytes([]byte(p.config.Stream))
	w.uvarint(p.appliedPosition)
	w.timestamp(p.appliedTimestamp)
	w.timestamp(p.maxCommitTimestamp)
	w.timestamp(p.maxPrepareTimestamp)
	txns := p.sortedTxns()
	w.uvarint(uint64(len(txns)))
	for _, t := range txns {
		writeTxn(w, t)
	}
	w.uvarint(uint64(len(p.deferred)))
	for _, op := range p.deferred {
		w.bytes(op.entry.Encode())
		w.uvarint(op.position)
		w.timestamp(op.stamp)
		w.timestamps(op.blockers)
		w.uvarint(uint64(op.waitFor))
	}
	w.bytes(p.engine.Checkpoint())
	return binary.BigEndian.AppendUint32(w.data, crc32.Checksum(w.data, castagnoli))
}

func writeTxn(w *writer, t *txnState) {
	w.timestamp(t.id)
	w.uvarint(uint64(t.status))
	w.varint(t.deadlineNanos)
	w.uvarint(uint64(t.replyTo))
	w.uvarint(t.startPosition)
	w.uvarint(uint64(t.lastSequence))
	if !t.hasLastReply {
		w.uvarint(0)
	} else {
		r := &t.lastReply
		w.uvarint(1)
		w.request(r.Request)
		w.uvarint(uint64(r.Status))
		w.bytes(r.Result)
		w.bytes([]byte(r.Code))
		w.bytes([]byte(r.Error))
		w.uvarint(r.Position)
		w.timestamp(r.Timestamp)
	}
	w.timestamp(t.prepareTimestamp)
	w.timestamp(t.commitTimestamp)
	w.uvarint(boolByte(t.applied))
	w.uvarint(boolByte(t.expired))
	w.uvarint(uint64(len(t.participants)))
	for _, participant := range t.participants {
		w.bytes([]byte(participant.Stream))
		w.uvarint(participant.StartPosition)
	}
	w.bytes([]byte(t.abortCode))
	w.bytes([]byte(t.abortReason))
	w.request(t.voteRequest)
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
	if len(checkpoint) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadCheckpoint, len(checkpoint))
	}
	body, sum := checkpoint[:len(checkpoint)-4], binary.BigEndian.Uint32(checkpoint[len(checkpoint)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrBadCheckpoint)
	}
	r := &reader{data: body}
	if format := r.uvarint(); format != checkpointFormat {
		return nil, fmt.Errorf("%w: format %d, want %d", ErrBadCheckpoint, format, checkpointFormat)
	}
	if stream := string(r.bytes()); stream != config.Stream && r.err == nil {
		return nil, fmt.Errorf("%w: checkpoint of stream %q, not %q", ErrBadCheckpoint, stream, config.Stream)
	}
	p := New(config, nil)
	p.appliedPosition = r.uvarint()
	p.appliedTimestamp = r.timestamp()
	p.maxCommitTimestamp = r.timestamp()
	p.maxPrepareTimestamp = r.timestamp()
	for count := r.count(); count > 0 && r.err == nil; count-- {
		t := readTxn(r, config.Stream)
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
	for count := r.count(); count > 0 && r.err == nil; count-- {
		entry, err := engines.DecodeEntry(r.bytes())
		if err != nil {
			r.fail("deferred operation: %v", err)
			break
		}
		op := &deferredOperation{entry: entry, position: r.uvarint(), stamp: r.timestamp(), blockers: r.timestamps(),
			waitFor: engines.WaitFor(r.uvarint())}
		p.deferred = append(p.deferred, op)
	}
	engineState := r.bytes()
	if r.err == nil && len(r.data) != 0 {
		r.fail("%d trailing bytes", len(r.data))
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, r.err)
	}
	engine, err := restore(engineState)
	if err != nil {
		return nil, fmt.Errorf("%w: engine: %v", ErrBadCheckpoint, err)
	}
	p.engine = engine
	return p, nil
}

func readTxn(r *reader, stream string) *txnState {
	t := &txnState{id: r.timestamp(), status: txnStatus(r.uvarint()), deadlineNanos: r.varint(),
		replyTo: engines.Address(r.uvarint()), startPosition: r.uvarint(), lastSequence: uint32(r.uvarint())}
	if t.status < txnActive || t.status > txnAborted {
		r.fail("transaction %v: status %d", t.id, t.status)
	}
	if r.uvarint() == 1 {
		t.hasLastReply = true
		t.lastReply = engines.MsgOperationReply{Request: r.request(), Txn: t.id, Stream: stream, Status: engines.Status(r.uvarint()),
			Result: r.bytes(), Code: engines.ErrorCode(r.bytes()), Error: string(r.bytes()), Position: r.uvarint(),
			Timestamp: r.timestamp()}
	}
	t.prepareTimestamp = r.timestamp()
	t.commitTimestamp = r.timestamp()
	t.applied = r.uvarint() == 1
	t.expired = r.uvarint() == 1
	if t.applied && t.status != txnCommitted {
		r.fail("transaction %v: applied but %s", t.id, t.status)
	}
	for count := r.count(); count > 0 && r.err == nil; count-- {
		t.participants = append(t.participants, engines.Participant{Stream: string(r.bytes()), StartPosition: r.uvarint()})
	}
	t.abortCode = engines.ErrorCode(r.bytes())
	t.abortReason = string(r.bytes())
	t.voteRequest = r.request()
	return t
}

func boolByte(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

type writer struct{ data []byte }

func (w *writer) uvarint(v uint64) { w.data = binary.AppendUvarint(w.data, v) }
func (w *writer) varint(v int64)   { w.data = binary.AppendVarint(w.data, v) }
func (w *writer) bytes(b []byte) {
	w.uvarint(uint64(len(b)))
	w.data = append(w.data, b...)
}
func (w *writer) timestamp(t clock.Timestamp) { w.data = t.AppendKey(w.data) }
func (w *writer) timestamps(list []clock.Timestamp) {
	w.uvarint(uint64(len(list)))
	for _, t := range list {
		w.timestamp(t)
	}
}
func (w *writer) request(r engines.RequestID) {
	w.uvarint(r.Origin)
	w.uvarint(r.Sequence)
}

// reader decodes checkpoint fields; the first error sticks.
type reader struct {
	data []byte
	err  error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.data = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.data = r.data[n:]
	return v
}

// count reads a length that cannot exceed the bytes left (each counted
// item takes at least one byte), so corrupt input never allocates much.
func (r *reader) count() uint64 {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.fail("count %d with %d bytes left", n, len(r.data))
		return 0
	}
	return n
}

func (r *reader) bytes() []byte {
	n := r.count()
	if r.err != nil || n == 0 {
		return nil
	}
	out := make([]byte, n)
	copy(out, r.data)
	r.data = r.data[n:]
	return out
}

func (r *reader) timestamp() clock.Timestamp {
	if len(r.data) < clock.TimestampKeyLen {
		r.fail("truncated timestamp")
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(r.data)
	r.data = r.data[clock.TimestampKeyLen:]
	return t
}

func (r *reader) timestamps() []clock.Timestamp {
	var list []clock.Timestamp
	for count := r.count(); count > 0 && r.err == nil; count-- {
		list = append(list, r.timestamp())
	}
	return list
}

func (r *reader) request() engines.RequestID {
	return engines.RequestID{Origin: r.uvarint(), Sequence: r.uvarint()}
}
