package live

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/processor"
)

// The janitor removes old log segments, one stream at a time, after the
// stream's processor wrote a checkpoint. Removing below a position P of
// stream S is safe when nothing will ever read S below P:
//
//   - S's own replay starts after one of its two newest checkpoints:
//     P <= removable, the bound store.WriteCheckpoint returns.
//   - A peer R's termination reads S from the start position of a
//     transaction X that R has prepared, until a Commit of X or S's log
//     passes X's deadline D. It is needed while X is prepared and
//     undecided in R's state; once R's log holds X's decision, a replay
//     of R reaches that decision whatever its reads return (a read below
//     S's first retained position is answered from that position, and a
//     termination ignores entries that do not continue where it asked).
//
// So a round for S takes, in this order: (1) S's pins and applied
// timestamp a from S's processor (processor.LogPins: the smallest start
// position of every transaction S remembers and has not committed); (2)
// each peer R's log head h and its timestamp t, through the log host (a
// barrier: every append sent to R before it is at or below h; every
// later one gets a timestamp above t), taken once t >= a (R's log passed
// S's applied time: it ticks when idle); (3) each peer's pins for S once R's processor has applied
// h. It removes below the minimum of removable and those pins. Why that
// covers every termination R may run on a transaction X with S's start
// below P, after the round:
//
//   - X's Prepare reached R's log before R's barrier: R applied it before
//     its pins were taken, so X was either decided there (its decision is
//     in R's log) or prepared, pinning S at X's start.
//   - X's Prepare reached R's log after the barrier, so at a timestamp
//     above t >= a. X's start on S is below P <= removable, so S had
//     applied it by (1). Then at (1): if S had X active, prepared or
//     aborted, and remembered it, S's own pin covers it. If S had
//     committed X, every participant voted first: R applied a Prepare of
//     X before S's commit, so before its barrier (first case). If S had
//     forgotten X, X's deadline D had passed on S (a > D), so R's late
//     Prepare is after D and R refuses it: no termination.
//
// (An aborted transaction S remembers stays pinned because S may have
// aborted it on its own — a wound, a refused vote — while its
// coordinator's Prepare to R is still on its way.) Rounds are rare (one
// per checkpoint), so each round asks every stream afresh.
//
// The same round also drops entries from the log's memory (not from
// disk) below the minimum of those pins and S's applied position + 1:
// in a running store only S's replay after a crash needs the entries
// between its older checkpoint and what it applied, and that replay reads
// the disk. The argument above holds with P <= S's applied position + 1
// in place of removable: it used only that S had applied X's start by
// (1). So the log's memory holds what S has not applied and what pins
// hold, plus the entries appended since the round.
type janitor struct {
	db *DB
	// mutex guards pending.
	mutex sync.Mutex
	// pending holds, per stream, the removable bound of its newest
	// checkpoint not handled yet (0: none).
	pending []uint64
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	// removed is, per stream, the first retained position after the last
	// removal; rounds counts the rounds finished (removing or not). Written
	// by the goroutine, read by tests.
	removed []atomic.Uint64
	rounds  []atomic.Int64
	// forgotten is, per stream, the first position kept in memory after
	// the last round. Written by the goroutine, read by tests.
	forgotten []atomic.Uint64
}

// janitorPollInterval is how often a round waits for a peer's processor
// to apply its log up to the barrier; janitorPatience bounds that wait
// (the round is given up, and the next checkpoint starts a new one).
const (
	janitorPollInterval = 5 * time.Millisecond
	janitorPatience     = 10 * time.Second
)

func newJanitor(db *DB, streams int) *janitor {
	return &janitor{db: db, pending: make([]uint64, streams), removed: make([]atomic.Uint64, streams),
		rounds: make([]atomic.Int64, streams), forgotten: make([]atomic.Uint64, streams),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// checkpointed tells the janitor that stream index wrote a checkpoint
// whose replay needs nothing below removable. It never blocks.
func (j *janitor) checkpointed(index int, removable uint64) {
	j.mutex.Lock()
	j.pending[index] = max(j.pending[index], removable)
	j.mutex.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

func (j *janitor) start() { go j.run() }

func (j *janitor) run() {
	defer close(j.done)
	for {
		select {
		case <-j.wake:
		case <-j.stop:
			return
		}
		for index := range j.pending {
			j.mutex.Lock()
			removable := j.pending[index]
			j.pending[index] = 0
			j.mutex.Unlock()
			if removable > j.removed[index].Load() {
				if err := j.round(index, removable); err != nil {
					j.db.fail(err)
					return
				}
				j.rounds[index].Add(1)
			}
		}
	}
}

// pinsOf is what a round learns from one processor.
type pinsOf struct {
	pins             processor.LogPins
	appliedPosition  uint64
	appliedTimestamp clock.Timestamp
}

func (j *janitor) ask(index int) (pinsOf, bool) {
	var answer pinsOf
	ok := j.db.streams[index].processor.query(func(p *processor.Processor) {
		answer = pinsOf{pins: p.LogPins(), appliedPosition: p.AppliedPosition(), appliedTimestamp: p.AppliedTimestamp()}
	})
	return answer, ok
}

// round removes stream index's log below what nothing needs any more (see
// the type's comment). A round that cannot finish (a peer lags, the store
// is closing) removes nothing; only a failed removal is an error.
func (j *janitor) round(index int, removable uint64) error {
	own, ok := j.ask(index)
	if !ok {
		return nil
	}
	bound := minPin(removable, own.pins.Own)
	memoryBound := minPin(own.appliedPosition+1, own.pins.Own)
	name := j.db.streams[index].spec.Name
	heads := make([]uint64, len(j.db.streams))
	for peer := range j.db.streams {
		if peer == index {
			continue
		}
		head, ok := j.barrier(peer, own.appliedTimestamp)
		if !ok {
			return nil
		}
		heads[peer] = head
	}
	for peer := range j.db.streams {
		if peer == index {
			continue
		}
		answer, ok := j.waitApplied(peer, heads[peer])
		if !ok {
			return nil
		}
		bound = minPin(bound, answer.pins.Peers[name])
		memoryBound = minPin(memoryBound, answer.pins.Peers[name])
	}
	if bound > j.removed[index].Load() {
		first, err := j.db.streams[index].log.RemoveBelow(bound)
		if err != nil {
			return fmt.Errorf("%w: stream %q: removing log segments below %d: %w", ErrFailed, name, bound, err)
		}
		j.removed[index].Store(first)
	}
	first, err := j.db.streams[index].log.ForgetBelow(memoryBound)
	if err != nil {
		return fmt.Errorf("%w: stream %q: dropping log entries below %d from memory: %w", ErrFailed, name, memoryBound, err)
	}
	j.forgotten[index].Store(first)
	return nil
}

// barrier returns peer's log head once its timestamp is at or after
// applied (an idle log gets a tick every few milliseconds); false if the
// store closes or the log takes longer than janitorPatience.
func (j *janitor) barrier(peer int, applied clock.Timestamp) (uint64, bool) {
	deadline := time.Now().Add(janitorPatience)
	for {
		head, timestamp, err := j.db.streams[peer].log.Head()
		if err != nil {
			return 0, false
		}
		if !timestamp.Less(applied) {
			return head, true
		}
		if !j.pause(deadline) {
			return 0, false
		}
	}
}

// pause waits janitorPollInterval; false once deadline has passed or the
// janitor is stopping.
func (j *janitor) pause(deadline time.Time) bool {
	if time.Now().After(deadline) {
		return false
	}
	select {
	case <-time.After(janitorPollInterval):
		return true
	case <-j.stop:
		return false
	}
}

// waitApplied asks peer's processor until it has applied its log up to
// head, and returns its answer then; false if the store closes or the
// peer takes longer than janitorPatience.
func (j *janitor) waitApplied(peer int, head uint64) (pinsOf, bool) {
	deadline := time.Now().Add(janitorPatience)
	for {
		answer, ok := j.ask(peer)
		if !ok || answer.appliedPosition >= head {
			return answer, ok
		}
		if !j.pause(deadline) {
			return pinsOf{}, false
		}
	}
}

// minPin lowers bound to pin; a zero pin pins nothing.
func minPin(bound, pin uint64) uint64 {
	if pin != 0 && pin < bound {
		return pin
	}
	return bound
}

func (j *janitor) close() {
	close(j.stop)
	<-j.done
}
