package streamlog

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// subscription pushes a stream's entries to one subscriber.
type subscription struct {
	subscriber wire.Address
	// next is the position pushed next.
	// Invariant: next >= head+1 of the stream once a step has finished
	// (every entry from the subscription's start up to the head was pushed).
	next uint64
}

// stream is one named log, kept whole in memory.
type stream struct {
	name string
	// Invariant: entries[i].Position == i+1, and timestamps strictly
	// increase along entries.
	entries []wire.LogEntry
	// subscriptions, sorted by subscriber, at most one per subscriber.
	subscriptions []subscription
}

func (st *stream) head() (uint64, clock.Timestamp) {
	if len(st.entries) == 0 {
		return 0, clock.Timestamp{}
	}
	last := st.entries[len(st.entries)-1]
	return last.Position, last.Timestamp
}

// add appends an entry.
// Requires: entry is the next position, with a timestamp above the head's.
func (st *stream) add(entry wire.LogEntry) {
	position, timestamp := st.head()
	if entry.Position != position+1 {
		assert.Broken("streamlog: stream %q: position %d after %d", st.name, entry.Position, position)
	}
	if position > 0 && !timestamp.Less(entry.Timestamp) {
		assert.Broken("streamlog: stream %q: timestamp %v not after %v", st.name, entry.Timestamp, timestamp)
	}
	st.entries = append(st.entries, entry)
}

// read returns up to countMax entries from position from. The slice shares
// the log's memory and has no spare capacity, so appending to it copies.
func (st *stream) read(from uint64, countMax int) []wire.LogEntry {
	from = max(from, 1)
	if countMax <= 0 || from > uint64(len(st.entries)) {
		return nil
	}
	start := from - 1
	end := min(uint64(len(st.entries)), start+uint64(countMax))
	return st.entries[start:end:end]
}

// subscribe adds or replaces subscriber's subscription and returns its index.
func (st *stream) subscribe(subscriber wire.Address, from uint64) int {
	index, found := slices.BinarySearchFunc(st.subscriptions, subscriber,
		func(s subscription, target wire.Address) int {
			switch {
			case s.subscriber < target:
				return -1
			case s.subscriber > target:
				return 1
			}
			return 0
		})
	if found {
		st.subscriptions[index].next = from
		return index
	}
	st.subscriptions = slices.Insert(st.subscriptions, index, subscription{subscriber: subscriber, next: from})
	return index
}
