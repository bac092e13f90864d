package sim

import (
	"fmt"
	"slices"
	"time"
)

// Cond is a condition that simulated processes wait on: a process parks
// in Wait until Signal or Broadcast wakes it or its timeout passes. Waiters
// are woken in the order they began to wait, each as an event at the
// current virtual time, so the code that signals keeps running until it
// waits itself, and the wake-ups land in the fingerprint like any other.
// Use it instead of polling a shared variable with Sleep.
//
// A Cond belongs to one world and is shared memory: it is for processes
// that coordinate outside the network (a test's script, the processes of
// one node), not a way around message passing between nodes. A process
// killed while it waits (its node crashed) is simply never woken.
type Cond struct {
	world   *World
	waiters []*condWaiter
}

// condWaiter is one process's wait.
type condWaiter struct {
	process *Process
	// token is the process's park token during this wait.
	token uint64
	// woken says Signal or Broadcast chose this waiter; finished says the
	// wait returned (woken or timed out), so no one may choose it again.
	woken, finished bool
}

// NewCond returns a condition of the world.
func NewCond(w *World) *Cond { return &Cond{world: w} }

// Wait parks p until the condition is signalled (true) or timeout of
// virtual time passes (false; timeout < 0: no limit). Requires: p is the
// running process (Wait is called from p's own function).
func (c *Cond) Wait(p *Process, timeout time.Duration) bool {
	if p.world != c.world || !p.running {
		panic(fmt.Sprintf("sim: Cond.Wait by process %s, which is not the running process of the Cond's world", p.name))
	}
	p.token++
	waiter := &condWaiter{process: p, token: p.token}
	// Drop the waits that ended by timeout or by a kill, so that waiting
	// without signals does not grow the list.
	c.waiters = append(slices.DeleteFunc(c.waiters, func(w *condWaiter) bool { return !c.live(w) }), waiter)
	if timeout >= 0 {
		c.world.wakeAfter(p, timeout)
	}
	defer func() { waiter.finished = true }()
	p.park()
	return waiter.woken
}

// Signal wakes the process that has waited longest and reports whether
// any was waiting.
func (c *Cond) Signal() bool {
	for len(c.waiters) > 0 {
		waiter := c.waiters[0]
		c.waiters[0] = nil
		c.waiters = c.waiters[1:]
		if c.wake(waiter) {
			return true
		}
	}
	return false
}

// Broadcast wakes every waiting process, longest waiting first, and
// returns how many it woke.
func (c *Cond) Broadcast() int {
	woken := 0
	for c.Signal() {
		woken++
	}
	return woken
}

// Waiting returns the number of processes waiting.
func (c *Cond) Waiting() int {
	waiting := 0
	for _, waiter := range c.waiters {
		if c.live(waiter) {
			waiting++
		}
	}
	return waiting
}

// live reports whether a waiter is still parked in its wait.
func (c *Cond) live(waiter *condWaiter) bool {
	p := waiter.process
	return !waiter.finished && !waiter.woken && !p.done && !p.killed && p.token == waiter.token
}

// wake schedules a live waiter's wake-up now; a waiter that timed out,
// finished or was killed is dropped.
func (c *Cond) wake(waiter *condWaiter) bool {
	if !c.live(waiter) {
		return false
	}
	waiter.woken = true
	c.world.wakeAfter(waiter.process, 0)
	return true
}

// Chan is a bounded FIFO channel of values between the processes of one
// world, built on Cond: Send waits while it is full, Receive while it is
// empty, and waiting processes are served in the order they began to
// wait. Values pass as they are (not encoded): like Cond, it is shared
// memory for scripted coordination, not the network.
type Chan[T any] struct {
	items []T
	// head indexes the oldest value; items[head:] are queued.
	head     int
	capacity int
	closed   bool
	notEmpty *Cond
	notFull  *Cond
}

// NewChan returns a channel of the world holding at most capacity values.
// Requires: capacity >= 1.
func NewChan[T any](w *World, capacity int) *Chan[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("sim: NewChan with capacity %d: want at least 1", capacity))
	}
	return &Chan[T]{capacity: capacity, notEmpty: NewCond(w), notFull: NewCond(w)}
}

// Len returns the number of values queued.
func (c *Chan[T]) Len() int { return len(c.items) - c.head }

// Send queues v, waiting while the channel is full. Requires: p is the
// running process, and the channel is not closed.
func (c *Chan[T]) Send(p *Process, v T) {
	for c.Len() == c.capacity && !c.closed {
		c.notFull.Wait(p, -1)
	}
	if !c.TrySend(v) {
		panic("sim: send on a closed Chan")
	}
}

// TrySend queues v if there is room and the channel is open, without
// waiting, and reports whether it did: for servers and scheduled
// functions, which cannot wait.
func (c *Chan[T]) TrySend(v T) bool {
	if c.closed || c.Len() == c.capacity {
		return false
	}
	if c.head > 0 && c.head == len(c.items) {
		c.items, c.head = c.items[:0], 0
	}
	c.items = append(c.items, v)
	c.notEmpty.Signal()
	return true
}

// Receive returns the oldest value, waiting up to timeout of virtual time
// for one (timeout < 0: no limit). ok is false on timeout, and once the
// channel is closed and drained. Requires: p is the running process.
func (c *Chan[T]) Receive(p *Process, timeout time.Duration) (v T, ok bool) {
	deadline := c.notEmpty.world.Now() + int64(timeout)
	for c.Len() == 0 && !c.closed {
		remaining := time.Duration(-1)
		if timeout >= 0 {
			remaining = time.Duration(deadline - c.notEmpty.world.Now())
			if remaining < 0 {
				return v, false
			}
		}
		if !c.notEmpty.Wait(p, remaining) && timeout >= 0 && c.Len() == 0 {
			return v, false
		}
	}
	if c.Len() == 0 {
		return v, false
	}
	v = c.items[c.head]
	var zero T
	c.items[c.head] = zero
	c.head++
	c.notFull.Signal()
	return v, true
}

// Close marks the channel closed: later sends panic, and receivers get
// what is queued, then ok false. Every waiting process is woken.
func (c *Chan[T]) Close() {
	c.closed = true
	c.notEmpty.Broadcast()
	c.notFull.Broadcast()
}
