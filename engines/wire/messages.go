package wire

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// The stream log contract.
//
// A stream is a named, ordered, durable log. The log service assigns each
// appended entry the next position (from 1) and a timestamp strictly
// greater than every earlier timestamp of that stream, and makes the entry
// durable before acknowledging it. Idle streams receive EntryTick entries so
// that their time keeps advancing. A stream's timestamps are the only clock
// its processor sees.

// LogEntry is one entry of a stream as the log service hands it out.
type LogEntry struct {
	Position  uint64
	Timestamp clock.Timestamp
	Payload   []byte // an encoded Entry
}

// MsgAppend asks the log service to append Payload to Stream. A retried
// append (same Request) is answered again, not appended twice.
type MsgAppend struct {
	Request RequestID
	ReplyTo Address
	Stream  string
	Payload []byte
	// Unacknowledged asks for no MsgAppendReply: the sender learns what it
	// needs from the stream's processor (operations, prepares), so the
	// acknowledgement would be a wasted message.
	Unacknowledged bool
}

// MsgAppendReply acknowledges a durable append.
type MsgAppendReply struct {
	Request   RequestID
	Stream    string
	Position  uint64
	Timestamp clock.Timestamp
}

// MsgSubscribe asks the log service to push Stream's entries from position
// From on, and every later entry as it is appended, to Subscriber.
// Subscribing again replaces the earlier subscription of that subscriber.
type MsgSubscribe struct {
	Stream     string
	From       uint64
	Subscriber Address
}

// MsgEntries carries consecutive entries of a stream to a subscriber.
type MsgEntries struct {
	Stream  string
	Entries []LogEntry
}

// MsgReadLog asks for up to CountMax entries of Stream from position From.
type MsgReadLog struct {
	Request  RequestID
	ReplyTo  Address
	Stream   string
	From     uint64
	CountMax int
}

// MsgReadLogReply answers MsgReadLog with the entries found and the
// stream's head (its last position and timestamp).
type MsgReadLogReply struct {
	Request       RequestID
	Stream        string
	Entries       []LogEntry
	HeadPosition  uint64
	HeadTimestamp clock.Timestamp
}

// Replies from a stream's processor to the coordinator that sent an entry
// or a read. Every reply carries the request id it answers.

// MsgOperationReply answers an EntryOperation.
type MsgOperationReply struct {
	Request   RequestID
	Txn       engines.TxnID
	Stream    string
	Status    engines.Status // done or failed; aborted transactions are failed with engines.CodeAborted or engines.CodeDeadline
	Result    []byte
	Code      engines.ErrorCode
	Error     string
	Position  uint64 // the operation entry's log position
	Timestamp clock.Timestamp
}

// MsgVote answers an EntryPrepare.
type MsgVote struct {
	Request          RequestID
	Txn              engines.TxnID
	Stream           string
	Prepared         bool
	PrepareTimestamp clock.Timestamp
	Code             engines.ErrorCode // when not prepared
	Reason           string
}

// MsgOutcome answers EntryCommit, EntryAbort and EntryOnePhase, and tells
// a coordinator how termination resolved its transaction.
type MsgOutcome struct {
	Request         RequestID
	Txn             engines.TxnID
	Stream          string
	Committed       bool
	CommitTimestamp clock.Timestamp
	Code            engines.ErrorCode // when aborted: why
	Reason          string
}

// MsgSnapshotRead asks a stream's processor to run a read-only operation
// at Snapshot (rule 8: once it has applied entries up to Snapshot).
type MsgSnapshotRead struct {
	Request   RequestID
	ReplyTo   Address
	Stream    string
	Snapshot  clock.Timestamp
	Operation []byte
}

// MsgSnapshotReadReply answers MsgSnapshotRead.
type MsgSnapshotReadReply struct {
	Request RequestID
	Stream  string
	Status  engines.Status
	Result  []byte
	Code    engines.ErrorCode
	Error   string
	// AppliedTimestamp is the participant's log time when it answered. The
	// coordinator folds it into its clock, so that its later snapshots are
	// at least this fresh even when its own physical clock lags the logs.
	AppliedTimestamp clock.Timestamp
}
