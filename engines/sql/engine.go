package sql

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/mvcc"
)

// Engine is the SQL engine of one stream: an mvcc store holding the
// catalog, rows and index entries, plus the locks of every live
// transaction. See the package documentation.
type Engine struct {
	store *mvcc.Store
	// transactions holds every Active or Prepared transaction, from its
	// first Apply to its Commit or Abort, with the locks it holds.
	transactions map[engines.TxnID]*transaction
	// statements and schemas cache parsed statement texts and decoded
	// catalog entries (cache.go); they never change a result.
	statements *lruCache[parser.Statement]
	schemas    *lruCache[*tableSchema]
	// rowCounts estimates the rows of each table (statistics.go).
	rowCounts map[string]int64
	// writePlans and queryPlans keep compiled statements (cache.go).
	writePlans writePlanCache
	queryPlans queryPlanCache
}

// transaction is what the engine knows of one live transaction.
type transaction struct {
	prepared         bool
	prepareTimestamp clock.Timestamp
	// wrote reports that the store holds intents of the transaction.
	// Invariant: wrote iff the mvcc store knows the transaction.
	wrote bool
	// statements counts the statements that completed (done or failed); a
	// statement's position feeds generated ids, so a retried blocked
	// statement gets the same ids.
	statements int
	// schema maps a resource ("t:" table or "i:" index name) to true for
	// an exclusive lock, false for a shared one. It and rows are nil
	// until the transaction's first such lock.
	schema     map[string]bool
	predicates []predicate
	rows       map[string]rowLock // by row key
	// tables remembers the schemas the transaction read, valid while it
	// holds their shared schema locks; its own DDL clears it (schemas.go).
	tables []namedSchema
}

func (t *transaction) lockCount() int { return len(t.schema) + len(t.predicates) + len(t.rows) }

var _ engines.Engine = (*Engine)(nil)

var _ engines.Restorer = Restore

// NewEngine returns an empty engine with an empty catalog.
func NewEngine() *Engine {
	return newEngine(mvcc.New(mvcc.Options{}))
}

func newEngine(store *mvcc.Store) *Engine {
	return &Engine{store: store, transactions: map[engines.TxnID]*transaction{},
		statements: newLRUCache[parser.Statement](statementCacheEntriesMax),
		schemas:    newLRUCache[*tableSchema](schemaCacheEntriesMax)}
}

// Apply runs one statement of a read-write transaction. Reads see the
// latest committed data plus txn's own writes; locks keep every other
// transaction's intents out of the way.
func (e *Engine) Apply(txn engines.TxnID, operation []byte, at clock.Timestamp) engines.Outcome {
	if txn.IsZero() {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "sql: zero transaction id"))
	}
	op, err := DecodeOperation(operation)
	if err != nil {
		return engines.Failed(refusal(err))
	}
	record := e.begin(txn)
	if record.prepared {
		return engines.Failed(engines.Refuse(engines.CodeInvalid, "sql: transaction %v is prepared and takes no more statements", txn))
	}
	s := &session{engine: e, txn: txn, record: record, at: mvcc.MaxTimestamp, now: txn, args: op.Arguments, statement: record.statements}
	result, err := s.run(op.Query)
	if blocked, ok := asBlocked(err); ok {
		return engines.Blocked(engines.WaitForFinished, blocked.blockers...)
	}
	record.statements++
	if err != nil {
		return engines.Failed(refusal(err))
	}
	return engines.Done(result.encode())
}

// asBlocked returns the blockedError in err's chain. It asks errors.As
// only for a non-nil err, so a statement that succeeds allocates nothing
// for the check.
func asBlocked(err error) (*blockedError, bool) {
	if err == nil {
		return nil, false
	}
	var blocked *blockedError
	ok := errors.As(err, &blocked)
	return blocked, ok
}

func (e *Engine) begin(txn engines.TxnID) *transaction {
	record, ok := e.transactions[txn]
	if !ok {
		record = &transaction{} // lock maps are made on the first lock
		e.transactions[txn] = record
	}
	return record
}

// Read runs a query at snapshot without locks. It is Blocked when it
// meets a prepared write at or below the snapshot; statements that write
// are Failed.
func (e *Engine) Read(operation []byte, snapshot clock.Timestamp) engines.Outcome {
	op, err := DecodeOperation(operation)
	if err != nil {
		return engines.Failed(refusal(err))
	}
	s := &session{engine: e, at: snapshot, now: snapshot, args: op.Arguments}
	result, err := s.run(op.Query)
	if blocked, ok := asBlocked(err); ok {
		return engines.Blocked(engines.WaitForFinished, blocked.blockers...)
	}
	if err != nil {
		return engines.Failed(refusal(err))
	}
	return engines.Done(result.encode())
}

// Prepare fixes txn's writes at prepareTimestamp; the transaction keeps
// its locks. Preparing again at the same timestamp does nothing.
func (e *Engine) Prepare(txn engines.TxnID, prepareTimestamp clock.Timestamp) error {
	record, ok := e.transactions[txn]
	if !ok {
		return fmt.Errorf("%w: prepare of %v", ErrUnknownTransaction, txn)
	}
	if !validTimestamp(prepareTimestamp) {
		return fmt.Errorf("%w: prepare of %v at %v", ErrInvalidTimestamp, txn, prepareTimestamp)
	}
	if record.prepared {
		if record.prepareTimestamp == prepareTimestamp {
			return nil
		}
		return fmt.Errorf("%w: %v prepared at %v, asked again at %v", ErrInvalidTimestamp, txn, record.prepareTimestamp, prepareTimestamp)
	}
	if record.wrote {
		if err := e.store.Prepare(txn, prepareTimestamp); err != nil {
			return fmt.Errorf("sql: prepare of %v: %w", txn, err)
		}
	}
	record.prepared, record.prepareTimestamp = true, prepareTimestamp
	return nil
}

// Commit makes txn's writes visible at commitTimestamp and releases its
// locks. On error nothing changes.
func (e *Engine) Commit(txn engines.TxnID, commitTimestamp clock.Timestamp) error {
	record, ok := e.transactions[txn]
	if !ok {
		return fmt.Errorf("%w: commit of %v", ErrUnknownTransaction, txn)
	}
	if !validTimestamp(commitTimestamp) {
		return fmt.Errorf("%w: commit of %v at %v", ErrInvalidTimestamp, txn, commitTimestamp)
	}
	if record.prepared && commitTimestamp.Less(record.prepareTimestamp) {
		return fmt.Errorf("%w: commit of %v at %v, below its prepare timestamp %v", ErrInvalidTimestamp, txn, commitTimestamp, record.prepareTimestamp)
	}
	if record.wrote {
		if err := e.store.Commit(txn, commitTimestamp); err != nil {
			return fmt.Errorf("sql: commit of %v: %w", txn, err)
		}
	}
	delete(e.transactions, txn)
	return nil
}

// Abort discards txn's writes (DDL included) and releases its locks.
func (e *Engine) Abort(txn engines.TxnID) {
	record, ok := e.transactions[txn]
	if !ok {
		return
	}
	if record.wrote {
		if err := e.store.Abort(txn); err != nil {
			assert.Broken("sql: txn %v wrote but the store cannot abort it: %v", txn, err)
		}
	}
	delete(e.transactions, txn)
}

// Held counts live transactions and their schema, predicate and row locks.
func (e *Engine) Held() engines.Held {
	held := engines.Held{Transactions: len(e.transactions)}
	for _, txn := range e.others(engines.TxnID{}) {
		held.Locks += e.transactions[txn].lockCount()
	}
	return held
}

func validTimestamp(t clock.Timestamp) bool { return !t.IsZero() && t != mvcc.MaxTimestamp }
