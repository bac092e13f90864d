package compare

import (
	"context"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/sql"
)

// Executor errors. Compare with errors.Is.
var (
	// ErrBlocked reports a statement the engine blocked although no other
	// transaction exists: a broken engine invariant seen from outside.
	ErrBlocked = errors.New("compare: statement blocked with no other transaction")
	// ErrNoTransaction reports Commit or Rollback without Begin.
	ErrNoTransaction = errors.New("compare: no open transaction")
	// ErrTransactionOpen reports Begin inside an open transaction.
	ErrTransactionOpen = errors.New("compare: transaction already open")
)

// Executor runs SQL operations on one sql.Engine, one transaction at a
// time, committing each in one phase. It implements engines.Executor, so
// sql.New(executor, stream) gives a typed client; the stream name is
// ignored.
type Executor struct {
	engine *sql.Engine
	// tick is the last logical time handed out.
	// Invariant: every transaction id and commit timestamp is a new tick.
	tick int64
	// open is the explicit transaction, if inside Begin.
	open    engines.TxnID
	hasOpen bool
	// openApplied reports that an operation of open reached the engine:
	// the engine knows the transaction only from then on.
	openApplied bool
}

var _ engines.Executor = (*Executor)(nil)

// NewExecutor returns an executor over a new, empty SQL engine.
func NewExecutor() *Executor {
	return &Executor{engine: sql.NewEngine()}
}

// Engine returns the engine the executor drives.
func (x *Executor) Engine() *sql.Engine { return x.engine }

func (x *Executor) next() clock.Timestamp {
	x.tick++
	return clock.Timestamp{WallNanos: x.tick, Node: 1}
}

// Execute runs one encoded sql.Operation: inside the open transaction
// after Begin, else in a transaction of its own that commits at once. A
// refused statement returns the engine's *engines.Refusal and, in an
// autocommitted transaction, aborts it; in an explicit transaction the
// statement has no effect and the transaction continues.
func (x *Executor) Execute(_ context.Context, _ string, operation []byte) ([]byte, error) {
	if x.hasOpen {
		x.openApplied = true
		return x.apply(x.open, operation)
	}
	txn := x.next()
	result, err := x.apply(txn, operation)
	if err != nil {
		x.engine.Abort(txn)
		return nil, err
	}
	if err := x.engine.Commit(txn, x.next()); err != nil {
		return nil, fmt.Errorf("compare: commit: %w", err)
	}
	return result, nil
}

func (x *Executor) apply(txn engines.TxnID, operation []byte) ([]byte, error) {
	outcome := x.engine.Apply(txn, operation, txn)
	switch outcome.Status {
	case engines.StatusDone:
		return outcome.Result, nil
	case engines.StatusFailed:
		return nil, engines.AsRefusal(outcome.Err)
	}
	return nil, fmt.Errorf("%w: blockers %v", ErrBlocked, outcome.Blockers)
}

// Begin opens an explicit transaction: later Executes join it until
// Commit or Rollback.
func (x *Executor) Begin() error {
	if x.hasOpen {
		return ErrTransactionOpen
	}
	x.open, x.hasOpen, x.openApplied = x.next(), true, false
	return nil
}

// Commit commits the open transaction in one phase.
func (x *Executor) Commit() error {
	if !x.hasOpen {
		return ErrNoTransaction
	}
	x.hasOpen = false
	if !x.openApplied {
		return nil // no statement reached the engine: nothing to commit
	}
	if err := x.engine.Commit(x.open, x.next()); err != nil {
		return fmt.Errorf("compare: commit: %w", err)
	}
	return nil
}

// Rollback aborts the open transaction.
func (x *Executor) Rollback() error {
	if !x.hasOpen {
		return ErrNoTransaction
	}
	x.hasOpen = false
	x.engine.Abort(x.open)
	return nil
}
