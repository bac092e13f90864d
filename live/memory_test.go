package live

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
)

var (
	longRunTransactions = flag.Int("longrun.transactions", 1_000_000, "BenchmarkLongRunMemory: single-key transactions to commit")
	longRunKeys         = flag.Int("longrun.keys", 100_000, "BenchmarkLongRunMemory: keys the transactions write")
	longRunValueBytes   = flag.Int("longrun.value", 100, "BenchmarkLongRunMemory: bytes per value")
	longRunGoroutines   = flag.Int("longrun.goroutines", 64, "BenchmarkLongRunMemory: concurrent clients")
	longRunPoints       = flag.Int("longrun.points", 10, "BenchmarkLongRunMemory: points on the memory curve")
	longRunRate         = flag.Float64("longrun.rate", 0, "BenchmarkLongRunMemory: transactions started per second after the load (0: as fast as they go; 2778 is 10M in an hour)")
	longRunSettle       = flag.Duration("longrun.settle", 0, "BenchmarkLongRunMemory: wait this long after each point's transactions before measuring, past the version retention and the transactions' deadlines (the wait counts in neither seconds nor commits/s)")
	longRunHeapProfile  = flag.String("longrun.heapprofile", "", "BenchmarkLongRunMemory: write a heap profile at each point, to this path and the point's number")
)

// residentBytes reads the process's resident set size (Linux).
func residentBytes() int64 { return statusBytes("VmRSS:") }

// peakResidentBytes reads the process's peak resident set size so far
// (Linux): the high-water mark between the curve's points too.
func peakResidentBytes() int64 { return statusBytes("VmHWM:") }

// resetPeakResident starts a new high-water mark for peakResidentBytes
// (Linux 4.0 and later; elsewhere the peak is since the process started).
func resetPeakResident() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// statusBytes reads a size in kB from /proc/self/status.
func statusBytes(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if value, found := bytes.CutPrefix(line, []byte(field)); found {
			kilobytes, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(value), []byte(" kB"))), 10, 64)
			return kilobytes << 10
		}
	}
	return 0
}

// BenchmarkLongRunMemory commits -longrun.transactions durable single-key
// transactions (Begin, Put of a -longrun.value-byte value, Commit) over
// -longrun.keys keys from -longrun.goroutines clients, and prints the
// memory curve: at each point the resident set size, its peak since the
// point before (the high-water mark: a transient between points shows
// there), and the Go heap in use (after a collection), against the live
// data size (keys times key and value bytes, every key written once
// before the run starts); objects
// is the bytes of the heap's live objects (HeapAlloc; the heap in use,
// HeapInuse, also counts the free slots of partly used spans); RSS* is
// the resident set once the free pages went back to the system
// (debug.FreeOSMemory). Run it once: go test ./live -run XXX -bench
// LongRunMemory -benchtime=1x.
func BenchmarkLongRunMemory(b *testing.B) {
	ctx := context.Background()
	keys, transactions, goroutines := *longRunKeys, *longRunTransactions, *longRunGoroutines
	runtime.GC()
	baseline := residentBytes() // the process before the store: the runtime, the binary's pages
	db := openDB(b, filepath.Join(b.TempDir(), "store"), Options{Streams: []catalog.StreamSpec{catalog.KV("kv")},
		Logger: quiet, VersionRetention: time.Second, ReadTimeout: 2 * time.Second})
	defer closeDB(b, db)
	value := bytes.Repeat([]byte("v"), *longRunValueBytes)
	key := func(i int) string { return fmt.Sprintf("key:%08d", i%keys) }
	commit := func(i int) bool {
		tx := db.Begin(ctx, time.Second)
		if err := kv.New(tx, "kv").PutBytes(ctx, key(i), value); err != nil {
			tx.Rollback(ctx)
			return false
		}
		return tx.Commit(ctx) == nil
	}
	var next, failed atomic.Int64
	// paced, once set, holds transaction i until its time at -longrun.rate.
	var paced func(i int64)
	run := func(limit int) {
		var group sync.WaitGroup
		for range goroutines {
			group.Go(func() {
				for i := next.Add(1) - 1; i < int64(limit); i = next.Add(1) - 1 {
					if paced != nil {
						paced(i)
					}
					if !commit(int(i)) {
						failed.Add(1)
					}
				}
			})
		}
		group.Wait()
		next.Store(int64(limit))
	}
	run(keys) // every key once: the live data
	liveBytes := int64(keys) * int64(len(key(0))+len(value))
	// The curve goes to stdout as it is measured (b.Logf output is cut
	// short and comes at the end).
	fmt.Printf("live data: %d keys x %d bytes = %.1f MB; the process before the store was opened: %.1f MB resident\n",
		keys, len(key(0))+len(value), float64(liveBytes)/1e6, float64(baseline)/1e6)
	fmt.Printf("%12s %8s %8s %10s %8s %9s %8s %9s %10s %10s %10s", "committed", "seconds", "RSS MB", "RSS/live", "peak MB", "peak/live",
		"heap MB", "heap/live", "objects MB", "RSS* MB", "commits/s\n")
	// start is when the run began, moved later by each settling wait, so
	// that the pace and the rates count only time spent committing.
	start := time.Now()
	if *longRunRate > 0 {
		paced = func(i int64) {
			time.Sleep(time.Until(start.Add(time.Duration(float64(i-int64(keys)) / *longRunRate * float64(time.Second)))))
		}
	}
	var rss, peak, peakMax, heap, objects int64
	resetPeakResident()
	for point := 1; point <= *longRunPoints; point++ {
		run(keys + transactions*point / *longRunPoints)
		time.Sleep(*longRunSettle)
		start = start.Add(*longRunSettle) // no client runs: run has returned
		peak = peakResidentBytes()
		peakMax = max(peakMax, peak)
		runtime.GC()
		var stats runtime.MemStats
		runtime.ReadMemStats(&stats)
		rss, heap, objects = residentBytes(), int64(stats.HeapInuse), int64(stats.HeapAlloc)
		debug.FreeOSMemory()
		returned := residentBytes()
		elapsed := time.Since(start)
		done := transactions * point / *longRunPoints
		fmt.Printf("%12d %8.0f %8.1f %10.2f %8.1f %9.2f %8.1f %9.2f %10.1f %10.1f %10.0f\n", done, elapsed.Seconds(), float64(rss)/1e6,
			float64(rss)/float64(liveBytes), float64(peak)/1e6, float64(peak)/float64(liveBytes), float64(heap)/1e6,
			float64(heap)/float64(liveBytes), float64(objects)/1e6, float64(returned)/1e6, float64(done)/elapsed.Seconds())
		if *longRunHeapProfile != "" {
			writeHeapProfile(b, fmt.Sprintf("%s.%d", *longRunHeapProfile, point))
		}
		resetPeakResident()
	}
	b.ReportMetric(float64(rss)/float64(liveBytes), "rss/live")
	b.ReportMetric(float64(peakMax)/float64(liveBytes), "peak-rss/live")
	b.ReportMetric(float64(heap)/float64(liveBytes), "heap/live")
	b.ReportMetric(float64(failed.Load()), "not-committed")
}

func writeHeapProfile(b *testing.B, path string) {
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	if err := pprof.WriteHeapProfile(file); err != nil {
		b.Fatal(err)
	}
}
