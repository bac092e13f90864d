package stream

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/txnset"
	"github.com/proven2pc/proven/mvcc"
)

// Engine is the Stream engine of one stream: one append-only stream
// table. It is not safe for concurrent use: the stream's processor drives
// it from one thread.
type Engine struct {
	// twoPhase gives the engine Prepare (claims stay), Commit
	// (writeCommit: the transaction's appends take the next positions, in
	// order; then release) and Abort (its appends vanish, no position was
	// ever given to them), run by transactions.
	twoPhase
	// transactions runs the lifecycle of every Active or Prepared
	// transaction, from its first Apply until its Commit or Abort. Its
	// store stays empty: committed items never change, so they need no
	// versions (see items and commits).
	transactions *mvcc.Participant[transaction, *transaction]
	// items holds the committed items' value encodings: items[i] sits at
	// position i+1. Items are never changed or removed.
	items [][]byte
	// commits records the latest position after each commit that
	// appended, for snapshot reads: the latest position at T is that of
	// the last commit stamped at or before T (none: 0).
	// Invariant: timestamps and latest positions strictly increase, and
	// the last latest position is len(items) (no commits: no items).
	commits []commitVersion
	// tailHolders observed where the table ends (the tail lock, shared):
	// LatestPosition, or a ReadFrom that asked for a position past the
	// last committed one.
	tailHolders txnset.Set
	// appenders hold uncommitted appends.
	// Invariant: a transaction in tailHolders is the only one in
	// appenders, if any, and the other way round.
	appenders txnset.Set
}

var _ engines.Engine = (*Engine)(nil)

type twoPhase = mvcc.TwoPhase[transaction, *transaction]

// transaction is the engine's record of an Active or Prepared
// transaction.
type transaction struct {
	mvcc.Lifecycle
	// appended lists the value encodings of its uncommitted appends, in
	// order. Invariant: at most TransactionAppendsMax.
	appended [][]byte
	// tail: it holds the tail lock.
	tail bool
}

// commitVersion is the table's latest position as a commit left it.
type commitVersion struct {
	timestamp clock.Timestamp
	latest    uint64
}

// NewEngine returns an engine with an empty table.
func NewEngine() *Engine {
	e := &Engine{}
	e.transactions = mvcc.NewParticipant("stream", mvcc.New(mvcc.Options{}), mvcc.Steps[*transaction]{Write: e.writeCommit, Release: e.release})
	e.twoPhase = e.transactions.TwoPhase()
	return e
}

// Apply runs one operation of txn. The log timestamp does not matter to
// the table.
func (e *Engine) Apply(txn engines.TxnID, operationBytes []byte, _ clock.Timestamp) engines.Outcome {
	record := e.transactions.Begin(txn)
	op, err := decodeOperation(operationBytes)
	if err != nil {
		return engines.Failed(err)
	}
	switch op.kind {
	case operationAppend:
		return e.append(record, op.values)
	case operationReadFrom:
		return e.readFrom(record, op)
	case operationLatestPosition:
		return e.latestPosition(record)
	default:
		assert.Broken("stream: decoded operation kind %v", op.kind)
		return engines.Outcome{}
	}
}

// latest returns the last committed position (0: the table is empty).
func (e *Engine) latest() uint64 { return uint64(len(e.items)) }

// writeCommit gives a committing transaction's appends the next
// positions, in the order it made them, and records the new latest
// position at commitTimestamp.
func (e *Engine) writeCommit(record *transaction, commitTimestamp clock.Timestamp) {
	if len(record.appended) == 0 {
		return
	}
	if last := len(e.commits) - 1; last >= 0 && !e.commits[last].timestamp.Less(commitTimestamp) {
		assert.Broken("stream: txn %v appends at %v, not after the append committed at %v", record.ID(), commitTimestamp, e.commits[last].timestamp)
	}
	e.items = append(e.items, record.appended...)
	e.commits = append(e.commits, commitVersion{timestamp: commitTimestamp, latest: e.latest()})
}

// release drops the claims of a finishing transaction.
func (e *Engine) release(record *transaction) {
	e.tailHolders.Remove(record.ID())
	e.appenders.Remove(record.ID())
}

// latestAt returns the latest position committed at or before snapshot.
func (e *Engine) latestAt(snapshot clock.Timestamp) uint64 {
	after, _ := slices.BinarySearchFunc(e.commits, snapshot, func(v commitVersion, target clock.Timestamp) int {
		if target.Less(v.timestamp) {
			return 1
		}
		return -1
	})
	if after == 0 {
		return 0
	}
	return e.commits[after-1].latest
}

// Held counts the transactions known, the tail locks they hold and their
// reservations: uncommitted appended values.
func (e *Engine) Held() engines.Held {
	held := engines.Held{Transactions: e.transactions.Len(), Locks: len(e.tailHolders)}
	for _, id := range e.appenders {
		held.Reservations += len(e.transactions.Lookup(id).appended)
	}
	return held
}
