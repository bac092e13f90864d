package txnset

import (
	"slices"

	"github.com/proven2pc/proven/clock"
)

// Set is a sorted set of transaction ids (engines.TxnID is a
// clock.Timestamp). Invariant: ascending, no repeats.
type Set []clock.Timestamp

// Add adds id.
func (s *Set) Add(id clock.Timestamp) {
	index, found := slices.BinarySearchFunc(*s, id, clock.Timestamp.Compare)
	if !found {
		*s = slices.Insert(*s, index, id)
	}
}

// Remove removes id.
func (s *Set) Remove(id clock.Timestamp) {
	index, found := slices.BinarySearchFunc(*s, id, clock.Timestamp.Compare)
	if found {
		*s = slices.Delete(*s, index, index+1)
	}
}

// AppendOthers appends every member except self to dst, ascending.
func (s Set) AppendOthers(dst []clock.Timestamp, self clock.Timestamp) []clock.Timestamp {
	for _, id := range s {
		if id != self {
			dst = append(dst, id)
		}
	}
	return dst
}
