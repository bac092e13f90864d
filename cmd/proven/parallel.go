package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// A campaign runs its seeds on several cores: each seed is a world of its
// own (simulated code shares no mutable state between worlds), so
// goroutines here are safe. The output is the same as one core's, byte for
// byte: runSeeds hands the results over in seed order, and campaignOutput
// prints each (its line, and its failure's stderr) as it comes.

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

// part returns the first seed and the number of seeds of the shard's
// part of first, first+1, ..., first+total-1.
func (s shard) part(first uint64, total int) (uint64, int) {
	seeds := s.seeds(first, total)
	if len(seeds) == 0 {
		return first, 0
	}
	return seeds[0], len(seeds)
}

// defaultParallel is --parallel's default: one worker per CPU.
func defaultParallel() int { return runtime.NumCPU() }

// runSeeds runs run(index) for index 0, 1, ..., count-1 on workers
// goroutines and calls emit with each result in index order, from the
// calling goroutine. stop is asked before each index starts (from another
// goroutine); once it says so no more start, the started ones finish and
// are emitted, and runSeeds returns true. At most workers*4 results wait
// for an earlier one, which bounds memory whatever the count.
func runSeeds(count, workers int, stop func() bool, run func(index int) runResult, emit func(runResult)) (stopped bool) {
	workers = max(1, min(workers, count))
	if workers == 1 {
		for index := range count {
			if stop() {
				return true
			}
			emit(run(index))
		}
		return false
	}
	window := workers * 4
	tokens := make(chan struct{}, window)
	jobs := make(chan int)
	results := make(chan runResult, window)
	var group sync.WaitGroup
	for range workers {
		group.Add(1)
		go func() {
			defer group.Done()
			for index := range jobs {
				results <- run(index)
			}
		}()
	}
	go func() {
		for index := range count {
			tokens <- struct{}{}
			if stop() {
				stopped = true
				break
			}
			jobs <- index
		}
		close(jobs)
		group.Wait()
		close(results)
	}()
	pending := map[int]runResult{}
	next := 0
	for result := range results {
		pending[result.index] = result
		for {
			ready, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			emit(ready)
			next++
			<-tokens
		}
	}
	return stopped
}
