package clock

// Clock reads a node's physical time in nanoseconds. Inside the simulator it
// is a Virtual clock; outside, Real. It may go backwards (a clock jump); HLC
// hides that from everything above it.
type Clock interface {
	Now() int64
}

// HLC is a hybrid logical clock for one node. It is not safe for concurrent
// use; hosts that share one across goroutines must lock around it.
type HLC struct {
	clock Clock
	node  uint32
	// Invariant: every timestamp returned so far is <= last.
	last Timestamp
}

// NewHLC returns an HLC reading physical time from c and stamping node.
func NewHLC(c Clock, node uint32) *HLC {
	return &HLC{clock: c, node: node}
}

// Now returns a timestamp strictly after every timestamp this HLC returned
// or received before, close to the physical clock when it is ahead.
func (h *HLC) Now() Timestamp {
	wall := h.clock.Now()
	if wall > h.last.WallNanos {
		h.last = Timestamp{WallNanos: wall, Node: h.node}
		return h.last
	}
	h.last = Timestamp{WallNanos: h.last.WallNanos, Logical: h.last.Logical, Node: h.node}.Next()
	return h.last
}

// Update folds a received timestamp into the clock and returns a timestamp
// strictly after both it and every earlier one.
func (h *HLC) Update(received Timestamp) Timestamp {
	h.last = h.last.Max(received)
	return h.Now()
}

// Last returns the latest timestamp returned or received, without advancing.
func (h *HLC) Last() Timestamp { return h.last }

// Restore raises the clock to at least last, e.g. after a restart from a
// persisted timestamp, so that the restarted node never reissues one.
func (h *HLC) Restore(last Timestamp) {
	if h.last.Less(last) {
		h.last = last
	}
}

// Node returns the node id this HLC stamps.
func (h *HLC) Node() uint32 { return h.node }
