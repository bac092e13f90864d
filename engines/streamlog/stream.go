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

// stream is one named log, kept in memory from its first retained
// position (1 unless Service.RemoveBelow or RecoverSuffix dropped older
// entries) to its head.
type stream struct {
	name string
	// first is the position of entries[0].
	// Invariant: first >= 1, entries[i].Position == first+i, and timestamps
	// strictly increase along entries.
	first   uint64
	entries []wire.LogEntry
	// subscriptions, sorted by subscriber, at most one per subscriber.
	subscriptions []subscription
}

func (st *stream) head() (uint64, clock.Timestamp) {
	if len(st.entries) == 0 {
		return st.first - 1, clock.Timestamp{}
	}
	last := st.entries[len(st.entries)-1]
	return last.Position, last.Timestamp
}

// startAt makes an empty stream start at position first: its entries
// before it were removed (RecoverSuffix).
// Requires: the stream is empty.
func (st *stream) startAt(first uint64) {
	assert.That(len(st.entries) == 0, "streamlog: stream %q starts at %d with %d entries", st.name, first, len(st.entries))
	st.first = max(first, 1)
}

// removeBelow drops the entries before position, never the head entry, in
// new memory so that the dropped ones can be collected. Readers of the old
// array (messages in flight) keep seeing it unchanged.
func (st *stream) removeBelow(position uint64) {
	headPosition, _ := st.head()
	position = min(position, headPosition)
	if position <= st.first {
		return
	}
	st.entries = slices.Clone(st.entries[position-st.first:])
	st.first = position
}

// add appends an entry.
// Requires: entry is the next position, with a timestamp above the head's.
func (st *stream) add(entry wire.LogEntry) {
	position, timestamp := st.head()
	if entry.Position != position+1 {
		assert.Broken("streamlog: stream %q: position %d after %d", st.name, entry.Position, position)
	}
	if len(st.entries) > 0 && !timestamp.Less(entry.Timestamp) {
		assert.Broken("streamlog: stream %q: timestamp %v not after %v", st.name, entry.Timestamp, timestamp)
	}
	st.entries = append(st.entries, entry)
}

// read returns up to countMax entries from position from (from the first
// retained entry when from is below it). The slice shares the log's memory
// and has no spare capacity, so appending to it copies.
func (st *stream) read(from uint64, countMax int) []wire.LogEntry {
	from = max(from, st.first)
	if countMax <= 0 || from-st.first >= uint64(len(st.entries)) {
		return nil
	}
	start := from - st.first
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
