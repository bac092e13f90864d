package processor

import (
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/bugs"
)

// termination is the search for a prepared transaction's outcome after its
// deadline passed on this stream (rule 5). Soft state: a restarted
// processor starts it again, and reads the same immutable log prefixes.
type termination struct {
	txn *txnState
	// peers maps each other participant's stream to the progress of
	// reading it.
	peers map[string]*peerProgress
	// decided is set once an outcome is known and a resolve entry is
	// being appended.
	decided         bool
	committed       bool
	commitTimestamp clock.Timestamp
}

type peerProgress struct {
	next       uint64 // next position to read
	passedLine bool   // the peer's log has an entry after the deadline
}

// startTermination begins reading peer logs for a prepared transaction
// whose deadline this stream's log has passed.
func (p *Processor) startTermination(t *txnState) {
	if _, running := p.terminations[t.id]; running {
		return
	}
	term := &termination{txn: t, peers: map[string]*peerProgress{}}
	for _, participant := range t.participants() {
		if participant.Stream != p.config.Stream {
			term.peers[participant.Stream] = &peerProgress{next: max(participant.StartPosition, 1)}
		}
	}
	p.terminations[t.id] = term
	p.advanceTermination(term)
}

// advanceTermination decides when it can, else asks for more of the peer
// logs that have not passed the deadline yet.
func (p *Processor) advanceTermination(term *termination) {
	if !term.decided {
		allPassed := true
		for _, stream := range sortedStreams(term.peers) {
			if !term.peers[stream].passedLine {
				allPassed = false
			}
		}
		if allPassed || bugs.Enabled(bugs.TerminateWithoutWaiting) { // planted bug: decides abort without reading the peers
			term.decided = true // no Commit at or before the deadline anywhere: abort
		}
	}
	if term.decided {
		p.appendResolve(term)
		return
	}
	for _, stream := range sortedStreams(term.peers) {
		peer := term.peers[stream]
		if !peer.passedLine {
			p.send(p.config.logOf(stream), wire.MsgReadLog{Request: p.requestFor(term.txn.id), ReplyTo: p.config.Self,
				Stream: stream, From: peer.next, CountMax: p.config.readCountMax()})
		}
	}
}

// receiveLogRead scans a peer's entries up to the deadline for the
// transaction's Commit.
func (p *Processor) receiveLogRead(m wire.MsgReadLogReply) {
	for _, id := range sortedKeys(p.terminations) {
		term := p.terminations[id]
		peer, ok := term.peers[m.Stream]
		if !ok || term.decided || peer.passedLine {
			continue
		}
		p.scanPeer(term, peer, m)
		if term.decided || peer.passedLine {
			p.advanceTermination(term)
		}
	}
}

func (p *Processor) scanPeer(term *termination, peer *peerProgress, m wire.MsgReadLogReply) {
	deadline := term.txn.deadlineNanos
	for _, logEntry := range m.Entries {
		if logEntry.Position != peer.next {
			continue // not the continuation this termination needs
		}
		if after(logEntry.Timestamp, deadline) {
			peer.passedLine = true
			return
		}
		peer.next++
		entry, err := wire.DecodeEntry(logEntry.Payload)
		if err == nil && entry.Kind == wire.EntryCommit && entry.Txn == term.txn.id {
			term.decided, term.committed, term.commitTimestamp = true, true, entry.CommitTimestamp
			return
		}
	}
}

// appendResolve asks the log to record the outcome on this stream; the
// outcome takes effect when the entry is applied, at the same point of the
// log on every replay and on every copy of this processor.
func (p *Processor) appendResolve(term *termination) {
	entry := wire.Entry{Kind: wire.EntryResolve, Txn: term.txn.id, DeadlineNanos: term.txn.deadlineNanos,
		Committed: term.committed, CommitTimestamp: term.commitTimestamp}
	p.send(p.config.logOf(p.config.Stream), wire.MsgAppend{Request: p.requestFor(term.txn.id), ReplyTo: p.config.Self,
		Stream: p.config.Stream, Payload: entry.Encode()})
}

// retryTerminations re-sends reads and resolve appends that may have been
// lost. Idempotent: the log deduplicates the append by request id, and a
// second resolve entry is ignored.
func (p *Processor) retryTerminations() {
	for _, id := range sortedKeys(p.terminations) {
		p.advanceTermination(p.terminations[id])
	}
}

func sortedStreams(peers map[string]*peerProgress) []string {
	return slices.Sorted(maps.Keys(peers))
}
