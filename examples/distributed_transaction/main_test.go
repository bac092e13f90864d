package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunIsDeterministic runs each seed twice: the example passes and
// prints the same bytes both times.
func TestRunIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var first, second bytes.Buffer
		if code := run(seed, &first); code != 0 {
			t.Fatalf("seed %d: exit %d\n%s", seed, code, first.String())
		}
		if code := run(seed, &second); code != 0 {
			t.Fatalf("seed %d (second run): exit %d\n%s", seed, code, second.String())
		}
		if first.String() != second.String() {
			t.Fatalf("seed %d: two runs differ:\n%s\n---\n%s", seed, first.String(), second.String())
		}
		if !strings.Contains(first.String(), "verification passed") {
			t.Fatalf("seed %d: no verification line:\n%s", seed, first.String())
		}
	}
}
