package sim

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime/debug"
	"time"
)

// Process is a simulated client thread: an ordinary sequential Go function
// run as a coroutine. Exactly one process (or the world) runs at a time; a
// process gives control back whenever it waits (Sleep, Receive), and the
// world resumes it when what it waits for happens. Its clock is its node's.
//
// A process is killed when its node crashes or the run ends: the call it is
// blocked in does not return; its stack unwinds (deferred calls run).
type Process struct {
	world *World
	id    uint32
	node  *nodeState
	name  string
	rng   *rand.Rand

	resume func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool

	// mailbox[mailboxHead:] are the messages not yet received.
	mailbox     []delivery
	mailboxHead int
	// token identifies the current wait; a wake carrying another token is
	// stale (the process already woke for another reason).
	token     uint64
	receiving bool // parked in Receive
	running   bool
	started   bool
	done      bool
	killed    bool
}

// delivery is a decoded message waiting in a process's mailbox.
type delivery struct {
	from    Addr
	message any
}

// processKilled unwinds a killed process's stack.
type processKilled struct{}

// Spawn starts fn as a process on node, at the current virtual time. The
// name appears in traces and names the process's PRNG stream.
func (w *World) Spawn(node NodeID, name string, fn func(p *Process)) *Process {
	state := w.nodeState(node)
	w.processCount++
	p := &Process{
		world: w,
		id:    w.processCount,
		node:  state,
		name:  name,
		rng:   newStream(w.seed, "process/"+name),
	}
	body := func(yield func(struct{}) bool) {
		p.yield = yield
		defer p.finish()
		fn(p)
	}
	p.resume, p.stop = iter.Pull(body)
	w.processes = append(w.processes, p)
	w.live++
	w.schedule(event{atNanos: w.nowNanos, kind: eventWake, node: node,
		incarnation: state.incarnation, process: p.id})
	return p
}

// finish runs when the process's function returns or unwinds.
func (p *Process) finish() {
	recovered := recover()
	p.done = true
	p.world.live--
	if recovered == nil {
		return
	}
	if _, ok := recovered.(processKilled); ok {
		return
	}
	p.world.failWithDetail(fmt.Sprintf("process %s panicked: %v", p.name, recovered), string(debug.Stack()))
}

// Addr returns the process's address.
func (p *Process) Addr() Addr { return Addr{Node: p.node.id, Process: p.id} }

// Name returns the process's name.
func (p *Process) Name() string { return p.name }

// Now returns the local clock of the process's node, in nanoseconds.
func (p *Process) Now() int64 { return p.node.clock.Now() }

// Rand returns the process's own PRNG stream.
func (p *Process) Rand() *rand.Rand { return p.rng }

// Send encodes message and hands it to the network, addressed to to. A
// message that does not encode fails the run (and returns the error).
func (p *Process) Send(to Addr, message any) error {
	return p.world.send(p.Addr(), to, message)
}

// Sleep waits for d of virtual time.
func (p *Process) Sleep(d time.Duration) {
	p.token++
	p.world.wakeAfter(p, d)
	p.park()
}

// Receive returns the next message for this process, waiting up to timeout
// of virtual time for one (timeout < 0: no limit). ok is false on timeout.
func (p *Process) Receive(timeout time.Duration) (from Addr, message any, ok bool) {
	if p.mailboxHead == len(p.mailbox) {
		p.token++
		if timeout >= 0 {
			p.world.wakeAfter(p, timeout)
		}
		p.receiving = true
		p.park()
		p.receiving = false
	}
	if p.mailboxHead == len(p.mailbox) {
		return Addr{}, nil, false
	}
	next := p.mailbox[p.mailboxHead]
	p.mailbox[p.mailboxHead] = delivery{}
	p.mailboxHead++
	if p.mailboxHead == len(p.mailbox) {
		// Drained: the next delivery reuses the array from its start.
		p.mailbox, p.mailboxHead = p.mailbox[:0], 0
	}
	return next.from, next.message, true
}

// Tracef writes a line to the world's trace and fingerprint.
func (p *Process) Tracef(format string, args ...any) {
	p.world.note(p.node.id, p.name+": "+fmt.Sprintf(format, args...))
}

// Fail ends the run with a failing verdict.
func (p *Process) Fail(format string, args ...any) {
	p.world.Fail(p.name + ": " + fmt.Sprintf(format, args...))
}

// park gives control back to the world until it resumes this process.
func (p *Process) park() {
	if p.killed {
		panic(processKilled{})
	}
	p.running = false
	if !p.yield(struct{}{}) || p.killed {
		panic(processKilled{})
	}
	p.running = true
}

// run resumes the process until it parks again or finishes.
func (p *Process) run() {
	if p.done {
		return
	}
	p.started = true
	p.running = true
	p.resume()
	p.running = false
}

// kill stops a parked process; its blocked call unwinds.
// A process that kills itself (its node crashes under it) unwinds at its
// next wait.
func (p *Process) kill() {
	if p.done {
		return
	}
	p.killed = true
	if p.running {
		return
	}
	if !p.started {
		p.done = true
		p.world.live--
	}
	p.stop()
}

// deliver puts a message in the mailbox and wakes a receiving process.
func (p *Process) deliver(from Addr, message any) {
	p.mailbox = append(p.mailbox, delivery{from: from, message: message})
	if p.receiving {
		p.token++ // the pending receive deadline is now stale
		p.run()
	}
}

// Done reports whether the process has finished (returned or was killed).
func (p *Process) Done() bool { return p.done }
