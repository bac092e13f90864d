package main

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestParallelOutputIsSequentialOutput runs one campaign per workload on
// one worker and on three, and wants the same bytes on stdout and stderr
// (run lines in seed order, failures' text with them). go test -race runs
// it in CI: the worlds running at once must share no mutable state.
func TestParallelOutputIsSequentialOutput(t *testing.T) {
	for _, workload := range []string{"mixed", "list-append", "sql-bank"} {
		args := []string{"sim", "--seeds", "4", "--workload", workload, "--faults", "swarm"}
		code, sequential, sequentialErr := runCLI(append(args, "--parallel", "1")...)
		parallelCode, parallel, parallelErr := runCLI(append(args, "--parallel", "3")...)
		if code != 0 || parallelCode != 0 {
			t.Fatalf("%s: exit %d and %d: %s%s", workload, code, parallelCode, sequentialErr, parallelErr)
		}
		if parallel != sequential || parallelErr != sequentialErr {
			t.Fatalf("%s: --parallel 3 printed\n%s%s\n--parallel 1 printed\n%s%s", workload, parallel, parallelErr,
				sequential, sequentialErr)
		}
	}
}

func TestShardsSplitTheSeedRangeExactlyOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		first := rapid.Uint64Range(0, 1<<40).Draw(t, "first")
		total := rapid.IntRange(1, 300).Draw(t, "total")
		count := rapid.IntRange(1, 20).Draw(t, "count")
		var covered []uint64
		for index := 1; index <= count; index++ {
			part := shard{index: index, count: count}.seeds(first, total)
			if len(part) < total/count || len(part) > total/count+1 {
				t.Fatalf("part %d/%d of %d seeds has %d", index, count, total, len(part))
			}
			covered = append(covered, part...)
		}
		want := shard{}.seeds(first, total)
		if !slices.Equal(covered, want) || len(want) != total || want[0] != first {
			t.Fatalf("the parts cover %v, want %v", covered, want)
		}
	})
}

func TestShardFlag(t *testing.T) {
	_, whole, _ := runCLI("sim", "--seeds", "5", "--faults", "none")
	var joined []string
	for _, part := range []string{"1/2", "2/2"} {
		code, out, errOut := runCLI("sim", "--seeds", "5", "--faults", "none", "--shard", part)
		if code != 0 {
			t.Fatalf("--shard %s: exit %d: %s", part, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		joined = append(joined, lines[:len(lines)-1]...)
	}
	wholeLines := strings.Split(strings.TrimSpace(whole), "\n")
	if !slices.Equal(joined, wholeLines[:len(wholeLines)-1]) {
		t.Fatalf("the shards' run lines\n%s\ndiffer from the whole range's\n%s", strings.Join(joined, "\n"), whole)
	}
	for _, bad := range []string{"0/2", "3/2", "2", "a/b", "1/0"} {
		code, _, errOut := runCLI("sim", "--shard", bad)
		if code != 2 || !strings.Contains(errOut, "--shard") || !strings.Contains(errOut, bad) {
			t.Fatalf("--shard %s: exit %d, %q", bad, code, errOut)
		}
	}
	code, _, errOut := runCLI("sim", "--parallel", "0")
	if code != 2 || !strings.Contains(errOut, "--parallel 0") {
		t.Fatalf("--parallel 0: exit %d, %q", code, errOut)
	}
}
