//go:build !linux

package mvcc

// threadCPUNanos is unavailable off Linux: benchmarks report wall time only.
func threadCPUNanos() (int64, bool) { return 0, false }
