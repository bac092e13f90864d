package coordinator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proven2pc/proven/engines"
)

// ErrIndeterminate means the coordinator cannot know whether the
// transaction committed: it never reports success without proof (a Commit
// append acknowledged at or before the deadline), and never reports an
// abort that may have committed. Histories record it as :info.
var ErrIndeterminate = errors.New("coordinator: outcome unknown")

// ErrInvalidArgument reports a call that cannot be right (a zero timeout,
// an operation on a finished transaction).
var ErrInvalidArgument = errors.New("coordinator: invalid argument")

// Reason classifies why a transaction aborted.
type Reason string

const (
	ReasonWounded   Reason = "wounded"   // an older transaction needed its locks
	ReasonDeadline  Reason = "deadline"  // its deadline passed
	ReasonConflict  Reason = "conflict"  // a participant refused to prepare
	ReasonRefused   Reason = "refused"   // an engine refused an operation and the transaction
	ReasonCancelled Reason = "cancelled" // the caller rolled it back or its context ended
	// ReasonMispredicted: speculation predicted an operation the client
	// did not issue (one differed, or a predicted one that ran was not
	// used). The client may retry, with Begin to run without speculation.
	ReasonMispredicted Reason = "mispredicted"
)

// ErrMispredicted matches (errors.Is) every AbortedError whose reason is
// ReasonMispredicted.
var ErrMispredicted = errors.New("coordinator: transaction mispredicted")

// AbortedError is a definite abort: no participant applied any effect.
// errors.Is(err, engines.ErrAborted) holds for every AbortedError.
type AbortedError struct {
	Reason Reason
	Stream string // the participant that reported it, when one did
	Detail string
}

func (e *AbortedError) Error() string {
	if e.Stream != "" {
		return fmt.Sprintf("coordinator: transaction aborted (%s) on %s: %s", e.Reason, e.Stream, e.Detail)
	}
	return fmt.Sprintf("coordinator: transaction aborted (%s): %s", e.Reason, e.Detail)
}

// Is matches engines.ErrAborted, engines.ErrDeadline for deadline aborts,
// and ErrMispredicted for mispredicted ones.
func (e *AbortedError) Is(target error) bool {
	return target == engines.ErrAborted || (target == engines.ErrDeadline && e.Reason == ReasonDeadline) ||
		(target == ErrMispredicted && e.Reason == ReasonMispredicted)
}

// abortedFrom turns a participant's abort code into an AbortedError.
func abortedFrom(stream string, code engines.ErrorCode, detail string) *AbortedError {
	reason := ReasonRefused
	switch {
	case code == engines.CodeDeadline:
		reason = ReasonDeadline
	case code == engines.CodeAborted && strings.Contains(detail, "wounded"):
		reason = ReasonWounded
	case code == engines.CodeAborted && strings.HasPrefix(detail, "mispredicted"):
		reason = ReasonMispredicted
	case code == engines.CodeAborted:
		reason = ReasonConflict
	}
	return &AbortedError{Reason: reason, Stream: stream, Detail: detail}
}
