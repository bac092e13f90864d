package cluster

import (
	"time"

	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// ProcessHost runs a coordinator inside a simulated process: it implements
// coordinator.Host over sim.Process.
type ProcessHost struct {
	Process *sim.Process
	// coverage, when set, watches the messages (Config.Coverage).
	coverage *coverageObserver
}

// Self returns the process's address.
func (h ProcessHost) Self() wire.Address { return Address(h.Process.Addr()) }

// Now reads the local clock of the process's node.
func (h ProcessHost) Now() int64 { return h.Process.Now() }

// Send sends through the simulated network.
func (h ProcessHost) Send(to wire.Address, message any) error {
	if h.coverage != nil {
		h.coverage.coordinatorSent(h.Process.Addr(), message)
	}
	return h.Process.Send(Addr(to), message)
}

// Receive waits for the process's next message.
func (h ProcessHost) Receive(timeout time.Duration) (wire.Address, any, bool) {
	from, message, ok := h.Process.Receive(timeout)
	if ok && h.coverage != nil {
		h.coverage.coordinatorReceived(message)
	}
	return Address(from), message, ok
}
