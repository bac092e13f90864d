package live

import (
	"fmt"
	"sync/atomic"

	"github.com/proven2pc/proven/engines/processor"
)

// checkpointer writes one stream's checkpoints on a goroutine of its own,
// so that the processor keeps applying entries while a checkpoint (the
// whole engine) is encoded, written and fsynced. A checkpoint comes
// frozen (processor.FrozenCheckpoint: the engine's data copy-on-write),
// and is encoded in chunks as it is written, so no copy of the state is
// held. A checkpoint is an optimization — the log is the truth, and no
// message depends on one — so one offered while the previous is still
// being written is dropped: the processor offers the next one
// CheckpointEvery entries later. The processor host holds the processor's
// checkpoints while one is written (processor.HoldCheckpoints), so that
// few are frozen only to be dropped, and the one due is taken as soon as
// the write ends.
type checkpointer struct {
	db     *DB
	stream *streamRuntime
	// requests is unbuffered: a send succeeds only while the goroutine
	// waits for one.
	requests chan *processor.FrozenCheckpoint
	// writing is true from a request's receipt to the end of its write.
	writing atomic.Bool
	stop    chan struct{}
	done    chan struct{}
}

func newCheckpointer(db *DB, stream *streamRuntime) *checkpointer {
	return &checkpointer{db: db, stream: stream, requests: make(chan *processor.FrozenCheckpoint),
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (c *checkpointer) start() { go c.run() }

// offer hands a checkpoint to the goroutine, or drops it when a write is
// in progress; it reports whether it was taken.
func (c *checkpointer) offer(checkpoint *processor.FrozenCheckpoint) bool {
	select {
	case c.requests <- checkpoint:
		return true
	default:
		return false
	}
}

// run writes each checkpoint and tells the janitor what the stream's own
// replay no longer needs. A failed write stops the store.
func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case checkpoint := <-c.requests:
			c.writing.Store(true)
			removable, err := c.stream.store.WriteCheckpointFrom(checkpoint.Position, checkpoint)
			c.writing.Store(false)
			if err != nil {
				c.db.fail(fmt.Errorf("%w: stream %q: writing a checkpoint: %w", ErrFailed, c.stream.spec.Name, err))
				return
			}
			c.db.janitor.checkpointed(c.stream.index, removable)
		case <-c.stop:
			return
		}
	}
}

// close waits for the write in progress, if any, and stops the goroutine.
func (c *checkpointer) close() {
	close(c.stop)
	<-c.done
}
