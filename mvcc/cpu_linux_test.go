package mvcc

import "syscall"

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage only.
const rusageThread = 1

// threadCPUNanos returns the CPU time (user and system) the calling OS thread
// has used, or false if the platform cannot tell.
func threadCPUNanos() (int64, bool) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &usage); err != nil {
		return 0, false
	}
	return usage.Utime.Nano() + usage.Stime.Nano(), true
}
