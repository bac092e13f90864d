// Package clock models time as Proven's components see it.
//
// Three pieces live here:
//
//   - Clock, the one-method interface through which code reads a node's
//     physical time, in nanoseconds. Inside the simulator a node's Clock is a
//     Virtual clock driven by the world's virtual time; outside it is Real.
//   - Virtual, a per-node clock derived from global virtual time with an
//     offset, a drift (parts per million) and jumps forward or backward, all
//     set by the simulator's fault schedule. A Virtual clock may run
//     backwards after a jump; nothing above this package may assume otherwise.
//   - HLC, a hybrid logical clock producing Timestamps that never go
//     backwards on one node, advance past every timestamp received
//     (Update), and are totally ordered with the node id as the last
//     tie-break, so two nodes never produce equal timestamps.
//
// Timestamps are the only notion of time that engines see: stream logs stamp
// their entries with them, versions carry them as commit timestamps, and
// transaction ids are built from them.
//
// Invariants:
//   - HLC.Now and HLC.Update return strictly increasing timestamps on one HLC.
//   - Timestamp.Compare is a total order; AppendKey preserves it bytewise.
//
// What it does not do: it never sleeps or schedules; timers belong to the
// host (the simulator or the real runtime). Only real.go reads the wall clock.
//
// Tests: rapid properties for HLC monotonicity under arbitrary clock jumps and
// receives, and for the order-preserving encoding.
package clock
