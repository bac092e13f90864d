package queue

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint layout: the value encoding of
//
//	[format, store checkpoint (bytes),
//	 [[queue name, sequenceNext, extents (bytes)], ...] sorted by name,
//	 [[txn id (bytes), prepared, prepare timestamp (bytes),
//	   [[queue name, [[sequence, item (bytes)], ...], dequeued, cleared, head lock, count], ...]
//	  ], ...] sorted by txn id]
//
// followed by a big-endian CRC-32C of those bytes. A queue's extents are
// its extent versions, oldest first, each 32 bytes: the timestamp's
// AppendKey encoding, then head and tail as big-endian uint64s. The last
// one gives the head and tail; Restore checks that the store holds exactly
// those items. Lock sets are rebuilt from the transaction records.

const (
	checkpointFormat = 2
	// extentVersionEncodedLen is the length of one checkpointed extent.
	extentVersionEncodedLen = clock.TimestampKeyLen + 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checkpoint serializes the whole engine; the same state gives the same
// bytes.
func (e *Engine) Checkpoint() []byte {
	queues := make([]value.Value, 0, len(e.queues))
	for _, name := range slices.Sorted(maps.Keys(e.queues)) {
		q := e.queues[name]
		queues = append(queues, value.List(value.String(name), value.Int(int64(q.sequenceNext)), value.Bytes(appendExtents(nil, q.extents))))
	}
	transactions := make([]value.Value, 0, e.transactions.Len())
	for _, id := range e.transactions.IDs() {
		transactions = append(transactions, checkpointTransaction(e.transactions.Lookup(id)))
	}
	body := value.Append(nil, value.List(value.Int(checkpointFormat), value.Bytes(e.store.Checkpoint()),
		value.List(queues...), value.List(transactions...)))
	return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
}

// appendExtents appends the checkpoint encoding of extents to dst.
func appendExtents(dst []byte, extents []extentVersion) []byte {
	for _, v := range extents {
		dst = v.timestamp.AppendKey(dst)
		dst = binary.BigEndian.AppendUint64(dst, v.head)
		dst = binary.BigEndian.AppendUint64(dst, v.tail)
	}
	return dst
}

func checkpointTransaction(t *transaction) value.Value {
	records := make([]value.Value, 0, len(t.queues))
	for _, r := range t.queues {
		items := make([]value.Value, 0, len(r.enqueued))
		for _, pending := range r.enqueued {
			items = append(items, value.List(value.Int(int64(pending.sequence)), value.Bytes(pending.item)))
		}
		records = append(records, value.List(value.String(r.queue.name), value.List(items...),
			value.Int(int64(r.dequeued)), value.Bool(r.cleared), value.Int(int64(r.head)), value.Bool(r.count)))
	}
	return value.List(value.Bytes(t.ID().AppendKey(nil)), value.Bool(t.Prepared()),
		value.Bytes(t.PrepareTimestamp().AppendKey(nil)), value.List(records...))
}

// Restore rebuilds an engine from a Checkpoint (nil or empty: a new
// engine). Bad input returns an error wrapping ErrCorruptCheckpoint.
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
	if len(checkpoint) < 4 {
		return nil, corrupt("%d bytes", len(checkpoint))
	}
	body, sum := checkpoint[:len(checkpoint)-4], binary.BigEndian.Uint32(checkpoint[len(checkpoint)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, corrupt("checksum mismatch")
	}
	top, err := value.Decode(body)
	if err != nil {
		return nil, corrupt("%v", err)
	}
	d := checkpointDecoder{}
	parts := d.list(top, 4, "checkpoint")
	if d.integer(parts.at(0), "format") != checkpointFormat && d.err == nil {
		return nil, corrupt("format %v, want %d", parts.at(0), checkpointFormat)
	}
	storeBytes := d.bytes(parts.at(1), "store")
	if d.err != nil {
		return nil, d.err
	}
	store, err := mvcc.Restore(storeBytes, mvcc.Options{})
	if err != nil {
		return nil, corrupt("%v", err)
	}
	engine := newEngine(store)
	if engine.store.Stats().Intents != 0 {
		return nil, corrupt("store holds %d intents", engine.store.Stats().Intents)
	}
	d.restoreQueues(engine, parts.at(2))
	d.restoreTransactions(engine, parts.at(3))
	if d.err != nil {
		return nil, d.err
	}
	return engine, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: queue: %s", engines.ErrCorruptCheckpoint, fmt.Sprintf(format, args...))
}

// checkpointDecoder reads the checkpoint's values; the first error sticks
// and later reads return zero values.
type checkpointDecoder struct{ err error }

func (d *checkpointDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = corrupt(format, args...)
	}
}

// elements is a list's elements; at returns Null past the end, so a short
// list only fails where it was checked.
type elements []value.Value

func (e elements) at(index int) value.Value {
	if index < len(e) {
		return e[index]
	}
	return value.Null()
}

// list returns v's elements; length < 0 accepts any length.
func (d *checkpointDecoder) list(v value.Value, length int, what string) elements {
	if v.Kind() != value.KindList || (length >= 0 && v.Len() != length) {
		d.fail("%s: %v is not a list of %d", what, v, length)
		return nil
	}
	out := make(elements, v.Len())
	for index := range out {
		out[index] = v.Index(index)
	}
	return out
}

func (d *checkpointDecoder) integer(v value.Value, what string) uint64 {
	i, ok := v.AsInt()
	if !ok || i < 0 {
		d.fail("%s: %v is not a non-negative int", what, v)
		return 0
	}
	return uint64(i)
}

func (d *checkpointDecoder) boolean(v value.Value, what string) bool {
	b, ok := v.AsBool()
	if !ok {
		d.fail("%s: %v is not a bool", what, v)
	}
	return b
}

func (d *checkpointDecoder) text(v value.Value, what string) string {
	s, ok := v.AsString()
	if !ok {
		d.fail("%s: %v is not a string", what, v)
	}
	return s
}

func (d *checkpointDecoder) bytes(v value.Value, what string) []byte {
	b, ok := v.AsBytes()
	if !ok {
		d.fail("%s: %v is not bytes", what, v)
	}
	return b
}

func (d *checkpointDecoder) timestamp(v value.Value, what string) clock.Timestamp {
	b := d.bytes(v, what)
	if d.err != nil {
		return clock.Timestamp{}
	}
	if len(b) != clock.TimestampKeyLen {
		d.fail("%s: %d bytes, want %d", what, len(b), clock.TimestampKeyLen)
		return clock.Timestamp{}
	}
	t, _ := clock.DecodeTimestampKey(b)
	return t
}

func (d *checkpointDecoder) restoreQueues(engine *Engine, v value.Value) {
	previous := ""
	for index, element := range d.list(v, -1, "queues") {
		fields := d.list(element, 3, "queue")
		name := d.text(fields.at(0), "queue name")
		if d.err != nil {
			return
		}
		if index > 0 && name <= previous {
			d.fail("queue %q after %q", name, previous)
			return
		}
		previous = name
		q := newQueueState(name)
		q.sequenceNext = d.integer(fields.at(1), "sequence")
		q.extents = d.extents(fields.at(2), name)
		d.restoreExtent(engine, q)
		engine.queues[name] = q
	}
}

// restoreExtent reads q's extent from the store and checks that the store
// holds exactly the items in it.
func (d *checkpointDecoder) restoreExtent(engine *Engine, q *queueState) {
	if d.err != nil {
		return
	}
	latest := extentAt(q, mvcc.MaxTimestamp)
	q.head, q.tail = latest.head, latest.tail
	expected, mismatch := q.head, false
	// The prefix ends with the key part terminator 0x00 0x01, so raising
	// its last byte bounds every key with the prefix.
	end := slices.Clone(q.itemPrefix)
	end[len(end)-1]++
	err := engine.store.Scan(mvcc.ScanOptions{Start: q.itemPrefix, End: end, At: mvcc.MaxTimestamp}, func(key, _ []byte) bool {
		if expected >= q.tail || !bytes.Equal(key, q.itemKey(expected)) {
			mismatch = true
			return false
		}
		expected++
		return true
	})
	if err != nil || mismatch || expected != q.tail {
		d.fail("queue %q: items do not match extent [%d, %d)", q.name, q.head, q.tail)
	}
}

// extents decodes a queue's extent versions and checks their invariants:
// timestamps valid and strictly increasing, head <= tail, and heads and
// tails never decreasing.
func (d *checkpointDecoder) extents(v value.Value, name string) []extentVersion {
	encoded := d.bytes(v, "extents")
	if d.err != nil {
		return nil
	}
	if len(encoded)%extentVersionEncodedLen != 0 {
		d.fail("queue %q: extents of %d bytes, not a multiple of %d", name, len(encoded), extentVersionEncodedLen)
		return nil
	}
	var decoded []extentVersion
	previous := extentVersion{}
	for offset := 0; offset < len(encoded); offset += extentVersionEncodedLen {
		timestamp, _ := clock.DecodeTimestampKey(encoded[offset : offset+clock.TimestampKeyLen])
		rest := encoded[offset+clock.TimestampKeyLen:]
		next := extentVersion{timestamp: timestamp, extent: extent{head: binary.BigEndian.Uint64(rest), tail: binary.BigEndian.Uint64(rest[8:])}}
		valid := !timestamp.IsZero() && timestamp != mvcc.MaxTimestamp && next.head <= next.tail
		ordered := offset == 0 || (previous.timestamp.Less(timestamp) && previous.head <= next.head && previous.tail <= next.tail)
		if !valid || !ordered {
			d.fail("queue %q: extent %d [%d, %d) at %v invalid or out of order", name, offset/extentVersionEncodedLen, next.head, next.tail, timestamp)
			return nil
		}
		decoded = append(decoded, next)
		previous = next
	}
	return decoded
}

func (d *checkpointDecoder) restoreTransactions(engine *Engine, v value.Value) {
	for _, element := range d.list(v, -1, "transactions") {
		fields := d.list(element, 4, "transaction")
		id := d.timestamp(fields.at(0), "transaction id")
		prepared := d.boolean(fields.at(1), "prepared")
		prepareTimestamp := d.timestamp(fields.at(2), "prepare timestamp")
		if d.err != nil {
			return
		}
		t, err := engine.transactions.RestoreTransaction(id, prepared, prepareTimestamp)
		if err != nil {
			d.fail("%v", err)
			return
		}
		d.restoreRecords(engine, t, fields.at(3))
	}
}

func (d *checkpointDecoder) restoreRecords(engine *Engine, t *transaction, v value.Value) {
	for index, element := range d.list(v, -1, "queue records") {
		fields := d.list(element, 6, "queue record")
		name := d.text(fields.at(0), "queue name")
		q := engine.queues[name]
		if d.err != nil {
			return
		}
		if q == nil || (index > 0 && name <= t.queues[index-1].queue.name) {
			d.fail("transaction %v: record of queue %q unknown or out of order", t.ID(), name)
			return
		}
		r := &queueRecord{queue: q}
		r.enqueued = d.pendingItems(q, fields.at(1))
		r.dequeued = d.integer(fields.at(2), "dequeued")
		r.cleared = d.boolean(fields.at(3), "cleared")
		r.head = headLock(d.integer(fields.at(4), "head lock"))
		r.count = d.boolean(fields.at(5), "count lock")
		t.queues = append(t.queues, r)
		if d.err != nil {
			return
		}
		d.checkRecord(t.ID(), r)
		d.lockRecord(t.ID(), r)
	}
}

func (d *checkpointDecoder) pendingItems(q *queueState, v value.Value) []pendingItem {
	var items []pendingItem
	for _, element := range d.list(v, -1, "enqueued items") {
		fields := d.list(element, 2, "enqueued item")
		pending := pendingItem{sequence: d.integer(fields.at(0), "sequence"), item: d.bytes(fields.at(1), "item")}
		if d.err != nil {
			return nil
		}
		if _, err := value.Decode(pending.item); err != nil || pending.sequence >= q.sequenceNext {
			d.fail("queue %q: bad enqueued item %d", q.name, pending.sequence)
			return nil
		}
		if len(items) > 0 && pending.sequence <= items[len(items)-1].sequence {
			d.fail("queue %q: enqueued item %d out of order", q.name, pending.sequence)
			return nil
		}
		items = append(items, pending)
	}
	return items
}

// checkRecord checks the invariants of one queue record.
func (d *checkpointDecoder) checkRecord(txn engines.TxnID, r *queueRecord) {
	q := r.queue
	switch {
	case r.head >= headLockEnd:
		d.fail("transaction %v, queue %q: head lock %d", txn, q.name, r.head)
	case r.dequeued > q.tail-q.head:
		d.fail("transaction %v, queue %q: dequeued %d of %d items", txn, q.name, r.dequeued, q.tail-q.head)
	case (r.dequeued > 0 || r.cleared) && r.head != headLockExclusive:
		d.fail("transaction %v, queue %q: dequeued or cleared without the head lock", txn, q.name)
	case r.cleared && (r.dequeued > 0 || !r.count):
		d.fail("transaction %v, queue %q: cleared with dequeued items or without the count lock", txn, q.name)
	}
}

// lockRecord registers r's locks with its queue, checking that they are
// compatible with the locks registered before.
func (d *checkpointDecoder) lockRecord(txn engines.TxnID, r *queueRecord) {
	q := r.queue
	switch r.head {
	case headLockExclusive:
		if !q.headOwner.IsZero() || len(q.headSharers) > 0 {
			d.fail("queue %q: head locks of %v conflict", q.name, txn)
			return
		}
		q.headOwner = txn
	case headLockShared:
		if !q.headOwner.IsZero() {
			d.fail("queue %q: head locks of %v conflict", q.name, txn)
			return
		}
		q.headSharers.add(txn)
	}
	if r.count {
		q.countHolders.add(txn)
	}
	if len(r.enqueued) > 0 {
		q.enqueuers.add(txn)
	}
}
