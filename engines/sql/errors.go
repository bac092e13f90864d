package sql

import (
	"fmt"

	"github.com/proven2pc/proven/engines"
)

// Domain errors. Each matches an engines sentinel too, so that
// engines.AsRefusal gives it the right code on the wire.
var (
	ErrSyntax          error = &codedError{message: "sql: syntax error", matches: engines.ErrInvalid}
	ErrType            error = &codedError{message: "sql: type error", matches: engines.ErrInvalid}
	ErrRange           error = &codedError{message: "sql: value out of range", matches: engines.ErrInvalid}
	ErrUnknownTable    error = &codedError{message: "sql: unknown table", matches: engines.ErrNotFound}
	ErrUnknownColumn   error = &codedError{message: "sql: unknown column", matches: engines.ErrNotFound}
	ErrUnknownIndex    error = &codedError{message: "sql: unknown index", matches: engines.ErrNotFound}
	ErrUnknownFunction error = &codedError{message: "sql: unknown function", matches: engines.ErrInvalid}
	ErrAmbiguousColumn error = &codedError{message: "sql: ambiguous column", matches: engines.ErrInvalid}
	ErrExists          error = &codedError{message: "sql: already exists", matches: engines.ErrExists}
	ErrConstraint      error = &codedError{message: "sql: constraint violated", matches: engines.ErrConstraint}
	ErrInvalid         error = &codedError{message: "sql: invalid statement", matches: engines.ErrInvalid}
	ErrReadOnly        error = &codedError{message: "sql: write in a read-only snapshot read", matches: engines.ErrReadOnly}
	ErrDivisionByZero  error = &codedError{message: "sql: division by zero", matches: engines.ErrInvalid}
	ErrLimit           error = &codedError{message: "sql: limit exceeded", matches: engines.ErrInvalid}
	// ErrCorruptCheckpoint reports checkpoint bytes Restore rejects; it
	// matches engines.ErrCorruptCheckpoint.
	ErrCorruptCheckpoint = fmt.Errorf("%w: sql", engines.ErrCorruptCheckpoint)
)

type codedError struct {
	message string
	matches error
}

func (e *codedError) Error() string        { return e.message }
func (e *codedError) Is(target error) bool { return target == e.matches }

// blockedError stops a statement that must wait for other transactions.
// It never leaves the package: Apply turns it into a Blocked outcome.
type blockedError struct {
	blockers []engines.TxnID
}

func (e *blockedError) Error() string { return fmt.Sprintf("sql: blocked by %v", e.blockers) }

// refusal turns a statement error into the Failed outcome's refusal. The
// message is the error's text, which names the sentinel's meaning.
func refusal(err error) *engines.Refusal {
	return engines.AsRefusal(err)
}
