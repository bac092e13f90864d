package mvcc

import (
	"bytes"
	"fmt"
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

// heapInUse returns the bytes of heap objects in use after a collection.
func heapInUse() int64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return int64(stats.HeapAlloc)
}
