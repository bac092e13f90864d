// Package scenariotest is what the datadriven scenario tests of mvcc and
// the engines share: running every scenario file of a package's
// testdata/, reading command arguments, and showing a broken invariant as
// a line of output. It is a test helper, imported only by _test.go files;
// it is not API.
//
// Contract: Run gives each file a fresh state, so nothing leaks from one
// file into the next, and shows broken invariants as Violation does. Arguments that a command requires fail the test
// with the file position when they are missing or malformed; optional
// ones read as "". Violation recovers only *assert.Violation panics (a
// broken invariant, reported as "invariant broken: <message>"); any other
// panic fails the test as before. A scenario may go on after a violation
// only when the call asserts before it changes anything, as the mvcc
// Participant's checks do.
//
// Tested by the scenario tests that use it; its own test checks Violation.
package scenariotest
