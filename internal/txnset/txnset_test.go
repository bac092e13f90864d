package txnset

import (
	"maps"
	"slices"
	"testing"

	"github.com/proven2pc/proven/clock"
	"pgregory.net/rapid"
)

// TestSetAgreesWithMap: after any sequence of Add and Remove, the set
// holds exactly the ids a map holds, ascending, and AppendOthers lists
// them all but one.
func TestSetAgreesWithMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var set Set
		model := map[clock.Timestamp]bool{}
		drawID := rapid.Custom(func(t *rapid.T) clock.Timestamp {
			return clock.Timestamp{WallNanos: rapid.Int64Range(1, 6).Draw(t, "wall"), Node: rapid.Uint32Range(0, 2).Draw(t, "node")}
		})
		for range rapid.IntRange(0, 40).Draw(t, "steps") {
			id := drawID.Draw(t, "id")
			if rapid.Bool().Draw(t, "add") {
				set.Add(id)
				model[id] = true
			} else {
				set.Remove(id)
				delete(model, id)
			}
			want := slices.SortedFunc(maps.Keys(model), clock.Timestamp.Compare)
			if !slices.Equal(set, want) {
				t.Fatalf("set %v, want %v", set, want)
			}
			self := drawID.Draw(t, "self")
			others := slices.DeleteFunc(slices.Clone(want), func(other clock.Timestamp) bool { return other == self })
			if got := set.AppendOthers(nil, self); !slices.Equal(got, others) {
				t.Fatalf("others of %v: %v, want %v", self, got, others)
			}
		}
	})
}
