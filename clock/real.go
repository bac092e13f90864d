package clock

import "time"

// Real is the wall clock, for use outside the simulator only.
type Real struct{}

// Now returns the wall-clock time in Unix nanoseconds.
func (Real) Now() int64 {
	return time.Now().UnixNano() //proven:allow wall-clock: the real runtime's clock
}
