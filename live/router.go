package live

import (
	"sync/atomic"

	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/loghost"
	"github.com/proven2pc/proven/live/sessions"
)

// Addresses inside one store. The log of every stream answers at
// logAddress (the router picks the stream's log host by the stream each
// log message names); stream i's processor at processorSpace|i; session
// j's transactions at sessionSpace|j.
const (
	logAddress     wire.Address = 1
	processorSpace wire.Address = 1 << 32
	sessionSpace   wire.Address = 2 << 32
	spaceMask      wire.Address = 0xffffffff << 32
	indexMask      wire.Address = 0xffffffff
)

func processorAddress(index int) wire.Address { return processorSpace | wire.Address(index) }

func sessionAddress(index int) wire.Address { return sessionSpace | wire.Address(index) }

// Request origins: the log deduplicates appends per origin, and drops a
// request below an origin's window, so an origin must never repeat in a
// store, across restarts too. An origin is the store's epoch (one more at
// every Open, kept in the store) above a slot: sessions take the slots
// from 0, and stream i's runtime (its tick nudges) takes nudgeSlotBase+i.
// Processors' own origins have the top bit set (engines/processor).
const (
	originSlotBits = 20
	nudgeSlotBase  = 1 << 19
)

func origin(epoch uint64, slot int) uint64 { return epoch<<originSlotBits | uint64(slot) }

// router hands every message to its recipient's queue and never blocks: a
// full queue drops the message, and its sender retries it as it would a
// lost one. It is read-only once the store is open.
type router struct {
	streams  []*streamRuntime
	byName   map[string]*streamRuntime
	sessions *sessions.Pool
	// dropped counts the messages a full (or closed) queue refused.
	dropped atomic.Uint64
}

// send delivers message from from to to.
func (r *router) send(from, to wire.Address, message any) {
	switch {
	case to == logAddress:
		r.toLog(from, message)
	case to&spaceMask == processorSpace:
		if index := int(to & indexMask); index < len(r.streams) && !r.streams[index].processor.deliver(from, message) {
			r.dropped.Add(1)
		}
	case to&spaceMask == sessionSpace:
		if !r.sessions.Deliver(int(to&indexMask), from, message) {
			r.dropped.Add(1)
		}
	}
}

// fromLog is the log hosts' Deliver.
func (r *router) fromLog(to wire.Address, message any) { r.send(logAddress, to, message) }

// toLog hands a log message to the host of the stream it names.
func (r *router) toLog(from wire.Address, message any) {
	stream, ok := loghost.StreamOf(message)
	if !ok {
		return
	}
	if s := r.byName[stream]; s != nil {
		if s.log.Send(from, message) != nil { // refused (full, closed, failed): lost, and retried by its sender
			r.dropped.Add(1)
		}
	}
}
