package coordinator

import (
	"time"

	"github.com/proven2pc/proven/engines/wire"
)

// Host is everything the coordinator needs from where it runs: a simulated
// process (cluster adapts sim.Process) or a goroutine with a real
// network. A Host serves one coordinator; it is used sequentially.
type Host interface {
	// Self is the address replies to this coordinator are sent to.
	Self() wire.Address
	// Now reads the local clock, in nanoseconds.
	Now() int64
	// Send hands a message to the network; delivery is not guaranteed.
	Send(to wire.Address, message any) error
	// Receive waits up to timeout for the next message (ok false: none).
	Receive(timeout time.Duration) (from wire.Address, message any, ok bool)
}

// hostClock adapts a Host to clock.Clock for the coordinator's HLC.
type hostClock struct{ host Host }

func (c hostClock) Now() int64 { return c.host.Now() }
