package cluster

import (
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// Address packs a simulator address into an wire.Address: the node in
// the high 32 bits, the process (0 for the node's server) in the low 32.
func Address(addr sim.Addr) wire.Address {
	return wire.Address(uint64(addr.Node)<<32 | uint64(addr.Process))
}

// Addr unpacks an wire.Address made by Address.
func Addr(address wire.Address) sim.Addr {
	return sim.Addr{Node: sim.NodeID(uint64(address) >> 32), Process: uint32(address)}
}
