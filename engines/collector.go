package engines

import "github.com/proven2pc/proven/clock"

// Collector is an engine that can drop the versions no snapshot read at
// or above a watermark needs (garbage collection). The processor raises
// the watermark as its log advances (processor.Config.VersionRetention)
// and refuses reads below it with ErrSnapshotTooOld. An engine that does
// not implement it keeps every version.
type Collector interface {
	// Collect raises the watermark (a lower or equal one changes nothing)
	// and drops what reads at or above it cannot see. Afterwards a read
	// below it may fail and a commit at or below it is refused.
	// Requires: no transaction the engine knows will commit at or below
	// watermark, and no operation will read below it.
	Collect(watermark clock.Timestamp)
	// Watermark returns the current watermark (restored from a
	// checkpoint with the engine).
	Watermark() clock.Timestamp
}
