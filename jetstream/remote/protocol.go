// Package remote is the client side of a Proven node's transaction
// service: an application (or a test driver) with no processor and no
// coordinator of its own runs transactions on a node over NATS
// request-reply, and the typed clients work unchanged on them
// (kv.New(tx, "users")), because Txn, ReadTxn and AdHoc implement
// engines.Executor.
//
// # Protocol
//
// Requests go to <namespace>.client.<node id>, JSON-encoded: begin (with
// the timeout, and optionally a category with its arguments, encoded as
// one value.AppendKeyTuple, for speculative execution), execute (transaction handle, stream, operation bytes),
// commit, rollback, adhoc (one operation committed on its own), and read (stream, operation, and the snapshot of an
// earlier read of the same read-only transaction, or none for the node's
// clock now). Replies carry the result, the transaction id, the commit
// timestamp or the snapshot, and errors by kind: an engine's refusal
// (its code and message, as *engines.Refusal), an abort (its reason and
// detail, as *coordinator.AbortedError), an unknown outcome
// (coordinator.ErrIndeterminate), or anything else (a message).
//
// # What a lost reply means
//
// A request that gets no reply within its timeout (the node was killed,
// paused, or cut off) returns ErrNoReply, and the client cannot know what
// happened: for begin, execute and rollback nothing can have committed
// (the node's coordinator commits only when asked to), so the caller may
// count the transaction as failed; for commit, the outcome is unknown and
// the caller must count it as indeterminate (Jepsen's :info). A node
// rolls back a transaction whose client went quiet once its deadline has
// passed.
package remote

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
)

// Request is one call of the transaction service.
type Request struct {
	Op           string `json:"op"`
	Txn          uint64 `json:"txn,omitempty"`
	TimeoutNanos int64  `json:"timeout,omitempty"`
	Stream       string `json:"stream,omitempty"`
	Operation    []byte `json:"operation,omitempty"`
	Snapshot     string `json:"snapshot,omitempty"`
	// Category and Arguments: a begin of a transaction of a category
	// (Client.BeginCategory); Arguments is value.AppendKeyTuple of them.
	Category  string `json:"category,omitempty"`
	Arguments []byte `json:"arguments,omitempty"`
}

// The operations of Request.Op.
const (
	OpBegin    = "begin"
	OpExecute  = "execute"
	OpCommit   = "commit"
	OpRollback = "rollback"
	OpRead     = "read"
	OpAdHoc    = "adhoc"
)

// Reply answers a Request.
type Reply struct {
	Txn             uint64 `json:"txn,omitempty"`
	ID              string `json:"id,omitempty"`
	Result          []byte `json:"result,omitempty"`
	Snapshot        string `json:"snapshot,omitempty"`
	CommitTimestamp string `json:"commit_timestamp,omitempty"`
	Error           *Error `json:"error,omitempty"`
}

// Error is an error as it crosses the service.
type Error struct {
	Kind    string            `json:"kind"`
	Code    engines.ErrorCode `json:"code,omitempty"`
	Reason  string            `json:"reason,omitempty"`
	Stream  string            `json:"stream,omitempty"`
	Message string            `json:"message"`
}

// Error kinds.
const (
	KindRefusal       = "refusal"
	KindAborted       = "aborted"
	KindIndeterminate = "indeterminate"
	KindOther         = "other"
)

// ErrNoReply: the node did not answer in time; see the package
// documentation for what the caller may conclude.
var ErrNoReply = errors.New("remote: no reply from the node")

// ErrFromNode is an error the node reported that is none of the kinds
// above (an unknown stream, a closed node, a bad request).
var ErrFromNode = errors.New("remote: the node refused the request")

// EncodeError turns an error into its wire form (nil for nil).
func EncodeError(err error) *Error {
	if err == nil {
		return nil
	}
	var aborted *coordinator.AbortedError
	var refusal *engines.Refusal
	switch {
	case errors.As(err, &aborted):
		return &Error{Kind: KindAborted, Reason: string(aborted.Reason), Stream: aborted.Stream, Message: aborted.Detail}
	case errors.Is(err, coordinator.ErrIndeterminate):
		return &Error{Kind: KindIndeterminate, Message: err.Error()}
	case errors.As(err, &refusal):
		return &Error{Kind: KindRefusal, Code: refusal.Code, Message: refusal.Message}
	}
	return &Error{Kind: KindOther, Message: err.Error()}
}

// Decode turns the wire form back into the error the node saw (nil for
// nil): *coordinator.AbortedError, coordinator.ErrIndeterminate,
// *engines.Refusal, or an error wrapping ErrFromNode.
func (e *Error) Decode() error {
	if e == nil {
		return nil
	}
	switch e.Kind {
	case KindAborted:
		return &coordinator.AbortedError{Reason: coordinator.Reason(e.Reason), Stream: e.Stream, Detail: e.Message}
	case KindIndeterminate:
		return coordinator.ErrIndeterminate
	case KindRefusal:
		return &engines.Refusal{Code: e.Code, Message: e.Message}
	}
	return fmt.Errorf("%w: %s", ErrFromNode, e.Message)
}
