package sim

import (
	"fmt"
	"time"
)

// boot builds and starts a node's server for a new incarnation.
func (w *World) boot(node *nodeState) {
	node.down = false
	node.server = node.options.Factory()
	node.context = &NodeContext{world: w, node: node}
	w.note(node.id, "boot")
	node.server.Start(node.context)
}

// Crash stops a node at once: its memory (server state, timers, held
// events) is lost, its processes are killed, its disk loses unsynced writes
// (and may be damaged, when the disk fault is on), and messages sent to it
// are dropped until it restarts.
func (w *World) Crash(id NodeID) {
	node := w.nodeState(id)
	if node.down {
		return
	}
	node.down = true
	node.paused = false
	node.incarnation++
	node.server = nil
	node.context = nil
	node.held = nil
	node.timers = map[uint64]uint64{}
	node.disk.crash(w.diskFaults, w.faultsRNG)
	w.note(id, "crash")
	for _, p := range w.processes {
		if p.node == node {
			p.kill()
		}
	}
}

// Restart boots a crashed node again from its disk. Restarting a node that
// is up does nothing.
func (w *World) Restart(id NodeID) {
	node := w.nodeState(id)
	if !node.down || node.options.Factory == nil {
		node.down = false
		return
	}
	w.boot(node)
}

// CrashFor crashes a node and restarts it after downtime.
func (w *World) CrashFor(id NodeID, downtime time.Duration) {
	w.Crash(id)
	w.After(downtime, func() { w.Restart(id) })
}

// Pause freezes a node: nothing it would receive or do is lost, but it all
// waits until Resume (a long GC pause, a stopped VM).
func (w *World) Pause(id NodeID) {
	node := w.nodeState(id)
	if node.down || node.paused {
		return
	}
	node.paused = true
	w.note(id, "pause")
}

// Resume unfreezes a paused node; the events it missed happen now, in the
// order they arrived.
func (w *World) Resume(id NodeID) {
	node := w.nodeState(id)
	if !node.paused {
		return
	}
	node.paused = false
	w.note(id, "resume")
	held := node.held
	node.held = nil
	for _, e := range held {
		e.atNanos = w.nowNanos
		w.schedule(e)
	}
}

// JumpClock moves a node's local clock by delta (negative: backwards).
func (w *World) JumpClock(id NodeID, delta time.Duration) {
	w.nodeState(id).clock.Jump(int64(delta))
	w.note(id, "clock jump "+delta.String())
}

// SetClockDrift sets a node's clock drift in parts per million.
func (w *World) SetClockDrift(id NodeID, ppm int64) {
	w.nodeState(id).clock.SetDrift(ppm)
	w.notef(id, "clock drift %dppm", ppm)
}

func (w *World) notef(id NodeID, format string, args ...any) {
	w.note(id, fmt.Sprintf(format, args...))
}
