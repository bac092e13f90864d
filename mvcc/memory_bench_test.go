package mvcc

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/proven2pc/proven/clock"
)

// BenchmarkMemoryPerKey loads 100k keys of 12 bytes with 100-byte values
// (one committed version each), in ascending key order, in a seeded
// random order and in descending order, runs a GC (as the runtime's
// processors do regularly), and reports the store's heap bytes per key
// ("B/key") and the part beyond the key and value bytes
// ("overhead-B/key"): what each key costs the runtime's long run
// (BENCHMARKS.md, "Memory over a long run"). Run it once: -benchtime=1x.
func BenchmarkMemoryPerKey(b *testing.B) {
	const keys, valueLen = 100_000, 100
	value := bytes.Repeat([]byte("v"), valueLen)
	for _, order := range []string{"ascending", "random", "descending"} {
		b.Run("order="+order, func(b *testing.B) {
			indexes := make([]int, keys)
			for index := range indexes {
				indexes[index] = index
			}
			if order == "descending" {
				slices.Reverse(indexes)
			}
			if order == "random" {
				random := rand.New(rand.NewPCG(1, 2))
				random.Shuffle(keys, func(i, j int) { indexes[i], indexes[j] = indexes[j], indexes[i] })
			}
			var perKey float64
			for range b.N {
				before := heapInUse()
				store := New(Options{})
				for round, index := range indexes {
					txn := clock.Timestamp{WallNanos: int64(2*round + 1)}
					if err := store.Put(txn, fmt.Appendf(nil, "key:%08d", index), value); err != nil {
						b.Fatal(err)
					}
					if err := store.Commit(txn, clock.Timestamp{WallNanos: int64(2*round + 2)}); err != nil {
						b.Fatal(err)
					}
				}
				// The runtime's processors collect every 1024 entries; a
				// collection with nothing to drop still compacts.
				store.GC(clock.Timestamp{WallNanos: 1})
				perKey = float64(heapInUse()-before) / keys
				runtime.KeepAlive(store)
			}
			b.ReportMetric(perKey, "B/key")
			b.ReportMetric(perKey-float64(len("key:00000000")+valueLen), "overhead-B/key")
		})
	}
}

// BenchmarkMemoryUnderOverwrites loads 100k keys of 100-byte values in
// order, then overwrites random keys for five rounds of 1M commits, as
// the runtime's long run does: a collection every 1024 commits keeping
// the last 16384 commits' versions, and (freeze=true) a checkpoint frozen
// every 16384 commits and written 4096 commits later (as the runtime's
// checkpointer writes it while commits go on). It reports the store's heap after the load and after the first
// and the last round ("MB-loaded", "MB-round1", "MB-last"): whether the
// B-trees drift as copy-on-write clones make writes copy nodes
// (BENCHMARKS.md, "Memory over a long run"). Run it once: -benchtime=1x.
func BenchmarkMemoryUnderOverwrites(b *testing.B) {
	const keys, valueLen, rounds, roundCommits = 100_000, 100, 5, 1_000_000
	const collectEvery, retained, freezeEvery, holdFor = 1024, 16384, 16384, 4096
	value := bytes.Repeat([]byte("v"), valueLen)
	for _, freeze := range []bool{false, true} {
		b.Run(fmt.Sprintf("freeze=%v", freeze), func(b *testing.B) {
			var loaded, first, last int64
			for range b.N {
				before := heapInUse()
				store := New(Options{})
				commits := int64(0)
				put := func(index int) {
					commits++
					txn := clock.Timestamp{WallNanos: 2 * commits}
					if err := store.Put(txn, fmt.Appendf(nil, "key:%08d", index), value); err != nil {
						b.Fatal(err)
					}
					if err := store.Commit(txn, clock.Timestamp{WallNanos: 2*commits + 1}); err != nil {
						b.Fatal(err)
					}
				}
				collect := func() { store.GC(clock.Timestamp{WallNanos: 2 * (commits - retained)}) }
				for index := range keys {
					put(index)
				}
				collect()
				loaded = heapInUse() - before
				random := rand.New(rand.NewPCG(1, 2))
				var frozen *FrozenCheckpoint
				release := func() {
					if frozen != nil {
						if _, err := frozen.WriteTo(io.Discard); err != nil {
							b.Fatal(err)
						}
						frozen = nil
					}
				}
				for round := 1; round <= rounds; round++ {
					for i := range roundCommits {
						put(random.IntN(keys))
						if i%collectEvery == 0 {
							collect()
						}
						if freeze && i%freezeEvery == 0 {
							frozen = store.FreezeCheckpoint()
						}
						if i%freezeEvery == holdFor {
							release()
						}
					}
					release()
					collect()
					if round == 1 {
						first = heapInUse() - before
					}
				}
				last = heapInUse() - before
				runtime.KeepAlive(store)
			}
			b.ReportMetric(float64(loaded)/1e6, "MB-loaded")
			b.ReportMetric(float64(first)/1e6, "MB-round1")
			b.ReportMetric(float64(last)/1e6, "MB-last")
		})
	}
}

// heapInUse returns the bytes of heap objects in use after a collection.
func heapInUse() int64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return int64(stats.HeapAlloc)
}
