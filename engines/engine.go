package engines

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/proven2pc/proven/clock"
)

// TxnID identifies a transaction: an HLC timestamp taken by its coordinator
// when the transaction began, whose Node is the coordinator's id. The order
// of TxnIDs is the transaction's age: smaller is older (wound-wait).
type TxnID = clock.Timestamp

// Engine is a deterministic transactional state machine for one stream. The
// processor drives it from a single thread, in log order; each call's
// effect must be a pure function of the engine's state and the arguments.
// An engine knows nothing of networks, clocks, logs or the simulator.
//
// Transactions begin implicitly with their first Apply. An engine never
// decides a transaction's fate on its own: it reports conflicts (Blocked)
// and the processor applies wound-wait, deadlines and 2PC.
type Engine interface {
	// Apply runs one operation of transaction txn, read at log timestamp at.
	// txn is never zero (the processor refuses such operations).
	// Done: the operation took effect and Result holds its answer. Failed:
	// the operation had no effect on data (the transaction may continue).
	// Blocked: it had no effect on data and must be retried when the
	// blockers reach the stage named by WaitFor; locks it acquired before
	// blocking may be kept (they are released with the transaction).
	Apply(txn TxnID, operation []byte, at clock.Timestamp) Outcome
	// Prepare fixes txn's effects so that they can be committed at any
	// timestamp >= prepareTimestamp, keeping its locks and reservations.
	// An error refuses: the processor votes no and aborts txn.
	// Requires: txn has applied at least one operation and is not prepared.
	Prepare(txn TxnID, prepareTimestamp clock.Timestamp) error
	// Commit makes txn's effects visible at commitTimestamp and releases its
	// locks. Requires: commitTimestamp >= its prepare timestamp when
	// prepared; for a one-phase commit, Commit follows Apply directly.
	Commit(txn TxnID, commitTimestamp clock.Timestamp) error
	// Abort discards txn's effects and releases its locks. Aborting an
	// unknown or finished transaction does nothing.
	Abort(txn TxnID)
	// Read runs a read-only operation at a snapshot, without locks. It is
	// Blocked (WaitFor Finished) when it would need a prepared write whose
	// prepare timestamp is <= snapshot. Operations that write are Failed.
	Read(operation []byte, snapshot clock.Timestamp) Outcome
	// Checkpoint serializes the whole state deterministically.
	Checkpoint() []byte
	// Held reports what transactions still hold, for liveness checks.
	Held() Held
}

// CheckpointAppender is implemented by an engine that can write its
// checkpoint into a caller's buffer, so that a large state is encoded once
// in the buffer that keeps it instead of in a buffer of its own that is
// then copied.
type CheckpointAppender interface {
	// AppendCheckpoint appends exactly the bytes Checkpoint returns to out
	// and returns the extended slice.
	AppendCheckpoint(out []byte) []byte
	// CheckpointLenHint is about the length of the next checkpoint, for
	// sizing the buffer: exact or a little short when the state is mostly
	// stored data.
	CheckpointLenHint() int
}

// CheckpointFreezer is implemented by an engine whose checkpoint can be
// frozen: taken at once and cheaply (its large part copy-on-write), then
// encoded in pieces as it is written, possibly on another goroutine while
// the engine goes on. A host writes a checkpoint to a file that way
// without holding a second copy of the state in memory.
type CheckpointFreezer interface {
	FreezeCheckpoint() FrozenCheckpoint
}

// FrozenCheckpoint is a checkpoint frozen at one moment: the bytes
// Checkpoint returned then, written in pieces.
type FrozenCheckpoint interface {
	// Len is the length of the bytes, exactly.
	Len() int
	// WriteTo writes the bytes to w. It may be called from any goroutine,
	// and more than once.
	WriteTo(w io.Writer) (int64, error)
}

// Restorer rebuilds an engine from a checkpoint (nil: a new, empty engine).
// Corrupt input returns an error, never a panic.
type Restorer func(checkpoint []byte) (Engine, error)

// Held counts what live transactions hold in an engine. After healing, a
// quiet system must hold nothing.
type Held struct {
	Transactions int // active or prepared transactions the engine knows
	Locks        int // locks (and range or predicate locks)
	Reservations int // escrow reservations and other pending claims
}

// IsZero reports whether nothing is held.
func (h Held) IsZero() bool { return h == Held{} }

// Status is what happened to an operation.
type Status uint8

const (
	StatusDone    Status = iota + 1 // it took effect
	StatusFailed                    // it was refused; no effect on data
	StatusBlocked                   // it waits for other transactions
)

var statusNames = [...]string{StatusDone: "done", StatusFailed: "failed", StatusBlocked: "blocked"}

func (s Status) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// WaitFor says when a blocked operation should be retried.
type WaitFor uint8

const (
	WaitForFinished WaitFor = iota + 1 // after every blocker commits or aborts
	WaitForPrepared                    // after every blocker prepares (or finishes)
)

func (w WaitFor) String() string {
	switch w {
	case WaitForFinished:
		return "finished"
	case WaitForPrepared:
		return "prepared"
	}
	return fmt.Sprintf("waitfor(%d)", uint8(w))
}

// Outcome is the result of Apply or Read.
type Outcome struct {
	Status   Status
	Result   []byte  // Done: the engine-encoded answer
	Err      error   // Failed: why, a domain error (see Refusal)
	Blockers []TxnID // Blocked: the transactions waited for, sorted, no repeats
	WaitFor  WaitFor // Blocked: when to retry
}

// Done returns a completed outcome.
func Done(result []byte) Outcome { return Outcome{Status: StatusDone, Result: result} }

// Failed returns a refused outcome.
func Failed(err error) Outcome { return Outcome{Status: StatusFailed, Err: err} }

// Blocked returns a blocked outcome; blockers are sorted and deduplicated.
func Blocked(waitFor WaitFor, blockers ...TxnID) Outcome {
	sorted := slices.Clone(blockers)
	slices.SortFunc(sorted, TxnID.Compare)
	sorted = slices.Compact(sorted)
	return Outcome{Status: StatusBlocked, Blockers: sorted, WaitFor: waitFor}
}

// ErrorCode classifies a domain error so that it survives the network and
// clients can act on it (errors.Is against the sentinels below).
type ErrorCode string

const (
	CodeInvalid      ErrorCode = "invalid"      // a malformed or meaningless operation
	CodeNotFound     ErrorCode = "not-found"    // a missing queue, token, table...
	CodeExists       ErrorCode = "exists"       // something to create exists already
	CodeInsufficient ErrorCode = "insufficient" // not enough balance (escrow included)
	CodeConstraint   ErrorCode = "constraint"   // a declared constraint would break
	CodeReadOnly     ErrorCode = "read-only"    // a write in a read-only transaction
	CodeAborted      ErrorCode = "aborted"      // the transaction is no longer active
	CodeDeadline     ErrorCode = "deadline"     // the transaction's deadline has passed
	CodeUnknown      ErrorCode = "unknown"      // the participant no longer knows the transaction
	CodeTooOld       ErrorCode = "too-old"      // a snapshot below the versions kept (garbage collected)
	CodeInternal     ErrorCode = "internal"     // anything else
	// CodeEarly answers a Prepare that reached the log before the
	// operations it counts ran (a coordinator that prepared ahead): it had
	// no effect, and the coordinator sends it again under a new request.
	// It never reaches a client.
	CodeEarly ErrorCode = "early"
)

// Sentinels matching each code with errors.Is.
var (
	ErrInvalid        = errors.New("engines: invalid operation")
	ErrNotFound       = errors.New("engines: not found")
	ErrExists         = errors.New("engines: already exists")
	ErrInsufficient   = errors.New("engines: insufficient")
	ErrConstraint     = errors.New("engines: constraint violated")
	ErrReadOnly       = errors.New("engines: write in a read-only transaction")
	ErrAborted        = errors.New("engines: transaction aborted")
	ErrDeadline       = errors.New("engines: transaction deadline passed")
	ErrUnknown        = errors.New("engines: transaction unknown to the participant")
	ErrSnapshotTooOld = errors.New("engines: snapshot too old: its versions were garbage collected")
	ErrInternal       = errors.New("engines: internal error")
)

var codeSentinels = map[ErrorCode]error{
	CodeInvalid: ErrInvalid, CodeNotFound: ErrNotFound, CodeExists: ErrExists,
	CodeInsufficient: ErrInsufficient, CodeConstraint: ErrConstraint, CodeReadOnly: ErrReadOnly,
	CodeAborted: ErrAborted, CodeDeadline: ErrDeadline, CodeUnknown: ErrUnknown, CodeInternal: ErrInternal,
	CodeTooOld: ErrSnapshotTooOld,
}

// Errors of every engine package, shared so that one error has one name.
var (
	// ErrCorruptCheckpoint reports checkpoint bytes that an engine's
	// Restore rejects; the message names the engine and what was wrong.
	ErrCorruptCheckpoint = errors.New("engines: corrupt checkpoint")
	// ErrBadResult reports result bytes a typed client cannot read: an
	// executor or engine out of step with the client. The message names
	// the engine and the operation.
	ErrBadResult = errors.New("engines: bad result")
)

// Sentinel returns a new sentinel error for an engine's own domain error
// (message names the engine first: "kv: bad operation") that also matches
// code's sentinel with errors.Is, so that AsRefusal gives every error
// wrapping it that code.
func Sentinel(code ErrorCode, message string) error {
	return &codedSentinel{code: code, message: message}
}

type codedSentinel struct {
	code    ErrorCode
	message string
}

func (e *codedSentinel) Error() string { return e.message }

// Is matches the code's sentinel.
func (e *codedSentinel) Is(target error) bool { return codeSentinels[e.code] == target }

// Refusal is a domain error with a code: what engines return in Failed
// outcomes and what travels back to clients.
type Refusal struct {
	Code    ErrorCode
	Message string // names what was wrong, e.g. `kv: key "a": not an int`
}

func (r *Refusal) Error() string { return r.Message }

// Is matches the code's sentinel.
func (r *Refusal) Is(target error) bool {
	sentinel, ok := codeSentinels[r.Code]
	return ok && sentinel == target
}

// Refuse builds a Refusal with a formatted message.
func Refuse(code ErrorCode, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsRefusal converts any error to a Refusal for the wire: a Refusal stays
// as it is; an error matching a sentinel gets its code; anything else is
// internal.
func AsRefusal(err error) *Refusal {
	var refusal *Refusal
	if errors.As(err, &refusal) {
		return refusal
	}
	for _, code := range []ErrorCode{CodeInvalid, CodeNotFound, CodeExists, CodeInsufficient, CodeConstraint,
		CodeReadOnly, CodeAborted, CodeDeadline, CodeUnknown, CodeTooOld} {
		if errors.Is(err, codeSentinels[code]) {
			return &Refusal{Code: code, Message: err.Error()}
		}
	}
	return &Refusal{Code: CodeInternal, Message: err.Error()}
}
