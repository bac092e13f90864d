// Package enginetest holds what the tests of the engines (engines/kv,
// engines/queue, engines/resource, engines/stream) share beyond
// internal/scenariotest: showing an Outcome in a scenario line
// (ValueOutcome for answers that are value encodings), the scenario
// commands every engine answers the same way (prepare, commit, abort,
// held; CommandOrRestore adds checkpoint-restore), a checkpoint round
// trip (RestoreSame also compares Held), the body of a Restore fuzz target
// (CheckRestore) and a damage test (CheckDamageRejected), executors for
// typed clients (OneShotExecutor runs each operation as a transaction,
// FixedExecutor answers the same to all), and rapid damage to encoded
// bytes. It is a test helper, imported only by _test.go files; it is not
// API.
//
// Contract: Command reads txn=<n> with the caller's id convention and
// ts=<n> as wall nanoseconds; Outcome names blockers by their wall
// nanoseconds; RoundTrip fails when a restored engine checkpoints to other
// bytes; Damage returns bytes derived from its input by rapid draws, never
// the input slice itself.
//
// Tested by the engine tests that use it.
package enginetest
