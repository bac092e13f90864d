package queue

import (
	"slices"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/bugs"
)

var _ engines.Collector = (*Engine)(nil)

// Collect drops the items and extents no snapshot read at or above
// watermark can see: mvcc's GC for the items, and per queue every extent
// before the last one stamped at or before watermark (extentAt at any
// snapshot at or above watermark finds that one or a later one).
func (e *Engine) Collect(watermark clock.Timestamp) {
	if !e.store.Watermark().Less(watermark) {
		return
	}
	e.store.GC(watermark)
	for _, q := range e.queues { //proven:allow map-order: each queue is trimmed on its own
		after, _ := slices.BinarySearchFunc(q.extents, watermark, func(v extentVersion, target clock.Timestamp) int {
			if target.Less(v.timestamp) {
				return 1
			}
			return -1
		})
		if after > 1 {
			q.extents = slices.Clone(q.extents[after-1:])
		}
		if bugs.Enabled(bugs.GCDropsVersionAtWatermark) && after > 0 { // planted bug: drops the extent at or before the watermark too
			q.extents = slices.Clone(q.extents[1:])
		}
	}
}

// Watermark returns the garbage-collection watermark.
func (e *Engine) Watermark() clock.Timestamp { return e.store.Watermark() }
