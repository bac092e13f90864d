package sql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/mvcc"
)

// session runs one statement: in a read-write transaction (record set,
// reading at MaxTimestamp with the transaction's own writes and taking
// locks) or in a snapshot read (record nil, no locks, no writes).
type session struct {
	engine *Engine
	txn    engines.TxnID
	record *transaction
	at     clock.Timestamp
	now    clock.Timestamp // NOW(): the transaction id's time, or the snapshot
	args   []Value
	// statement is the statement's position in its transaction; with
	// generated it makes ids unique and deterministic.
	statement int
	generated int
	schemas   []namedSchema // tables read by this statement (few: a slice)
	// rowsProduced bounds the rows one statement may materialize.
	rowsProduced int
}

// syntaxError wraps the parser's error, which names line and column.
type syntaxError struct{ err error }

func (e *syntaxError) Error() string { return e.err.Error() }
func (e *syntaxError) Is(target error) bool {
	return target == ErrSyntax || errors.Is(ErrSyntax, target)
}
func (e *syntaxError) Unwrap() error { return e.err }

func (s *session) run(text string) (*Result, error) {
	statement, err := s.engine.parseStatement(text)
	if err != nil {
		return nil, &syntaxError{err: err}
	}
	return s.execute(statement)
}

func (s *session) execute(statement parser.Statement) (*Result, error) {
	if _, isQuery := statement.(*parser.Query); !isQuery && s.record == nil {
		if _, isExplain := statement.(*parser.Explain); !isExplain {
			return nil, fmt.Errorf("%w: %s", ErrReadOnly, firstWord(statement))
		}
	}
	switch statement := statement.(type) {
	case *parser.Query:
		return s.query(statement)
	case *parser.Explain:
		return s.explain(statement)
	case *parser.Insert:
		return s.insert(statement)
	case *parser.Update:
		return s.update(statement)
	case *parser.Delete:
		return s.delete(statement)
	case *parser.CreateTable:
		return s.createTable(statement)
	case *parser.DropTable:
		return s.dropTable(statement)
	case *parser.CreateIndex:
		return s.createIndex(statement)
	case *parser.DropIndex:
		return s.dropIndex(statement)
	case *parser.AlterTable:
		return s.alterTable(statement)
	}
	return nil, fmt.Errorf("%w: unsupported statement %s", ErrInvalid, statement)
}

func firstWord(statement parser.Statement) string {
	text := statement.String()
	for i, r := range text {
		if r == ' ' {
			return text[:i]
		}
	}
	return text
}

// newID returns 24 bytes unique to this transaction, statement and call.
func (s *session) newID() string {
	id := s.txn.AppendKey(nil)
	id = binary.BigEndian.AppendUint32(id, uint32(s.statement))
	id = binary.BigEndian.AppendUint32(id, uint32(s.generated))
	s.generated++
	return string(id)
}

// readOptions reads the transaction's view or the snapshot.
func (s *session) readOptions() mvcc.ReadOptions {
	return mvcc.ReadOptions{At: s.at, Txn: s.txn}
}

func (s *session) storeError(err error) error {
	var blocked *mvcc.BlockedError
	if errors.As(err, &blocked) {
		return &blockedError{blockers: []engines.TxnID{blocked.Txn}}
	}
	return engines.AsRefusal(err)
}

func (s *session) get(key []byte) ([]byte, bool, error) {
	value, found, err := s.engine.store.Get(key, s.readOptions())
	if err != nil {
		return nil, false, s.storeError(err)
	}
	return value, found, nil
}

// scan visits [start, end) in key order until fn returns false or an
// error.
func (s *session) scan(start, end []byte, fn func(key, value []byte) (bool, error)) error {
	var visitErr error
	err := s.engine.store.Scan(mvcc.ScanOptions{Start: start, End: end, At: s.at, Txn: s.txn}, func(key, value []byte) bool {
		more, err := fn(key, value)
		visitErr = err
		return more && err == nil
	})
	if err != nil {
		return s.storeError(err)
	}
	return visitErr
}

func (s *session) put(key, value []byte) {
	if err := s.engine.store.Put(s.txn, key, value); err != nil {
		assert.Broken("sql: checked put of %q by active txn %v refused: %v", key, s.txn, err)
	}
	s.record.wrote = true
}

func (s *session) remove(key []byte) {
	if err := s.engine.store.Delete(s.txn, key); err != nil {
		assert.Broken("sql: delete of %q by active txn %v refused: %v", key, s.txn, err)
	}
	s.record.wrote = true
}

// lockSchema takes a schema lock on resource ("t:"+table, "i:"+index).
func (s *session) lockSchema(resource string, exclusive bool) error {
	if s.record == nil {
		return nil
	}
	if held, ok := s.record.schema[resource]; ok && (held || !exclusive) {
		return nil
	}
	if blockers := s.engine.schemaBlockers(s.txn, resource, exclusive); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	if s.record.schema == nil {
		s.record.schema = map[string]bool{}
	}
	s.record.schema[resource] = exclusive
	return nil
}

// lockPredicate takes a shared predicate lock, unless an equal or
// whole-table one is held.
func (s *session) lockPredicate(p predicate) error {
	if s.record == nil {
		return nil
	}
	for _, held := range s.record.predicates {
		if held.equal(p) || held.Table == p.Table && held.Column == "" {
			return nil
		}
	}
	if blockers := s.engine.predicateBlockers(s.txn, p); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	if p.Column == "" {
		// The whole-table lock covers every narrower one of the table.
		kept := s.record.predicates[:0]
		for _, held := range s.record.predicates {
			if held.Table != p.Table {
				kept = append(kept, held)
			}
		}
		s.record.predicates = kept
	}
	s.record.predicates = append(s.record.predicates, p)
	return nil
}

// lockRow takes (or extends) an exclusive lock on a row key.
func (s *session) lockRow(lock rowLock) error {
	if blockers := s.engine.rowBlockers(s.txn, lock); len(blockers) > 0 {
		return &blockedError{blockers: blockers}
	}
	key := rowLockKey(lock.Table, lock.Key)
	held, ok := s.record.rows[key]
	if !ok {
		if s.record.rows == nil {
			s.record.rows = map[string]rowLock{}
		}
		s.record.rows[key] = lock
		return nil
	}
	for _, image := range lock.Images {
		if !containsImage(held.Images, image) {
			held.Images = append(held.Images, image)
		}
	}
	s.record.rows[key] = held
	return nil
}

func containsImage(images [][]columnValue, image []columnValue) bool {
	for _, held := range images {
		if len(held) != len(image) {
			continue
		}
		same := true
		for i := range held {
			if held[i] != image[i] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// table reads a table's schema under a shared schema lock.
func (s *session) table(name string) (*tableSchema, error) {
	for _, known := range s.schemas {
		if known.name == name {
			return known.schema, nil
		}
	}
	if err := s.lockSchema("t:"+name, false); err != nil {
		return nil, err
	}
	t, found, err := s.readSchema(name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrUnknownTable, name)
	}
	s.schemas = append(s.schemas, namedSchema{name: name, schema: t})
	return t, nil
}

// tableToChange reads a table's schema as table does and returns a copy
// that DDL may change before writeSchema.
func (s *session) tableToChange(name string) (*tableSchema, error) {
	t, err := s.table(name)
	if err != nil {
		return nil, err
	}
	return t.clone(), nil
}

func (s *session) readSchema(name string) (*tableSchema, bool, error) {
	raw, found, err := s.get(catalogKey(name))
	if err != nil || !found {
		return nil, false, err
	}
	t, err := s.engine.decodeCachedSchema(raw)
	if err != nil {
		return nil, false, fmt.Errorf("sql: catalog entry of %s does not decode: %w", name, err)
	}
	return t, true, nil
}

func (s *session) writeSchema(t *tableSchema) {
	s.put(catalogKey(t.Name), t.encode())
	s.forgetSchema(t.Name)
}

// namedSchema is a table schema a statement read, under its name.
type namedSchema struct {
	name   string
	schema *tableSchema
}

// forgetSchema drops what the statement read of a table, after DDL
// changed it.
func (s *session) forgetSchema(name string) {
	s.schemas = slices.DeleteFunc(s.schemas, func(known namedSchema) bool { return known.name == name })
}

// produced counts materialized rows against the statement's limit.
func (s *session) produced(rows int) error {
	s.rowsProduced += rows
	if s.rowsProduced > intermediateMax {
		return fmt.Errorf("%w: a statement may produce at most %d intermediate rows", ErrLimit, intermediateMax)
	}
	return nil
}
