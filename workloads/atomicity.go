package workloads

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
)

// participantFacts is what one stream's log says about one transaction.
type participantFacts struct {
	prepared     bool
	participants []wire.Participant
	// committedByLog: a Commit entry at a log timestamp <= the deadline.
	committedByLog  bool
	commitTimestamp clock.Timestamp
	// resolved: the first Resolve entry, and what it recorded.
	resolved          bool
	resolvedCommitted bool
	resolveTimestamp  clock.Timestamp
	onePhase          bool
	// replayCommitted: replaying this stream's log committed a one-phase
	// entry of the transaction.
	replayCommitted       bool
	replayCommitTimestamp clock.Timestamp
}

// fate is a transaction's fate as the logs decide it.
type fate struct {
	committed       bool
	commitTimestamp clock.Timestamp
}

// truth maps transaction id text to its fate; transactions absent from
// every log are not in it (and did not commit).
type truth map[string]fate

// facts maps a transaction, then a stream, to what that log says.
type facts map[engines.TxnID]map[string]*participantFacts

func (f facts) of(txn engines.TxnID, stream string) *participantFacts {
	streams := f[txn]
	if streams == nil {
		streams = map[string]*participantFacts{}
		f[txn] = streams
	}
	if streams[stream] == nil {
		streams[stream] = &participantFacts{}
	}
	return streams[stream]
}

// checkAtomicity decides every transaction's fate from the stream logs
// (DESIGN.md's 2PC rules 4, 5 and 7), checks that every participant's own
// log agrees, and that the clients' ok and fail outcomes agree with it.
// It also returns, per stream, each entry's request id, for the
// unique-requests check.
func checkAtomicity(logs map[string][]wire.LogEntry, streams []cluster.StreamSpec, missing bool,
	history checkers.History) (checkers.Result, truth, []checkers.StreamRequests[wire.RequestID]) {
	var found findingList
	if missing {
		return checkers.Result{Checker: "atomicity", Verdict: checkers.VerdictUnknown,
			Explanation: "the log node was down when the logs were read"}, truth{}, nil
	}
	all := facts{}
	requests := make([]checkers.StreamRequests[wire.RequestID], len(streams))
	for i, spec := range streams {
		requests[i] = checkers.StreamRequests[wire.RequestID]{Stream: spec.Name}
		readLog(all, spec.Name, logs[spec.Name], &found, &requests[i])
		replay(all, spec, logs[spec.Name], &found)
	}
	decided := truth{}
	for _, txn := range slices.SortedFunc(maps.Keys(all), engines.TxnID.Compare) {
		decided[txn.String()] = decide(txn, all[txn], &found)
	}
	agreeWithClients(history, decided, &found)
	return found.result("atomicity"), decided, requests
}

// readLog records what each entry of one stream's log says, and each
// entry's request id.
func readLog(all facts, stream string, entries []wire.LogEntry, found *findingList,
	requests *checkers.StreamRequests[wire.RequestID]) {
	requests.Entries = make([]checkers.LoggedRequest[wire.RequestID], 0, len(entries))
	for _, logEntry := range entries {
		entry, err := wire.DecodeEntry(logEntry.Payload)
		if err != nil {
			found.add(fmt.Sprintf("stream %s position %d: undecodable entry: %v", stream, logEntry.Position, err))
			continue
		}
		requests.Entries = append(requests.Entries, checkers.LoggedRequest[wire.RequestID]{Position: logEntry.Position,
			Request: entry.Request})
		atOrBeforeDeadline := logEntry.Timestamp.WallNanos <= entry.DeadlineNanos
		switch entry.Kind {
		case wire.EntryPrepare:
			f := all.of(entry.Txn, stream)
			if !f.prepared {
				f.prepared, f.participants = true, entry.Participants
			}
		case wire.EntryCommit:
			f := all.of(entry.Txn, stream)
			if atOrBeforeDeadline && !f.committedByLog {
				f.committedByLog, f.commitTimestamp = true, entry.CommitTimestamp
			}
		case wire.EntryResolve:
			f := all.of(entry.Txn, stream)
			if !f.resolved {
				f.resolved, f.resolvedCommitted, f.resolveTimestamp = true, entry.Committed, entry.CommitTimestamp
			}
		case wire.EntryOnePhase:
			all.of(entry.Txn, stream).onePhase = true
		}
	}
}

// replay applies a stream's log to a fresh processor and records the
// one-phase commits it makes: whether a one-phase entry commits depends on
// the engine (a wound or a deferred operation aborts it), which the log
// alone does not say. The processor's state is a function of the log, so
// the replay decides as the live processor did.
func replay(all facts, spec cluster.StreamSpec, entries []wire.LogEntry, found *findingList) {
	defer func() {
		if recovered := recover(); recovered != nil {
			found.add(fmt.Sprintf("stream %s: replaying the log panicked: %v", spec.Name, recovered))
		}
	}()
	replayed, err := processor.Recover(processor.Config{Stream: spec.Name, CheckpointEvery: 1 << 30}, nil, spec.Restore)
	if err != nil {
		found.add(fmt.Sprintf("stream %s: cannot build a processor to replay the log: %v", spec.Name, err))
		return
	}
	replayed.Start()
	const batch = 256
	for start := 0; start < len(entries); start += batch {
		ready := replayed.Step(0, wire.MsgEntries{Stream: spec.Name, Entries: entries[start:min(start+batch, len(entries))]})
		for _, outbound := range ready.Messages {
			outcome, ok := outbound.Message.(wire.MsgOutcome)
			if !ok || !outcome.Committed {
				continue
			}
			f := all.of(outcome.Txn, spec.Name)
			if f.onePhase && !f.replayCommitted {
				f.replayCommitted, f.replayCommitTimestamp = true, outcome.CommitTimestamp
			}
		}
	}
}

// decide applies the rules to one transaction and checks that each
// participant's own log reaches the same outcome.
func decide(txn engines.TxnID, streams map[string]*participantFacts, found *findingList) fate {
	var participants []wire.Participant
	var outcome fate
	for _, stream := range slices.Sorted(maps.Keys(streams)) {
		f := streams[stream]
		if f.prepared && participants == nil {
			participants = f.participants
		}
		if f.committedByLog && !outcome.committed {
			outcome = fate{committed: true, commitTimestamp: f.commitTimestamp}
		}
	}
	if participants == nil {
		for _, stream := range slices.Sorted(maps.Keys(streams)) {
			if f := streams[stream]; f.replayCommitted && !outcome.committed {
				outcome = fate{committed: true, commitTimestamp: f.replayCommitTimestamp}
			}
		}
		return outcome
	}
	for _, participant := range participants {
		own, timestamp := ownOutcome(streams[participant.Stream])
		switch {
		case own != outcome.committed:
			found.add(fmt.Sprintf("txn %v: participant %s's log says committed=%t, the logs decide committed=%t",
				txn, participant.Stream, own, outcome.committed))
		case own && timestamp != outcome.commitTimestamp:
			found.add(fmt.Sprintf("txn %v: participant %s commits at %v, another at %v",
				txn, participant.Stream, timestamp, outcome.commitTimestamp))
		}
	}
	return outcome
}

// ownOutcome is a participant's outcome from its own log: a Commit at or
// before the deadline, else the Resolve termination recorded, else abort.
func ownOutcome(f *participantFacts) (bool, clock.Timestamp) {
	switch {
	case f == nil:
		return false, clock.Timestamp{}
	case f.committedByLog:
		return true, f.commitTimestamp
	case f.resolved && f.resolvedCommitted:
		return true, f.resolveTimestamp
	}
	return false, clock.Timestamp{}
}

// agreeWithClients checks ok => committed and fail => not committed for
// every read-write transaction of the history.
func agreeWithClients(history checkers.History, decided truth, found *findingList) {
	for _, operation := range history.Operations() {
		if operation.Txn == "" {
			continue
		}
		committed := decided[operation.Txn].committed
		switch {
		case operation.Type == checkers.TypeOK && !committed:
			found.add(fmt.Sprintf("%s reported ok, but the logs show no commit", operation.Describe()), operation.InvokeIndex)
		case operation.Type == checkers.TypeFail && committed:
			found.add(fmt.Sprintf("%s reported fail, but the logs show it committed", operation.Describe()), operation.InvokeIndex)
		}
	}
}

// settle rewrites info completions of read-write transactions the logs
// decided: not committed becomes fail (it never took effect). A committed
// one stays info but gains its commit timestamp: its effects may have
// become visible after the client gave up (a delayed Commit append), so
// its completion time is no bound and only an open operation is sound.
// It returns the number of completions rewritten.
func settle(history *checkers.History, decided truth) int {
	settled := 0
	for _, operation := range history.Operations() {
		if operation.Type != checkers.TypeInfo || operation.Txn == "" || operation.CompletionIndex < 0 {
			continue
		}
		event := &history.Events[operation.CompletionIndex]
		outcome := decided[operation.Txn]
		if outcome.committed {
			event.CommitTimestamp = outcome.commitTimestamp.String()
		} else {
			event.Type, event.Value = checkers.TypeFail, value.Null()
		}
		settled++
	}
	return settled
}

// findingList accumulates a check's findings.
type findingList struct {
	lines      []string
	operations []int
}

func (f *findingList) add(line string, operations ...int) {
	f.lines = append(f.lines, line)
	f.operations = append(f.operations, operations...)
}

func (f *findingList) result(name string) checkers.Result {
	if len(f.lines) == 0 {
		return checkers.Result{Checker: name, Verdict: checkers.VerdictOK}
	}
	operations := slices.Compact(slices.Sorted(slices.Values(f.operations)))
	return checkers.Result{Checker: name, Verdict: checkers.VerdictIllegal, Explanation: strings.Join(f.lines, "\n"),
		Operations: operations}
}

// checkLiveness checks that after healing and the quiet period every
// processor is running and holds nothing: no active, prepared, pending or
// deferred transaction, no lock or reservation.
func checkLiveness(statuses []streamStatus) checkers.Result {
	var found findingList
	for _, s := range statuses {
		switch {
		case s.down:
			found.add(fmt.Sprintf("stream %s: its engine node is down after healing", s.stream))
		case !idle(s.status):
			found.add(fmt.Sprintf("stream %s: still holds %+v after healing", s.stream, s.status))
		}
	}
	return found.result("liveness")
}
