package jepsen

import (
	"github.com/proven2pc/proven/engines/wire"
)

// txnFacts is what the logs say about one transaction so far: per
// stream, the log time (Unix nanoseconds of the entry's timestamp) of its
// Prepare, its first Commit at or before the deadline, and its first
// Resolve or Abort.
type txnFacts struct {
	participants  []string
	deadlineNanos int64
	prepared      map[string]int64
	committed     map[string]int64
	ended         map[string]int64 // resolve or abort entries
	resolved      map[string]int64
}

func (f *txnFacts) decided(stream string) bool {
	_, committed := f.committed[stream]
	_, ended := f.ended[stream]
	return committed || ended
}

// logFacts is what the deployment's streams say about each transaction,
// read after the run to classify the leader kills.
type logFacts struct {
	txns map[string]*txnFacts
	// order lists transaction ids in the order first seen.
	order []string
	// firstPast[txn][stream]: the time of the first entry of stream past
	// the transaction's deadline while it was prepared and undecided there.
	firstPast map[string]map[string]int64
	// pending[stream] lists the transactions prepared on stream, not
	// decided there, whose deadline no entry of stream has passed yet.
	pending map[string][]string
}

func newLogFacts() *logFacts {
	return &logFacts{txns: map[string]*txnFacts{}, firstPast: map[string]map[string]int64{},
		pending: map[string][]string{}}
}

func (l *logFacts) of(txn string) *txnFacts {
	f := l.txns[txn]
	if f == nil {
		f = &txnFacts{prepared: map[string]int64{}, committed: map[string]int64{}, ended: map[string]int64{},
			resolved: map[string]int64{}}
		l.txns[txn] = f
		l.order = append(l.order, txn)
	}
	return f
}

// add reads entries of stream, in log order.
func (l *logFacts) add(stream string, entries []wire.LogEntry) {
	for _, logEntry := range entries {
		at := logEntry.Timestamp.WallNanos
		l.notePast(stream, at)
		entry, err := wire.DecodeEntry(logEntry.Payload)
		if err != nil {
			continue
		}
		txn := entry.Txn.String()
		switch entry.Kind {
		case wire.EntryPrepare:
			f := l.of(txn)
			if f.participants == nil {
				for _, participant := range entry.Participants {
					f.participants = append(f.participants, participant.Stream)
				}
				f.deadlineNanos = entry.DeadlineNanos
			}
			if _, seen := f.prepared[stream]; !seen {
				f.prepared[stream] = at
				l.pending[stream] = append(l.pending[stream], txn)
			}
		case wire.EntryCommit:
			if f := l.txns[txn]; f != nil && at <= entry.DeadlineNanos {
				if _, seen := f.committed[stream]; !seen {
					f.committed[stream] = at
				}
			}
		case wire.EntryResolve, wire.EntryAbort:
			if f := l.txns[txn]; f != nil {
				if _, seen := f.ended[stream]; !seen {
					f.ended[stream] = at
				}
				if _, seen := f.resolved[stream]; !seen && entry.Kind == wire.EntryResolve {
					f.resolved[stream] = at
				}
			}
		}
	}
}

// notePast records, for every transaction pending on stream whose
// deadline the entry at time at passed, when that first happened, and
// drops from pending those past their deadline or decided.
func (l *logFacts) notePast(stream string, at int64) {
	kept := l.pending[stream][:0]
	for _, txn := range l.pending[stream] {
		f := l.txns[txn]
		switch {
		case f.decided(stream):
		case at > f.deadlineNanos:
			past := l.firstPast[txn]
			if past == nil {
				past = map[string]int64{}
				l.firstPast[txn] = past
			}
			past[stream] = at
		default:
			kept = append(kept, txn)
		}
	}
	l.pending[stream] = kept
}

// LeaderKills counts the kills of a stream leader that hit each phase of
// two-phase commit of some transaction, judged from the logs after the
// run.
type LeaderKills struct {
	Prepare, Commit, Termination int
}

// classify judges each leader kill of faults against the final logs'
// facts: a kill at time t of the leader of a participant stream of
// transaction T hit
//   - its prepare, when T's first Prepare is before t, t is not past T's
//     deadline, and T's first Commit (or, never committed, its first
//     Resolve or Abort) is after t;
//   - its commit, when T's first Commit is before t and some participant
//     had neither a Commit nor a Resolve of T before t but has one after;
//   - its termination, when some participant's log passed T's deadline
//     before t with T prepared and undecided there, and that participant
//     records T's Resolve after t.
func (l *logFacts) classify(faults []Fault) LeaderKills {
	var kills LeaderKills
	for _, fault := range faults {
		if fault.Action != "kill" || len(fault.Led) == 0 {
			continue
		}
		var prepare, commit, termination bool
		for _, txn := range l.order {
			f := l.txns[txn]
			if !overlaps(f.participants, fault.Led) {
				continue
			}
			prepare = prepare || l.hitPrepare(f, fault.UnixNanos)
			commit = commit || hitCommit(f, fault.UnixNanos)
			termination = termination || l.hitTermination(txn, f, fault.UnixNanos)
		}
		kills.Prepare += count(prepare)
		kills.Commit += count(commit)
		kills.Termination += count(termination)
	}
	return kills
}

func (l *logFacts) hitPrepare(f *txnFacts, t int64) bool {
	first, ok := earliest(f.prepared)
	if !ok || first >= t || t > f.deadlineNanos {
		return false
	}
	end, ended := earliest(f.committed)
	if !ended {
		end, ended = earliest(f.ended)
	}
	return ended && end > t
}

func hitCommit(f *txnFacts, t int64) bool {
	first, ok := earliest(f.committed)
	if !ok || first >= t {
		return false
	}
	for _, stream := range f.participants {
		at, committed := f.committed[stream]
		if !committed {
			at, committed = f.resolved[stream]
		}
		if committed && at > t {
			return true
		}
	}
	return false
}

func (l *logFacts) hitTermination(txn string, f *txnFacts, t int64) bool {
	for stream, past := range l.firstPast[txn] {
		resolved, ok := f.resolved[stream]
		if past < t && ok && resolved > t {
			if committed, ok := f.committed[stream]; !ok || committed > t {
				return true
			}
		}
	}
	return false
}

func earliest(times map[string]int64) (int64, bool) {
	var first int64
	found := false
	for _, at := range times {
		if !found || at < first {
			first, found = at, true
		}
	}
	return first, found
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func count(hit bool) int {
	if hit {
		return 1
	}
	return 0
}
