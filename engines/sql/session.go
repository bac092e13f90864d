package sql

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/mvcc"
)

// session is the context of one statement: in a read-write transaction
// (record set, reading at MaxTimestamp with the transaction's own writes
// and taking locks) or in a snapshot read (record nil, no locks, no
// writes). It owns what every concern of a statement shares: the store
// reads and writes, the statement's arguments and generated ids, and its
// row budget. The concerns themselves are separate types over it:
//
//   - locker (locks.go): schema, predicate and row locks;
//   - catalog (schemas.go): the schemas a statement reads, under locks;
//   - planner (plan*.go): access paths, validation and join order;
//   - executor (query.go, expr.go, ...): running queries;
//   - ddl (ddl.go) and dml (dml.go): the statements that change things.
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
	// schemasBuffer holds the first schemas, saving an allocation.
	schemasBuffer [2]namedSchema
	// rowsProduced bounds the rows one statement may materialize.
	rowsProduced int
	// volatileCompiled counts the volatile calls compiled (a subquery
	// holding one is never answered from memory).
	volatileCompiled int
	// parametersMax is the highest parameter number compiled.
	parametersMax int
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
	if isDDL(statement) {
		s.catalog().forgetTransactionTables()
		defer s.catalog().forgetTransactionTables()
	}
	switch statement := statement.(type) {
	case *parser.Query:
		return s.executor().query(statement)
	case *parser.Explain:
		return s.planner().explain(statement)
	case *parser.Insert:
		return dml{s}.insert(statement)
	case *parser.Update:
		return dml{s}.update(statement)
	case *parser.Delete:
		return dml{s}.delete(statement)
	case *parser.CreateTable:
		return ddl{s}.createTable(statement)
	case *parser.DropTable:
		return ddl{s}.dropTable(statement)
	case *parser.CreateIndex:
		return ddl{s}.createIndex(statement)
	case *parser.DropIndex:
		return ddl{s}.dropIndex(statement)
	case *parser.AlterTable:
		return ddl{s}.alterTable(statement)
	case *parser.CreateView:
		return ddl{s}.createView(statement)
	case *parser.DropView:
		return ddl{s}.dropView(statement)
	}
	return nil, fmt.Errorf("%w: unsupported statement %s", ErrInvalid, statement)
}

// The concerns of a statement, each a small value over the session.
func (s *session) locks() locker      { return locker{engine: s.engine, txn: s.txn, record: s.record} }
func (s *session) catalog() catalog   { return catalog{s} }
func (s *session) planner() planner   { return planner{s} }
func (s *session) executor() executor { return executor{s} }

func isDDL(statement parser.Statement) bool {
	switch statement.(type) {
	case *parser.CreateTable, *parser.DropTable, *parser.CreateIndex, *parser.DropIndex, *parser.AlterTable, *parser.CreateView, *parser.DropView:
		return true
	}
	return false
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

// produced counts materialized rows against the statement's limit.
func (s *session) produced(rows int) error {
	s.rowsProduced += rows
	if s.rowsProduced > intermediateMax {
		return fmt.Errorf("%w: a statement may produce at most %d intermediate rows", ErrLimit, intermediateMax)
	}
	return nil
}
