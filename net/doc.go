// Package net models the simulated network and the codec that every message
// crossing it goes through.
//
// # The network model
//
// Network answers one question per message: given a sender, a receiver and
// the virtual time of sending, when does it arrive? Plan returns zero
// delivery times (the message was lost, or its link is blocked), one, or two
// (it was duplicated). The simulator turns each time into a delivery event;
// this package never schedules anything, never reads a clock and never starts
// a goroutine. Every random choice is drawn from the *rand.Rand handed to New
// (the world's network stream), so a seed fixes every plan.
//
// Faults, all per directed link:
//   - delay: DelayMin plus an exponential with mean DelayMean-DelayMin,
//     capped at ten means; with SlowTailProbability instead uniform in
//     [DelayMean, SlowTailMax];
//   - loss and duplication (a duplicate has its own independent delay);
//   - reordering: with Reorder false each directed link is FIFO;
//   - blocks: one-way (Block), two-way between sets (Partition), one node
//     against the rest (Isolate), random halves (PartitionRandomHalves);
//   - clogs: messages sent before a clog's end are held, not lost, and their
//     delay starts at the clog's end (a rolling clog is a sequence of Clog
//     calls made by the fault schedule);
//   - Heal removes every block and clog; the caller resets the config.
//
// A message from a node to itself (loopback) is never blocked, lost, held or
// duplicated, and takes exactly DelayMin.
//
// Contract: configs come from Validate-checked values (New and SetConfig panic
// on an invalid one); nowNanos passed to Plan should not decrease from call to
// call (the delay bounds below assume it).
//
// Invariants:
//   - every delivery time is at least nowNanos+DelayMin, and, without a clog,
//     at most nowNanos+Config.DelayMax();
//   - with Reorder false, delivery times planned on one directed link never
//     decrease, across config changes and Heal;
//   - Stats: Sent == Blocked + Lost + Delivered - Duplicated;
//   - map iteration order never reaches a decision: the blocked, clogged and
//     FIFO sets are only looked up.
//
// # The codec
//
// Registry is the Codec: message types (structs, travelling as values) are
// registered under a kind name, and a message travels as its kind followed by
// its payload. Types whose pointer implements encoding.BinaryAppender and
// encoding.BinaryUnmarshaler use that as the payload (the fast path for hot
// messages); others use encoding/json, which is deterministic for structs
// (field order) and maps (sorted keys). Decode never panics on arbitrary
// bytes: it returns an error naming the kind and what was wrong.
//
// What it does not do: no bandwidth or message-size modelling, no
// per-link configs (one Config for all links), no corruption of bytes in
// flight (checksums belong to the disk model), no schema evolution in the
// codec.
//
// # Tests
//
// rapid properties check the blocked set against a model set of links under
// random Block/Unblock/Partition/Isolate/Heal sequences, delivery after Heal,
// loss and duplication rates within five standard deviations, delay bounds,
// FIFO order, clogs and determinism per seed; the codec is checked by rapid
// round trips on both payload paths, byte-for-byte determinism, error cases
// and FuzzDecode. Scenario files in testdata/ show partitions, one-way blocks,
// clogs, duplication and FIFO versus reordering in a small command language.
package net
