// Package bugs switches planted protocol mistakes on and off, to show that
// the checkers catch the mistakes a real implementer could make.
//
// # What it models
//
// A planted bug is a one- or two-line deviation at the place in the
// engines, the processor, the log service or the coordinator where the
// mistake would be made, guarded by Enabled with the bug's name and a comment naming it:
//
//	if bugs.Enabled(bugs.CommitAtMinPrepare) { ... } // planted bug: ...
//
// # Contract
//
// Without the build tag plantedbugs, Enabled is a constant false function
// (bugs_off.go): the compiler folds every guard away, and normal builds do
// not contain the deviations. With the tag (bugs_on.go), Enable switches one
// bug on for the whole process; tests enable one bug at a time and run a
// workload over seeds until a check fails.
//
// # Invariants
//
// At most one bug is on at a time. Names is the fixed list of planted bugs.
//
// # What it does not do
//
// It plants nothing by itself and is not a fault injector for the
// simulator (sim's code faults are that): a planted bug is a wrong program,
// not a rare path of a correct one.
//
// # How it is tested
//
// planted_test.go (build tag plantedbugs, run by .ci/run) runs, for each
// bug, the workload most likely to catch it over seeds 1..1000 with swarm
// faults, stopping at the first catch, asserts that every bug is caught,
// and logs after how many seeds. The bugs from DroppedRetry on must be
// caught by a history check or the progress check (the one named in the
// table; a run that fails otherwise, by an invariant panic, is passed
// over), and the caught seed's file must shrink (proven.ShrinkFile).
package bugs

// The planted bugs, by name.
const (
	// CommitAtMinPrepare: the coordinator commits at the minimum instead of
	// the maximum of the prepare timestamps (rule 4).
	CommitAtMinPrepare = "commit-at-min-prepare"
	// SuccessAfterDeadline: the coordinator reports success for a Commit
	// acknowledged after the deadline (rule 6).
	SuccessAfterDeadline = "success-after-deadline"
	// CommitAfterDeadline: a participant applies a Commit entry that
	// arrived after the deadline (rule 4).
	CommitAfterDeadline = "commit-after-deadline"
	// TerminateWithoutWaiting: termination decides abort at once, without
	// waiting for the peers' logs to pass the deadline (rule 5).
	TerminateWithoutWaiting = "terminate-without-waiting"
	// SnapshotBeforeLog: a snapshot read is served before the log reached
	// the snapshot timestamp (rule 8).
	SnapshotBeforeLog = "snapshot-before-log"
	// EscrowIgnoresReservations: a debit checks the balance but not the
	// other transactions' reserved debits.
	EscrowIgnoresReservations = "escrow-ignores-reservations"
	// DroppedRetry: the processor retries a deferred operation only when
	// one of its blockers aborted; when they all committed it forgets the
	// operation, and the transaction waits in vain for its deadline (lost
	// progress: aborts are legal, so only the progress check sees it).
	DroppedRetry = "dropped-retry"
	// ReadLocksReleasedAtPrepare: the KV engine releases a transaction's
	// shared (read) locks when it prepares, against rule 9: a writer of a
	// key it read may then commit below it, and snapshots see a cut that
	// no serial order has.
	ReadLocksReleasedAtPrepare = "read-locks-released-at-prepare"
	// DequeueSkipsUncommittedEnqueue: a dequeue that finds no committed
	// item answers empty at once instead of waiting for other
	// transactions' uncommitted enqueues: when an enqueue commits first,
	// the queue's FIFO order across transactions breaks.
	DequeueSkipsUncommittedEnqueue = "dequeue-skips-uncommitted-enqueue"
	// SupplyReadSkipsPrepared: a snapshot read of a token's supply does
	// not wait for prepared mints and burns at or below the snapshot (a
	// balance read does), so an audit sees a supply that misses a commit
	// its balances include.
	SupplyReadSkipsPrepared = "supply-read-skips-prepared"
	// PredicateIgnoresNonKeyColumns: the SQL engine's overlap test of a
	// predicate lock and a row image compares only the image's first
	// (key) column, so a predicate on any other column never conflicts:
	// phantoms and write skew through non-key predicates.
	PredicateIgnoresNonKeyColumns = "predicate-ignores-non-key-columns"
	// UnacknowledgedNotRemembered: the log service remembers only the
	// appends it acknowledges, so a resent operation (answered by the
	// processor, not the log) is appended again (duplicated log entries).
	UnacknowledgedNotRemembered = "unacknowledged-not-remembered"
	// GCDropsVersionAtWatermark: the queue engine's garbage collection
	// drops every extent stamped at or before the watermark, keeping only
	// newer ones, where a snapshot at or above the watermark still needs
	// the last of them: a read between the watermark and the next change
	// sees the queue empty.
	GCDropsVersionAtWatermark = "gc-drops-version-at-watermark"
	// CommitTimestampPastDeadline: a participant ignores a Commit entry
	// whose commit timestamp is past the deadline, although the entry's
	// log time is at or before it (rule 4 judges the log time only). On
	// one log clock a commit timestamp is never above the log time of its
	// Commit entry; with streams on log nodes whose clocks differ, a
	// prepare timestamp from a fast clock can be, and the participant
	// then aborts by termination a transaction the others committed.
	CommitTimestampPastDeadline = "commit-timestamp-past-deadline"
	// CommitAtDeadlineLate: the coordinator counts a Commit acknowledged
	// exactly at the deadline as late (<, where the participants apply a
	// Commit at or before it, <=): when every Commit lands on the deadline
	// (the deadline-stamp fault site) the client hears abort for a
	// transaction the participants committed.
	CommitAtDeadlineLate = "commit-at-deadline-late"
)

// Names lists the planted bugs in a fixed order.
func Names() []string {
	return []string{CommitAtMinPrepare, SuccessAfterDeadline, CommitAfterDeadline,
		TerminateWithoutWaiting, SnapshotBeforeLog, EscrowIgnoresReservations, DroppedRetry,
		UnacknowledgedNotRemembered, ReadLocksReleasedAtPrepare, DequeueSkipsUncommittedEnqueue,
		SupplyReadSkipsPrepared, PredicateIgnoresNonKeyColumns, GCDropsVersionAtWatermark, CommitTimestampPastDeadline,
		CommitAtDeadlineLate}
}
