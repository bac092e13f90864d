package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/sim"
)

// A campaign runs its seeds on several cores: each seed is a world of its
// own (simulated code shares no mutable state between worlds), so
// goroutines here are safe. The output is the same as one core's, byte for
// byte: every run's stdout line and stderr text are held until the runs of
// the seeds before it have been written.

// seedOutcome is what one seed's run leaves for the output.
type seedOutcome struct {
	line   runLine
	failed bool
	// stderr holds what the run prints on stderr (its trace when asked,
	// and for a failure its reason, seed file and detail), written in seed
	// order with the run's line.
	stderr []byte
	// coverage is the run's fault coverage (with --coverage).
	coverage cluster.Coverage
}

// shard is one part of a seed range: --shard index/count runs the
// index-th (from 1) of count contiguous, nearly equal parts.
type shard struct{ index, count int }

// parseShard reads "i/n" with 1 <= i <= n.
func parseShard(text string) (shard, error) {
	indexText, countText, found := strings.Cut(text, "/")
	index, indexErr := strconv.Atoi(indexText)
	count, countErr := strconv.Atoi(countText)
	if !found || indexErr != nil || countErr != nil || count < 1 || index < 1 || index > count {
		return shard{}, fmt.Errorf("%q is not i/n with 1 <= i <= n (e.g. 2/4: the second of four parts)", text)
	}
	return shard{index: index, count: count}, nil
}

// seeds returns the shard's part of the seeds first, first+1, ...,
// first+total-1: part i of n starts at the floor of (i-1)*total/n, so the
// parts cover the range exactly once whatever n.
func (s shard) seeds(first uint64, total int) []uint64 {
	if s.count == 0 {
		s = shard{index: 1, count: 1}
	}
	start := (s.index - 1) * total / s.count
	end := s.index * total / s.count
	seeds := make([]uint64, 0, end-start)
	for i := start; i < end; i++ {
		seeds = append(seeds, first+uint64(i))
	}
	return seeds
}

// defaultParallel is --parallel's default: one worker per CPU.
func defaultParallel() int { return runtime.NumCPU() }

// runSeeds runs run(seed) for every seed on workers goroutines and calls
// emit with each outcome in seed order, from the calling goroutine. At
// most workers*4 outcomes wait for an earlier one, which bounds memory
// whatever the number of seeds.
func runSeeds(seeds []uint64, workers int, run func(seed uint64) seedOutcome, emit func(index int, outcome seedOutcome)) {
	workers = max(1, min(workers, len(seeds)))
	if workers == 1 {
		for i, seed := range seeds {
			emit(i, run(seed))
		}
		return
	}
	type result struct {
		index   int
		outcome seedOutcome
	}
	window := workers * 4
	tokens := make(chan struct{}, window)
	jobs := make(chan int)
	results := make(chan result, window)
	var group sync.WaitGroup
	for range workers {
		group.Add(1)
		go func() {
			defer group.Done()
			for index := range jobs {
				results <- result{index: index, outcome: run(seeds[index])}
			}
		}()
	}
	go func() {
		for index := range seeds {
			tokens <- struct{}{}
			jobs <- index
		}
		close(jobs)
		group.Wait()
		close(results)
	}()
	pending := map[int]seedOutcome{}
	next := 0
	for r := range results {
		pending[r.index] = r.outcome
		for {
			outcome, ready := pending[next]
			if !ready {
				break
			}
			delete(pending, next)
			emit(next, outcome)
			next++
			<-tokens
		}
	}
}

// simulateSeed runs one seed of the campaign and renders everything it
// prints, so that a worker can run it while another's output is written.
// A failing run's seed file is written here (its name is the seed's own).
func simulateSeed(options simFlags, seed uint64) seedOutcome {
	var stderr bytes.Buffer
	var trace io.Writer
	if options.trace {
		trace = &stderr
	}
	line, detail, report := runOnce(options, seed, trace)
	outcome := seedOutcome{line: line, failed: line.Verdict != string(sim.VerdictOK), coverage: report.Coverage}
	if outcome.failed {
		fmt.Fprintf(&stderr, "seed %d failed (%s): %s\n", seed, line.Failure, line.Reason)
		if !writeSeedFile(options.corpus, report, &stderr) {
			fmt.Fprintf(&stderr, "reproduce: go run ./cmd/proven sim --seed %d --seeds 1 --faults %s --workload %s\n",
				seed, options.faults, options.workload)
		}
		if detail != "" {
			fmt.Fprintln(&stderr, detail)
		}
	}
	outcome.stderr = stderr.Bytes()
	return outcome
}
