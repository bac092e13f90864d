package clock

// Virtual is a node's local clock inside the simulator: global virtual time
// plus an offset plus a drift, with jumps applied by the fault schedule.
//
//	local = global + offset + (global - driftAnchor) * driftPPM / 1e6
type Virtual struct {
	global      func() int64
	offsetNanos int64
	driftPPM    int64
	driftAnchor int64
}

// DriftPPMMax bounds drift so that the drift term cannot overflow within
// the simulator's virtual-time bound (hours, not years).
const DriftPPMMax = 500_000

// NewVirtual returns a clock that reads global for the world's virtual time.
func NewVirtual(global func() int64) *Virtual {
	return &Virtual{global: global}
}

// Now returns the local time in nanoseconds.
func (v *Virtual) Now() int64 {
	g := v.global()
	return g + v.offsetNanos + (g-v.driftAnchor)*v.driftPPM/1_000_000
}

// Jump moves the local clock by deltaNanos (negative: backwards) at once.
func (v *Virtual) Jump(deltaNanos int64) { v.offsetNanos += deltaNanos }

// SetDrift changes the drift rate from now on, keeping the local time
// continuous (the drift accumulated so far is folded into the offset).
// ppm is clamped to [-DriftPPMMax, DriftPPMMax].
func (v *Virtual) SetDrift(ppm int64) {
	ppm = max(-DriftPPMMax, min(DriftPPMMax, ppm))
	now := v.global()
	v.offsetNanos += (now - v.driftAnchor) * v.driftPPM / 1_000_000
	v.driftAnchor = now
	v.driftPPM = ppm
}

// OffsetNanos returns the current offset from global time, drift included.
func (v *Virtual) OffsetNanos() int64 { return v.Now() - v.global() }

// DriftPPM returns the current drift rate.
func (v *Virtual) DriftPPM() int64 { return v.driftPPM }
