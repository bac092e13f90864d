package scenariotest

import (
	"errors"
	"testing"

	"github.com/proven2pc/proven/internal/assert"
)

func TestViolationShowsBrokenInvariantsOnly(t *testing.T) {
	if got := Violation(func() string { return "done" }); got != "done" {
		t.Fatalf("no panic: %q, want %q", got, "done")
	}
	got := Violation(func() string {
		assert.Broken("kv: lock held %d times", 2)
		return "unreachable"
	})
	if want := "invariant broken: kv: lock held 2 times"; got != want {
		t.Fatalf("violation: %q, want %q", got, want)
	}
	other := errors.New("not an invariant")
	defer func() {
		if recovered := recover(); recovered != other {
			t.Fatalf("recovered %v, want the other panic to go on", recovered)
		}
	}()
	Violation(func() string { panic(other) })
	t.Fatal("Violation swallowed another panic")
}

func TestErrorShowsOkOrTheMessage(t *testing.T) {
	if got := Error(nil); got != "ok" {
		t.Fatalf("Error(nil) = %q", got)
	}
	if got := Error(errors.New("kv: nope")); got != "error: kv: nope" {
		t.Fatalf("Error(err) = %q", got)
	}
}
