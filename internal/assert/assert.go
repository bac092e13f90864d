// Package assert is the one way Proven states an invariant in code.
//
// Two kinds of failure are never mixed (see the house style): domain
// outcomes (a conflict, an empty queue, bad SQL) are error values; a broken
// invariant is a programmer error and panics here, with a message that
// names the invariant and the package it belongs to. The simulator turns
// the panic of a node or a process into a failing run (sim.FailureInvariant)
// and so into a seed file; outside the simulator it crashes the program,
// which is what a broken invariant must do.
//
// Hot paths test the condition themselves and call Broken only when it
// fails, so that the arguments are not boxed on every call; elsewhere That
// reads better. Split compound conditions into one assertion each, so the
// message says which part broke.
package assert

import "fmt"

// Violation is the panic value of a broken invariant.
type Violation struct{ Message string }

func (v *Violation) Error() string { return "invariant broken: " + v.Message }

// That panics with a *Violation when condition is false. format names the
// invariant, with the owning package first: "kv: txn %v holds ...".
func That(condition bool, format string, args ...any) {
	if !condition {
		Broken(format, args...)
	}
}

// Broken panics with a *Violation naming the broken invariant.
func Broken(format string, args ...any) {
	panic(&Violation{Message: fmt.Sprintf(format, args...)})
}
