package resource

import (
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

var _ engines.Collector = (*Engine)(nil)

// Collect drops the versions no snapshot read at or above watermark can
// see (mvcc's GC); reads below it fail afterwards.
func (e *Engine) Collect(watermark clock.Timestamp) { e.store.GC(watermark) }

// Watermark returns the garbage-collection watermark.
func (e *Engine) Watermark() clock.Timestamp { return e.store.Watermark() }
