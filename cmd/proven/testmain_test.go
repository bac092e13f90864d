package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests in a temporary working folder: a failing
// `proven sim` writes its seed file into ./corpus, which must not land in
// the source tree.
func TestMain(m *testing.M) {
	directory, err := os.MkdirTemp("", "proven-cmd-test-")
	if err == nil {
		err = os.Chdir(directory)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "proven: test setup:", err)
		os.Exit(2)
	}
	code := m.Run()
	_ = os.RemoveAll(directory)
	os.Exit(code)
}
