package streamlog

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/internal/assert"
)

// appendResult is what an append was answered with, kept to answer a retry.
type appendResult struct {
	stream    string
	position  uint64
	timestamp clock.Timestamp
}

// dedupeVerdict classifies an append's request id.
type dedupeVerdict uint8

const (
	requestNew       dedupeVerdict = iota + 1 // never seen: append it
	requestDuplicate                          // remembered: answer again
	requestStale                              // older than the window: drop it
)

// originWindow remembers the last appends of one origin.
type originWindow struct {
	results map[uint64]appendResult
	// sequences holds the keys of results in increasing order.
	// Invariant: len(sequences) == len(results) <= the table's windowLen.
	sequences []uint64
	// forgotten says some sequence was evicted; forgottenMax is the largest
	// evicted one. A sequence <= forgottenMax that is not remembered may
	// have been appended already, so it is dropped, never appended again.
	forgotten    bool
	forgottenMax uint64
}

// dedupeTable remembers, per origin, the results of the windowLen appends
// with the highest sequences. Origins' sequences increase, so a request
// below the window is a stale retry.
type dedupeTable struct {
	windowLen int
	origins   map[uint64]*originWindow
}

func newDedupeTable(windowLen int) *dedupeTable {
	return &dedupeTable{windowLen: windowLen, origins: map[uint64]*originWindow{}}
}

func (d *dedupeTable) lookup(request wire.RequestID) (appendResult, dedupeVerdict) {
	window := d.origins[request.Origin]
	if window == nil {
		return appendResult{}, requestNew
	}
	if result, ok := window.results[request.Sequence]; ok {
		return result, requestDuplicate
	}
	if window.forgotten && request.Sequence <= window.forgottenMax {
		return appendResult{}, requestStale
	}
	return appendResult{}, requestNew
}

// remember records an append's result, evicting the origin's smallest
// sequence when the window is full.
// Requires: lookup(request) returned requestNew.
func (d *dedupeTable) remember(request wire.RequestID, result appendResult) {
	window := d.origins[request.Origin]
	if window == nil {
		window = &originWindow{results: map[uint64]appendResult{}}
		d.origins[request.Origin] = window
	}
	if _, seen := window.results[request.Sequence]; seen {
		assert.Broken("streamlog: request %v remembered twice", request)
	}
	index, _ := slices.BinarySearch(window.sequences, request.Sequence)
	window.sequences = slices.Insert(window.sequences, index, request.Sequence)
	window.results[request.Sequence] = result
	if len(window.sequences) > d.windowLen {
		evicted := window.sequences[0]
		// Slicing the front off (not shifting the window down) keeps
		// eviction O(1); appends regrow the array now and then.
		window.sequences = window.sequences[1:]
		delete(window.results, evicted)
		window.forgotten = true
		window.forgottenMax = max(window.forgottenMax, evicted)
	}
}
