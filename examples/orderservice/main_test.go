package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRunPassesItsChecks runs the example on a fresh directory: it exits
// 0, refuses the order without credits, and finds the same orders after
// reopening the store.
func TestRunPassesItsChecks(t *testing.T) {
	var out strings.Builder
	if code := run(filepath.Join(t.TempDir(), "store"), &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	for _, want := range []string{"order 2 refused", "snapshot: 9 orders, revenue 70, shop holds 70 credits, 11 notifications",
		"after reopening: the same 9 orders", "every check passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
