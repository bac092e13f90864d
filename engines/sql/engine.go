package sql

import (
	"errors"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/mvcc"
)

// Engine is the SQL engine of one stream: an mvcc store holding the
// catalog, rows and index entries, plus the locks of every live
// transaction. See the package documentation.
type Engine struct {
	// twoPhase gives the engine Prepare (writes are fixed, locks stay),
	// Commit (writes, DDL included, become visible; locks are released)
	// and Abort, run by transactions.
	twoPhase
	store *mvcc.Store
	// transactions runs the lifecycle of every Active or Prepared
	// transaction, from its first Apply to its Commit or Abort; its record
	// holds its locks, released with it.
	transactions *mvcc.Participant[transaction, *transaction]
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

type twoPhase = mvcc.TwoPhase[transaction, *transaction]

// transaction is what the engine knows of one live transaction.
type transaction struct {
	mvcc.Lifecycle
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
	e := &Engine{store: store, transactions: mvcc.NewParticipant("sql", store, mvcc.Steps[*transaction]{}),
		statements: newLRUCache[parser.Statement](statementCacheEntriesMax),
		schemas:    newLRUCache[*tableSchema](schemaCacheEntriesMax)}
	e.twoPhase = e.transactions.TwoPhase()
	return e
}

// Apply runs one statement of a read-write transaction. Reads see the
// latest committed data plus txn's own writes; locks keep every other
// transaction's intents out of the way.
func (e *Engine) Apply(txn engines.TxnID, operation []byte, at clock.Timestamp) engines.Outcome {
	record := e.transactions.Begin(txn)
	op, err := DecodeOperation(operation)
	if err != nil {
		return engines.Failed(refusal(err))
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

// Held counts live transactions and their schema, predicate and row locks.
func (e *Engine) Held() engines.Held {
	held := engines.Held{Transactions: e.transactions.Len()}
	for _, txn := range e.others(engines.TxnID{}) {
		held.Locks += e.transactions.Lookup(txn).lockCount()
	}
	return held
}
