// Package faultfs wraps a files.FS for tests: it fails chosen operations
// and models a crash.
//
// # What it models
//
//   - Faults: Inject arms a failure of the n-th write, sync, directory
//     sync, create, rename, remove or truncate (optionally of paths holding
//     a substring). A failing write may first write a prefix of its buffer
//     (a short write). Faults fire once; the operations after them
//     succeed, so a test shows that its code stops on its own.
//   - Crash: bytes written since a file's last sync are kept, cut at a
//     random point, or cut and garbled; creates and renames since their
//     directory's last sync are reverted at random (a rename puts back
//     what it replaced). Damage is drawn from a seeded rand.Rand.
//   - FlipBit damages durable bytes, as a latent sector error does.
//
// # Contract
//
// Files written through the FS are tracked from their Create or
// OpenAppend; after Crash, files opened before it must not be used.
// Removals and truncations are durable at once.
//
// # What it does not do
//
// It does not model lost directory removals, reordered writes within one
// file beyond the cut-or-garble of the unsynced tail, or a full disk
// beyond short writes.
//
// # Tests
//
// It is exercised by the tests of live/filelog, live/store and
// live/loghost.
package faultfs
