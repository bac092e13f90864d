package detlint_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/internal/detlint"
)

// TestModuleIsDeterministic runs the lint over every package of the module,
// so go test ./... fails whenever simulated code breaks the determinism
// contract, or fails to load.
func TestModuleIsDeterministic(t *testing.T) {
	root := moduleRoot(t)
	diagnostics, err := detlint.CheckModule(root, "./...")
	if errors.Is(err, detlint.ErrLoad) {
		t.Fatalf("the lint could not load the module, so it cannot vouch for it: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, diagnostic := range diagnostics {
		lines = append(lines, diagnostic.RelativeTo(root).String())
	}
	if len(lines) > 0 {
		t.Errorf("simulated code breaks the determinism contract (DESIGN.md); fix each line, "+
			"or end it with //proven:allow <rule>: <reason> if it truly must:\n%s", strings.Join(lines, "\n"))
	}
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// TestExemptionIsByName: the real runtime (live and below) is exempt; the
// simulated hosts of the same step machines, the step machines themselves,
// and look-alike names are still judged.
func TestExemptionIsByName(t *testing.T) {
	exempt := []string{"live", "live/filelog", "live/loghost", "live/internal/faultfs", "cmd/proven", "workloads/liverun",
		"internal/detlint/cmd/detlint"}
	simulated := []string{"", "cluster", "sim", "engines/streamlog", "engines/processor", "coordinator",
		"livestream", "engines/live", "internal/live", "clock", "workloads", "workloads/liverunner"}
	for _, name := range exempt {
		if path := detlint.ModulePath + "/" + name; !detlint.Exempt(path) || detlint.Simulated(path) {
			t.Errorf("%s: exempt %t, simulated %t; want exempt", path, detlint.Exempt(path), detlint.Simulated(path))
		}
	}
	for _, name := range simulated {
		path := strings.TrimSuffix(detlint.ModulePath+"/"+name, "/")
		if detlint.Exempt(path) || !detlint.Simulated(path) {
			t.Errorf("%s: exempt %t, simulated %t; want simulated", path, detlint.Exempt(path), detlint.Simulated(path))
		}
	}
}
