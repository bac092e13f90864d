package sql

import (
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/mvcc"
)

// Checkpoint format: the engines value encoding of
//
//	["PSQL", 2, store checkpoint bytes, [transaction...], [row count...]]
//	transaction: [id key, prepared, prepare timestamp key, wrote,
//	              statements, [[resource, exclusive]...] (resources
//	              ascending), [predicate...] (in acquisition order),
//	              [row lock...] (by row key ascending)]
//	predicate:   [table, column, low bound, high bound]
//	bound:       [set, typed value, inclusive]
//	row lock:    [table, key bytes, [[[name, typed value]...]...]]
//	row count:   [table id, rows > 0] (statistics.go), by id ascending
//
// transactions ascending by id. The same state always gives the same
// bytes.
const (
	checkpointMagic   = "PSQL"
	checkpointVersion = 2
)

// Checkpoint serializes the store and every live transaction with its
// locks.
func (e *Engine) Checkpoint() []byte {
	return value.Append(nil, value.List(value.String(checkpointMagic), value.Int(checkpointVersion),
		value.Bytes(e.store.Checkpoint()), e.encodeTransactions(), e.encodeRowCounts()))
}

// FreezeCheckpoint (engines.CheckpointFreezer) freezes Checkpoint's bytes:
// the store copy-on-write (mvcc.FrozenCheckpoint), the transactions and
// row counts encoded now. Checkpoint encodes the store three times over
// (its bytes, a bytes value of them, the list); written frozen, it is
// encoded once, in pieces.
func (e *Engine) FreezeCheckpoint() engines.FrozenCheckpoint {
	store := e.store.FreezeCheckpoint()
	prefix := value.AppendListHead(nil, 5)
	prefix = value.Append(prefix, value.String(checkpointMagic))
	prefix = value.Append(prefix, value.Int(checkpointVersion))
	prefix = value.AppendBytesHead(prefix, store.Len())
	suffix := value.Append(value.Append(nil, e.encodeTransactions()), e.encodeRowCounts())
	return binenc.Joined{Prefix: prefix, Inner: store, Suffix: suffix}
}

// encodeTransactions encodes every live transaction with its locks, by id.
func (e *Engine) encodeTransactions() value.Value {
	var transactions []value.Value
	for _, id := range e.others(engines.TxnID{}) {
		transactions = append(transactions, encodeTransaction(id, e.transactions.Lookup(id)))
	}
	return value.List(transactions...)
}

func encodeTransaction(id engines.TxnID, t *transaction) value.Value {
	var schema, predicates, rows []value.Value
	for _, resource := range sortedKeys(t.schema) {
		schema = append(schema, value.List(value.String(resource), value.Bool(t.schema[resource])))
	}
	for _, p := range t.predicates {
		predicates = append(predicates, value.List(value.String(p.Table), value.String(p.Column), encodeBound(p.Low), encodeBound(p.High)))
	}
	for _, key := range sortedKeys(t.rows) {
		lock := t.rows[key]
		images := make([]value.Value, len(lock.Images))
		for i, image := range lock.Images {
			columns := make([]value.Value, len(image.columns))
			for j, name := range image.columns {
				columns[j] = value.List(value.String(name), encodeTypedValue(image.values[j]))
			}
			images[i] = value.List(columns...)
		}
		rows = append(rows, value.List(value.String(lock.Table), value.Bytes([]byte(lock.Key)), value.List(images...)))
	}
	return value.List(value.Bytes(id.AppendKey(nil)), value.Bool(t.Prepared()), value.Bytes(t.PrepareTimestamp().AppendKey(nil)),
		value.Bool(t.wrote), value.Int(int64(t.statements)), value.List(schema...), value.List(predicates...), value.List(rows...))
}

func encodeBound(b bound) value.Value {
	return value.List(value.Bool(b.Set), encodeTypedValue(b.Value), value.Bool(b.Inclusive))
}

// Restore rebuilds an engine from Checkpoint bytes; nil or empty bytes
// give a new engine. Corrupt bytes return ErrCorruptCheckpoint.
func Restore(checkpoint []byte) (engines.Engine, error) {
	if len(checkpoint) == 0 {
		return NewEngine(), nil
	}
	value, err := value.Decode(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	d := &valueReader{}
	fields := d.list(value, 5)
	if d.text(fields, 0) != checkpointMagic || d.integer(fields, 1) != checkpointVersion {
		d.fail("bad magic or format")
	}
	storeBytes := d.bytes(fields, 2)
	items := d.items(fields, 3)
	rowCounts := decodeRowCounts(d, fields, 4)
	if d.err != nil {
		return nil, d.err
	}
	store, err := mvcc.Restore([]byte(storeBytes), mvcc.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	e := newEngine(store)
	e.rowCounts = rowCounts
	for _, item := range items {
		if err := e.restoreTransaction(d, item); err != nil {
			return nil, err
		}
	}
	if err := e.transactions.CheckRestored(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	return e, nil
}

func decodeTimestamp(d *valueReader, fields []value.Value, i int) clock.Timestamp {
	t, err := clock.DecodeTimestampKey([]byte(d.bytes(fields, i)))
	if err != nil {
		d.fail("timestamp: %v", err)
	}
	return t
}

func (e *Engine) restoreTransaction(d *valueReader, item value.Value) error {
	f := d.list(item, 8)
	id, prepared, prepareTimestamp := decodeTimestamp(d, f, 0), d.boolean(f, 1), decodeTimestamp(d, f, 2)
	if d.err != nil {
		return d.err
	}
	t, err := e.transactions.RestoreTransaction(id, prepared, prepareTimestamp)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	t.wrote, t.statements, t.schema, t.rows = d.boolean(f, 3), d.integer(f, 4), map[string]bool{}, map[string]rowLock{}
	for _, entry := range d.items(f, 5) {
		g := d.list(entry, 2)
		t.schema[d.text(g, 0)] = d.boolean(g, 1)
	}
	for _, entry := range d.items(f, 6) {
		g := d.list(entry, 4)
		t.predicates = append(t.predicates, predicate{Table: d.text(g, 0), Column: d.text(g, 1), Low: decodeBound(d, g[2]), High: decodeBound(d, g[3])})
	}
	for _, entry := range d.items(f, 7) {
		g := d.list(entry, 3)
		lock := rowLock{Table: d.text(g, 0), Key: d.bytes(g, 1)}
		for _, imageValue := range d.items(g, 2) {
			var image rowImage
			for _, cell := range d.items([]value.Value{imageValue}, 0) {
				h := d.list(cell, 2)
				image.columns = append(image.columns, d.text(h, 0))
				image.values = append(image.values, d.typed(h, 1))
			}
			lock.Images = append(lock.Images, image)
		}
		t.rows[lock.Key] = lock
	}
	return d.err
}

func decodeBound(d *valueReader, v value.Value) bound {
	f := d.list(v, 3)
	return bound{Set: d.boolean(f, 0), Value: d.typed(f, 1), Inclusive: d.boolean(f, 2)}
}
