package mvcc

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/clock"
)

// Domain errors. Compare with errors.Is; most are returned wrapped with
// detail naming the transaction, key or timestamps involved.
var (
	// ErrBlocked reports a read that met a prepared intent whose prepare
	// timestamp is at or below the read timestamp. The concrete error is a
	// *BlockedError naming the blocking transaction.
	ErrBlocked = errors.New("mvcc: blocked by prepared transaction")
	// ErrBelowWatermark reports a read below the GC watermark: the versions it
	// would need may have been collected.
	ErrBelowWatermark = errors.New("mvcc: read timestamp below GC watermark")
	// ErrUnknownTransaction reports Prepare, Commit or Abort of a transaction
	// that holds no intents (never wrote, or already committed or aborted).
	ErrUnknownTransaction = errors.New("mvcc: unknown transaction")
	// ErrTransactionPrepared reports a write by a prepared transaction, or a
	// second Prepare with a different prepare timestamp.
	ErrTransactionPrepared = errors.New("mvcc: transaction is prepared")
	// ErrInvalidTransaction reports the zero transaction id, which ReadOptions
	// reserves for "no transaction".
	ErrInvalidTransaction = errors.New("mvcc: invalid transaction id")
	// ErrInvalidTimestamp reports a prepare or commit timestamp that is zero or
	// MaxTimestamp; both are reserved.
	ErrInvalidTimestamp = errors.New("mvcc: invalid timestamp")
	// ErrCommitBeforePrepare reports a commit timestamp below the prepare
	// timestamp.
	ErrCommitBeforePrepare = errors.New("mvcc: commit timestamp before prepare timestamp")
	// ErrCommitBelowWatermark reports a commit timestamp at or below the GC
	// watermark; such a version would rewrite history already collected.
	ErrCommitBelowWatermark = errors.New("mvcc: commit timestamp at or below GC watermark")
	// ErrWriteTooOld reports a commit timestamp not strictly above the newest
	// version of a key the transaction wrote.
	ErrWriteTooOld = errors.New("mvcc: commit timestamp not above newest version")
	// ErrKeyTooLarge reports a key longer than KeyLenMax.
	ErrKeyTooLarge = errors.New("mvcc: key too large")
	// ErrValueTooLarge reports a value longer than ValueLenMax.
	ErrValueTooLarge = errors.New("mvcc: value too large")
	// ErrCorruptCheckpoint reports checkpoint bytes that Restore rejects.
	ErrCorruptCheckpoint = errors.New("mvcc: corrupt checkpoint")
	// ErrBadKeyPart reports bytes that DecodeKeyPart cannot decode.
	ErrBadKeyPart = errors.New("mvcc: bad key part")
)

// BlockedError is the error a read returns when it meets a prepared intent
// with prepare timestamp at or below the read timestamp. Txn is the smallest
// such transaction id on Key, so the answer is deterministic.
//
// Key is owned by the store: do not modify it.
type BlockedError struct {
	Txn              TxnID
	Key              []byte
	PrepareTimestamp clock.Timestamp
}

// Error names the blocking transaction, the key and the prepare timestamp.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("%v: txn %v on key %q prepared at %v", ErrBlocked, e.Txn, e.Key, e.PrepareTimestamp)
}

// Is makes errors.Is(err, ErrBlocked) hold.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// errorf returns an error wrapping sentinel, with a formatted detail.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
