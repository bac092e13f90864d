package assert

import (
	"errors"
	"testing"
)

func TestThatPanicsOnlyWhenTheConditionFails(t *testing.T) {
	That(true, "never: %d", 1)
	defer func() {
		recovered := recover()
		violation, ok := recovered.(*Violation)
		if !ok {
			t.Fatalf("recovered %#v, want a *Violation", recovered)
		}
		if got, want := violation.Error(), "invariant broken: kv: lock held 2 times"; got != want {
			t.Fatalf("message %q, want %q", got, want)
		}
		var asError error = violation
		if !errors.As(asError, &violation) {
			t.Fatal("a Violation is not an error")
		}
	}()
	That(false, "kv: lock held %d times", 2)
	t.Fatal("That(false) returned")
}
