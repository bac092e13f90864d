package mvcc

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/internal/binenc"
)

// Lifecycle is a live transaction's place in the participant lifecycle:
// its id, whether it is Prepared, and at which timestamp. Engines embed it
// in their transaction records; only the Participant changes it.
type Lifecycle struct {
	id               TxnID
	prepared         bool
	prepareTimestamp clock.Timestamp // zero while Active
}

// ID returns the transaction's id.
func (l *Lifecycle) ID() TxnID { return l.id }

// Prepared reports whether the transaction is Prepared.
func (l *Lifecycle) Prepared() bool { return l.prepared }

// PrepareTimestamp returns the prepare timestamp; zero while Active.
func (l *Lifecycle) PrepareTimestamp() clock.Timestamp { return l.prepareTimestamp }

// PreparedAtOrBefore reports whether the transaction is Prepared at or
// below snapshot: then it may commit at or below snapshot, and a read at
// snapshot of what it changes must wait for it (DESIGN.md rule 8).
func (l *Lifecycle) PreparedAtOrBefore(snapshot clock.Timestamp) bool {
	return l.prepared && !snapshot.Less(l.prepareTimestamp)
}

func (l *Lifecycle) lifecycle() *Lifecycle { return l }

// LifecycleEncodedLen is the length of a Lifecycle in checkpoints.
const LifecycleEncodedLen = 2*clock.TimestampKeyLen + 1

const (
	stageActive   = 1
	stagePrepared = 2
)

// AppendCheckpoint appends l as checkpoints store it, in
// LifecycleEncodedLen bytes: the id (clock.Timestamp.AppendKey), a stage
// byte (1 Active, 2 Prepared) and the prepare timestamp (zero while
// Active). The store's own checkpoint stores its transactions so too.
func (l *Lifecycle) AppendCheckpoint(out []byte) []byte {
	out = l.id.AppendKey(out)
	if l.prepared {
		out = append(out, stagePrepared)
	} else {
		out = append(out, stageActive)
	}
	return l.prepareTimestamp.AppendKey(out)
}

// readLifecycle reads what AppendCheckpoint wrote, checking it as
// RestoreTransaction does. A failure sticks in r; the result is then zero.
func readLifecycle(r *binenc.Reader) Lifecycle {
	offset := r.Offset()
	l := Lifecycle{id: r.Timestamp()}
	stage := r.Byte()
	l.prepareTimestamp = r.Timestamp()
	l.prepared = stage == stagePrepared
	if r.Err() != nil {
		return Lifecycle{}
	}
	if stage != stageActive && stage != stagePrepared {
		r.Failf("transaction %v at offset %d: stage %d", l.id, offset, stage)
		return Lifecycle{}
	}
	if err := checkRestoredStage(l.id, l.prepared, l.prepareTimestamp); err != nil {
		r.Failf("at offset %d: %v", offset, err)
		return Lifecycle{}
	}
	return l
}

// checkRestoredStage checks a transaction's id and stage read from a
// checkpoint.
func checkRestoredStage(txn TxnID, prepared bool, prepareTimestamp clock.Timestamp) error {
	switch {
	case txn.IsZero():
		return errorf(ErrCorruptCheckpoint, "zero transaction id")
	case prepared && !validWriteTimestamp(prepareTimestamp):
		return errorf(ErrCorruptCheckpoint, "transaction %v prepared at %v", txn, prepareTimestamp)
	case !prepared && !prepareTimestamp.IsZero():
		return errorf(ErrCorruptCheckpoint, "active transaction %v with prepare timestamp %v", txn, prepareTimestamp)
	}
	return nil
}

// checkPrepare says why l cannot be prepared at prepareTimestamp, or nil.
// Preparing again at the same timestamp is allowed (a no-op).
func (l *Lifecycle) checkPrepare(prepareTimestamp clock.Timestamp) error {
	if !validWriteTimestamp(prepareTimestamp) {
		return errorf(ErrInvalidTimestamp, "prepare timestamp %v for txn %v", prepareTimestamp, l.id)
	}
	if l.prepared && l.prepareTimestamp != prepareTimestamp {
		return errorf(ErrTransactionPrepared, "txn %v already prepared at %v, not %v", l.id, l.prepareTimestamp, prepareTimestamp)
	}
	return nil
}

// checkCommit says why l cannot commit at commitTimestamp, or nil.
func (l *Lifecycle) checkCommit(commitTimestamp clock.Timestamp) error {
	if !validWriteTimestamp(commitTimestamp) {
		return errorf(ErrInvalidTimestamp, "commit timestamp %v for txn %v", commitTimestamp, l.id)
	}
	if l.prepared && commitTimestamp.Less(l.prepareTimestamp) {
		return errorf(ErrCommitBeforePrepare, "txn %v commit %v < prepare %v", l.id, commitTimestamp, l.prepareTimestamp)
	}
	return nil
}

// record is what a Participant's records are: a pointer to an engine's
// transaction record that embeds Lifecycle.
type record[R any] interface {
	*R
	lifecycle() *Lifecycle
}

// Steps are an engine's own parts of the lifecycle. Each may be nil.
type Steps[T any] struct {
	// Write runs first in Commit, after the checks: an engine that keeps a
	// transaction's effects outside the store until commit writes them now,
	// as intents of the transaction, and updates what it caches of the
	// committed state (the store's commit that follows cannot fail).
	Write func(t T, commitTimestamp clock.Timestamp)
	// Release runs at the end of Commit and Abort: it drops what the
	// transaction holds (locks, reservations) in the engine.
	Release func(t T)
	// Reset empties a released record for reuse by a later transaction,
	// keeping what capacity it likes. Nil zeroes the record.
	Reset func(t T)
}

// Participant is the one participant lifecycle: the live transactions of
// one engine over its Store, from their first operation (Begin) to Commit
// or Abort, with their Lifecycle and the engine's record around it. It
// prepares, commits and aborts the transactions' intents in the store and
// calls the engine's Steps. See the package documentation for the rules.
type Participant[R any, T record[R]] struct {
	name  string // the engine, for assertion messages
	store *Store
	steps Steps[T]
	// transactions holds every Active or Prepared transaction.
	transactions map[TxnID]T
	// lastCommitTimestamp is the newest commit timestamp applied.
	// Invariant: every prepare timestamp since is above it, and every
	// commit timestamp since at or above it.
	lastCommitTimestamp clock.Timestamp
	// lastRestored is the id RestoreTransaction restored last.
	lastRestored TxnID
	spares       spares[R]
}

// NewParticipant returns a participant over store with no transactions.
// name names the engine in assertion messages.
func NewParticipant[R any, T record[R]](name string, store *Store, steps Steps[T]) *Participant[R, T] {
	return &Participant[R, T]{name: name, store: store, steps: steps, transactions: map[TxnID]T{}}
}

// Store returns the store the participant's transactions write to.
func (p *Participant[R, T]) Store() *Store { return p.store }

// Begin returns txn's record for one of its operations, beginning txn (an
// empty record, Active) on its first.
//
// Requires: txn is not zero and not Prepared (the processor applies
// operations of Active transactions only, and refuses the zero id).
func (p *Participant[R, T]) Begin(txn TxnID) T {
	if txn.IsZero() {
		assert.Broken("mvcc: operation of the zero transaction id, in the %s participant", p.name)
	}
	if t, ok := p.transactions[txn]; ok {
		if t.lifecycle().prepared {
			assert.Broken("mvcc: operation of txn %v after its prepare, in the %s participant", txn, p.name)
		}
		return t
	}
	t := T(p.spares.get())
	t.lifecycle().id = txn
	p.transactions[txn] = t
	return t
}

// Lookup returns txn's record, or nil when txn is not live.
func (p *Participant[R, T]) Lookup(txn TxnID) T { return p.transactions[txn] }

// Len returns the number of live transactions.
func (p *Participant[R, T]) Len() int { return len(p.transactions) }

// IDs returns the ids of the live transactions, ascending, in a new slice.
func (p *Participant[R, T]) IDs() []TxnID {
	ids := make([]TxnID, 0, len(p.transactions))
	for id := range p.transactions { //proven:allow map-order: sorted below
		ids = append(ids, id)
	}
	slices.SortFunc(ids, TxnID.Compare)
	return ids
}

// LastCommitTimestamp returns the newest commit timestamp applied (zero
// before the first commit since NewParticipant or
// RestoreLastCommitTimestamp).
func (p *Participant[R, T]) LastCommitTimestamp() clock.Timestamp { return p.lastCommitTimestamp }

// RestoreLastCommitTimestamp sets the last commit timestamp from a
// checkpoint that recorded it, so that the order checks of Prepare and
// Commit hold across a restore. (A transaction may be prepared below it:
// one decided earlier whose commit waits for the processor's turn.)
func (p *Participant[R, T]) RestoreLastCommitTimestamp(timestamp clock.Timestamp) {
	p.lastCommitTimestamp = timestamp
}

// HoldsIntents reports whether the store holds intents of txn.
func (p *Participant[R, T]) HoldsIntents(txn TxnID) bool { return p.store.transactions[txn] != nil }

// Prepare marks txn Prepared at prepareTimestamp, and its intents in the
// store with it, so that reads at or above prepareTimestamp wait for it.
//
// Requires (the processor guarantees it, rule 3): txn is live and Active;
// prepareTimestamp is neither zero nor MaxTimestamp and is above every
// commit timestamp applied.
func (p *Participant[R, T]) Prepare(txn TxnID, prepareTimestamp clock.Timestamp) {
	t := p.live(txn, "prepare")
	l := t.lifecycle()
	if l.prepared {
		assert.Broken("mvcc: prepare of txn %v at %v, prepared already at %v, in the %s participant", txn, prepareTimestamp, l.prepareTimestamp, p.name)
	}
	if err := l.checkPrepare(prepareTimestamp); err != nil {
		assert.Broken("%v, in the %s participant", err, p.name)
	}
	if !p.lastCommitTimestamp.Less(prepareTimestamp) {
		assert.Broken("mvcc: txn %v prepare %v not above the last commit %v, in the %s participant", txn, prepareTimestamp, p.lastCommitTimestamp, p.name)
	}
	if record := p.store.transactions[txn]; record != nil {
		p.store.prepare(txn, record, prepareTimestamp)
	}
	l.prepared, l.prepareTimestamp = true, prepareTimestamp
}

// Commit commits txn at commitTimestamp: the engine's Write step, then the
// store's commit of txn's intents, then its Release step; then txn is
// forgotten.
//
// Requires (the processor guarantees it, rule 4): txn is live, Prepared
// or Active (one-phase commit); commitTimestamp is neither zero nor
// MaxTimestamp, at or above its prepare timestamp, and at or above every
// commit timestamp applied before (the processor applies commits in
// timestamp order; two transactions share a commit timestamp only when a
// coordinator breaks the rules, and then the store refuses two versions
// of one key at one timestamp). These checks run before anything
// changes; a refusal by the store, after the engine's Write step, is
// asserted too, leaving the engine's state undefined.
func (p *Participant[R, T]) Commit(txn TxnID, commitTimestamp clock.Timestamp) {
	t := p.live(txn, "commit")
	if err := t.lifecycle().checkCommit(commitTimestamp); err != nil {
		assert.Broken("%v, in the %s participant", err, p.name)
	}
	if commitTimestamp.Less(p.lastCommitTimestamp) {
		assert.Broken("mvcc: txn %v commit %v below the last commit %v, in the %s participant", txn, commitTimestamp, p.lastCommitTimestamp, p.name)
	}
	if p.steps.Write != nil {
		p.steps.Write(t, commitTimestamp)
	}
	if record := p.store.transactions[txn]; record != nil { // its stage mirrors t's, checked above
		if err := p.store.commit(txn, record, commitTimestamp); err != nil {
			assert.Broken("mvcc: the store refused the commit of txn %v, in the %s participant: %v", txn, p.name, err)
		}
	}
	p.lastCommitTimestamp = commitTimestamp
	p.finish(t)
}

// Abort discards txn's intents, runs the engine's Release step and
// forgets txn. Aborting a transaction that is not live does nothing.
func (p *Participant[R, T]) Abort(txn TxnID) {
	t := p.transactions[txn]
	if t == nil {
		return
	}
	if record := p.store.transactions[txn]; record != nil {
		p.store.abort(txn, record)
	}
	p.finish(t)
}

func (p *Participant[R, T]) live(txn TxnID, step string) T {
	t := p.transactions[txn]
	if t == nil {
		assert.Broken("mvcc: %s of txn %v, which is not live in the %s participant", step, txn, p.name)
	}
	return t
}

// finish releases t, forgets it and keeps its record, emptied, for reuse.
func (p *Participant[R, T]) finish(t T) {
	if p.steps.Release != nil {
		p.steps.Release(t)
	}
	delete(p.transactions, t.lifecycle().id)
	if p.spares.full() {
		return
	}
	if p.steps.Reset != nil {
		p.steps.Reset(t)
	} else {
		var zero R
		*t = zero
	}
	*t.lifecycle() = Lifecycle{}
	p.spares.put(t)
}

// TwoPhase gives an engine the Prepare, Commit and Abort of the engine
// contract (engines.Engine), run by its Participant: an engine embeds the
// TwoPhase of its participant. Prepare and Commit never return an error:
// what the processor guarantees is asserted.
type TwoPhase[R any, T record[R]] struct{ participant *Participant[R, T] }

// TwoPhase returns the participant's TwoPhase, for an engine to embed.
func (p *Participant[R, T]) TwoPhase() TwoPhase[R, T] { return TwoPhase[R, T]{participant: p} }

// Prepare is Participant.Prepare; it returns nil.
func (c TwoPhase[R, T]) Prepare(txn TxnID, prepareTimestamp clock.Timestamp) error {
	c.participant.Prepare(txn, prepareTimestamp)
	return nil
}

// Commit is Participant.Commit; it returns nil.
func (c TwoPhase[R, T]) Commit(txn TxnID, commitTimestamp clock.Timestamp) error {
	c.participant.Commit(txn, commitTimestamp)
	return nil
}

// Abort is Participant.Abort.
func (c TwoPhase[R, T]) Abort(txn TxnID) { c.participant.Abort(txn) }

// RestoreTransaction adds a transaction read from a checkpoint, Prepared
// at prepareTimestamp or Active (prepareTimestamp zero), and returns its
// new record, or an error wrapping ErrCorruptCheckpoint that names what is
// wrong. Restore the transactions into a new participant in ascending id
// order (so that a checkpoint has one encoding), then call CheckRestored
// (unless the engine checks that the store holds no intents at all).
func (p *Participant[R, T]) RestoreTransaction(txn TxnID, prepared bool, prepareTimestamp clock.Timestamp) (T, error) {
	if err := checkRestoredStage(txn, prepared, prepareTimestamp); err != nil {
		return nil, err
	}
	if !p.lastRestored.Less(txn) {
		return nil, errorf(ErrCorruptCheckpoint, "transaction %v after %v", txn, p.lastRestored)
	}
	p.lastRestored = txn
	t := p.Begin(txn)
	l := t.lifecycle()
	l.prepared, l.prepareTimestamp = prepared, prepareTimestamp
	return t, nil
}

// CheckRestored checks the restored transactions against the store:
// every transaction holding intents there is live here, in the same
// stage and at the same prepare timestamp.
func (p *Participant[R, T]) CheckRestored() error {
	holding := 0
	for _, id := range p.IDs() {
		record := p.store.transactions[id]
		if record == nil {
			continue
		}
		holding++
		if l := p.transactions[id].lifecycle(); record.prepared != l.prepared || record.prepareTimestamp != l.prepareTimestamp {
			return errorf(ErrCorruptCheckpoint, "transaction %v prepared %v at %v here, %v at %v in the store",
				id, l.prepared, l.prepareTimestamp, record.prepared, record.prepareTimestamp)
		}
	}
	if holding != len(p.store.transactions) {
		return errorf(ErrCorruptCheckpoint, "the store holds intents of %d transactions, %d of them live",
			len(p.store.transactions), holding)
	}
	return nil
}

// sparesMax bounds the forgotten records kept for reuse.
const sparesMax = 64

// spares keeps emptied records of forgotten transactions for reuse.
// Invariant: every record in free is empty as its owner defines it, and
// reachable from nowhere else.
type spares[R any] struct{ free []*R }

// get returns a spare record, or a new zero one.
func (s *spares[R]) get() *R {
	last := len(s.free) - 1
	if last < 0 {
		return new(R)
	}
	r := s.free[last]
	s.free[last] = nil
	s.free = s.free[:last]
	return r
}

func (s *spares[R]) full() bool { return len(s.free) >= sparesMax }

// put keeps r for reuse. Requires: r is empty and not full().
func (s *spares[R]) put(r *R) { s.free = append(s.free, r) }
