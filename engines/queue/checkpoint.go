package queue

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint format 3. Integers are big-endian and fixed-width; a string
// is a uint32 length and its bytes; timestamps use
// clock.Timestamp.AppendKey (16 bytes). Every field has one valid
// encoding, so Restore followed by Checkpoint reproduces the input.
//
//	magic         4 bytes "PQUE"
//	format        uint32 = 3
//	store         uint64 length, then the mvcc checkpoint (no intents)
//	queues        uint64 count, then by name ascending: name, sequenceNext
//	              uint64, extents (uint64 count, each timestamp, head
//	              uint64, tail uint64; oldest first)
//	transactions  mvcc.Participant.AppendCheckpoint: uint64 count, then by
//	              id ascending: id, stage byte, prepare timestamp, then the
//	              queue records (uint64 count, by queue name ascending):
//	              queue name, enqueued items (uint64 count, each sequence
//	              uint64 and the item's value encoding as a string),
//	              dequeued uint64, cleared byte, head lock byte, count lock
//	              byte
//	checksum      uint32 CRC-32C of every preceding byte
//
// The last extent gives a queue's head and tail; Restore checks that the
// store holds exactly those items. Lock sets are rebuilt from the
// transaction records.
const (
	checkpointMagic  = "PQUE"
	checkpointFormat = 3
	// Smallest encodings, to reject counts the remaining bytes cannot hold.
	queueEncodedLenMin       = 4 + 8 + 8
	extentEncodedLen         = clock.TimestampKeyLen + 16
	recordEncodedLenMin      = 8
	queueRecordEncodedLenMin = 4 + 8 + 8 + 3
	pendingItemEncodedLenMin = 8 + 4
)

// errCorruptCheckpoint is engines.ErrCorruptCheckpoint, naming queue.
var errCorruptCheckpoint = fmt.Errorf("%w: queue", engines.ErrCorruptCheckpoint)

// Checkpoint serializes the whole engine; the same state gives the same
// bytes.
func (e *Engine) Checkpoint() []byte {
	w := binenc.NewWriter(nil)
	w.AppendRaw(binenc.AppendFrameHeader(nil, checkpointMagic, checkpointFormat))
	storeBytes := e.store.Checkpoint()
	w.AppendUint64(uint64(len(storeBytes)))
	w.AppendRaw(storeBytes)
	w.AppendUint64(uint64(len(e.queues)))
	for _, name := range slices.Sorted(maps.Keys(e.queues)) {
		q := e.queues[name]
		appendBytes(&w, []byte(name))
		w.AppendUint64(q.sequenceNext)
		w.AppendUint64(uint64(len(q.extents)))
		for _, v := range q.extents {
			w.AppendTimestamp(v.timestamp)
			w.AppendUint64(v.head)
			w.AppendUint64(v.tail)
		}
	}
	return binenc.Seal(e.transactions.AppendCheckpoint(w.Data(), appendRecord))
}

// appendRecord appends the queue records of a transaction.
func appendRecord(out []byte, t *transaction) []byte {
	w := binenc.NewWriter(out)
	w.AppendUint64(uint64(len(t.queues)))
	for _, r := range t.queues {
		appendBytes(&w, []byte(r.queue.name))
		w.AppendUint64(uint64(len(r.enqueued)))
		for _, pending := range r.enqueued {
			w.AppendUint64(pending.sequence)
			appendBytes(&w, pending.item)
		}
		w.AppendUint64(r.dequeued)
		w.AppendBool(r.cleared)
		w.AppendByte(byte(r.head))
		w.AppendBool(r.count)
	}
	return w.Data()
}

// appendBytes appends a uint32 length and the bytes.
func appendBytes(w *binenc.Writer, b []byte) {
	w.AppendUint32(uint32(len(b)))
	w.AppendRaw(b)
}

// readBytes reads what appendBytes wrote; the result aliases the input.
func readBytes(r *binenc.Reader) []byte { return r.Next(int(r.Uint32())) }

// readBool reads a byte that must be 0 or 1.
func readBool(r *binenc.Reader, what string) bool {
	offset := r.Offset()
	b := r.Byte()
	if b > 1 {
		r.Failf("%s byte %d at offset %d", what, b, offset)
	}
	return b == 1
}

// Restore rebuilds an engine from a Checkpoint (nil or empty: a new
// engine). Bad input returns an error matching
// engines.ErrCorruptCheckpoint, never a panic.
func Restore(checkpoint []byte) (engines.Engine, error) {
	if len(checkpoint) == 0 {
		return NewEngine(), nil
	}
	engine, err := restore(checkpoint)
	if err != nil {
		return nil, err
	}
	return engine, nil
}

func restore(checkpoint []byte) (*Engine, error) {
	storeBytes, reader, err := binenc.OpenFrameSection(checkpoint, checkpointMagic, checkpointFormat, errCorruptCheckpoint)
	if err != nil {
		return nil, err
	}
	r := &reader
	store, err := mvcc.Restore(storeBytes, mvcc.Options{})
	if err != nil {
		return nil, corrupt("%v", err)
	}
	if store.Stats().Intents != 0 {
		return nil, corrupt("store holds %d intents", store.Stats().Intents)
	}
	engine := newEngine(store)
	engine.restoreQueues(r)
	if err := engine.transactions.RestoreCheckpoint(r, recordEncodedLenMin, engine.restoreRecords); err != nil {
		return nil, err
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return engine, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorruptCheckpoint, fmt.Sprintf(format, args...))
}

func (e *Engine) restoreQueues(r *binenc.Reader) {
	count := r.CountUint64(queueEncodedLenMin)
	previous := ""
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		offset := r.Offset()
		name := string(readBytes(r))
		q := newQueueState(name)
		q.sequenceNext = r.Uint64()
		q.extents = readExtents(r, name)
		switch {
		case r.Err() != nil:
			return
		case len(name) > QueueNameLenMax:
			r.Failf("queue name of %d bytes at offset %d", len(name), offset)
		case index > 0 && name <= previous:
			r.Failf("queue %q after %q at offset %d", name, previous, offset)
		default:
			restoreExtent(r, e.store, q)
		}
		previous = name
		e.queues[name] = q
	}
}

// restoreExtent reads q's extent from the store and checks that the store
// holds exactly the items in it.
func restoreExtent(r *binenc.Reader, store *mvcc.Store, q *queueState) {
	latest := extentAt(q, mvcc.MaxTimestamp)
	q.head, q.tail = latest.head, latest.tail
	expected, mismatch := q.head, false
	// The prefix ends with the key part terminator 0x00 0x01, so raising
	// its last byte bounds every key with the prefix.
	end := slices.Clone(q.itemPrefix)
	end[len(end)-1]++
	err := store.Scan(mvcc.ScanOptions{Start: q.itemPrefix, End: end, At: mvcc.MaxTimestamp}, func(key, _ []byte) bool {
		if expected >= q.tail || !bytes.Equal(key, q.itemKey(expected)) {
			mismatch = true
			return false
		}
		expected++
		return true
	})
	if err != nil || mismatch || expected != q.tail {
		r.Failf("queue %q: items do not match extent [%d, %d)", q.name, q.head, q.tail)
	}
}

// readExtents reads a queue's extent versions and checks their
// invariants: timestamps valid and strictly increasing, head <= tail, and
// heads and tails never decreasing.
func readExtents(r *binenc.Reader, name string) []extentVersion {
	count := r.CountUint64(extentEncodedLen)
	var decoded []extentVersion
	for index := uint64(0); index < count && r.Err() == nil; index++ {
		next := extentVersion{timestamp: r.Timestamp(), extent: extent{head: r.Uint64(), tail: r.Uint64()}}
		valid := !next.timestamp.IsZero() && next.timestamp != mvcc.MaxTimestamp && next.head <= next.tail
		previous := extentVersion{}
		if index > 0 {
			previous = decoded[index-1]
		}
		ordered := index == 0 || (previous.timestamp.Less(next.timestamp) && previous.head <= next.head && previous.tail <= next.tail)
		if r.Err() == nil && (!valid || !ordered) {
			r.Failf("queue %q: extent %d [%d, %d) at %v invalid or out of order", name, index, next.head, next.tail, next.timestamp)
		}
		decoded = append(decoded, next)
	}
	return decoded
}

// restoreRecords reads the queue records of a restored transaction, checks
// them and takes their locks.
func (e *Engine) restoreRecords(d *binenc.Reader, t *transaction) error {
	count := d.CountUint64(queueRecordEncodedLenMin)
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		name := string(readBytes(d))
		q := e.queues[name]
		if d.Err() != nil {
			break
		}
		if q == nil || (index > 0 && name <= t.queues[index-1].queue.name) {
			return fmt.Errorf("record of queue %q unknown or out of order", name)
		}
		r := t.ensure(q)
		r.enqueued = readPendingItems(d, q)
		r.dequeued = d.Uint64()
		r.cleared = readBool(d, "cleared")
		r.head = headLock(d.Byte())
		r.count = readBool(d, "count lock")
		if d.Err() != nil {
			break
		}
		checkRecord(d, t.ID(), r)
		lockRecord(d, t.ID(), r)
	}
	return d.Err()
}

func readPendingItems(d *binenc.Reader, q *queueState) []pendingItem {
	count := d.CountUint64(pendingItemEncodedLenMin)
	var items []pendingItem
	for index := uint64(0); index < count && d.Err() == nil; index++ {
		pending := pendingItem{sequence: d.Uint64(), item: bytes.Clone(readBytes(d))}
		if d.Err() != nil {
			break
		}
		if _, err := value.Decode(pending.item); err != nil || pending.sequence >= q.sequenceNext {
			d.Failf("queue %q: bad enqueued item %d", q.name, pending.sequence)
		} else if len(items) > 0 && pending.sequence <= items[len(items)-1].sequence {
			d.Failf("queue %q: enqueued item %d out of order", q.name, pending.sequence)
		}
		items = append(items, pending)
	}
	return items
}

// checkRecord checks the invariants of one queue record.
func checkRecord(d *binenc.Reader, txn engines.TxnID, r *queueRecord) {
	q := r.queue
	switch {
	case r.head >= headLockEnd:
		d.Failf("transaction %v, queue %q: head lock %d", txn, q.name, r.head)
	case r.dequeued > q.tail-q.head:
		d.Failf("transaction %v, queue %q: dequeued %d of %d items", txn, q.name, r.dequeued, q.tail-q.head)
	case (r.dequeued > 0 || r.cleared) && r.head != headLockExclusive:
		d.Failf("transaction %v, queue %q: dequeued or cleared without the head lock", txn, q.name)
	case r.cleared && (r.dequeued > 0 || !r.count):
		d.Failf("transaction %v, queue %q: cleared with dequeued items or without the count lock", txn, q.name)
	}
}

// lockRecord registers r's locks with its queue, checking that they are
// compatible with the locks registered before.
func lockRecord(d *binenc.Reader, txn engines.TxnID, r *queueRecord) {
	q := r.queue
	switch r.head {
	case headLockExclusive:
		if !q.headOwner.IsZero() || len(q.headSharers) > 0 {
			d.Failf("queue %q: head locks of %v conflict", q.name, txn)
			return
		}
		q.headOwner = txn
	case headLockShared:
		if !q.headOwner.IsZero() {
			d.Failf("queue %q: head locks of %v conflict", q.name, txn)
			return
		}
		q.headSharers.Add(txn)
	}
	if r.count {
		q.countHolders.Add(txn)
	}
	if len(r.enqueued) > 0 {
		q.enqueuers.Add(txn)
	}
}
