package engines

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEnginesDoNotImportTheSimulator: engines, their processor and the log
// service are step machines that run in the simulator and outside it, so
// no package under engines/ may depend on sim or net (the adapters that
// host them on simulated nodes live in cluster).
func TestEnginesDoNotImportTheSimulator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../engines/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list found only %d dependencies: %q", len(deps), deps)
	}
	for _, dep := range deps {
		for _, forbidden := range []string{"github.com/proven2pc/proven/sim", "github.com/proven2pc/proven/net"} {
			if dep == forbidden || strings.HasPrefix(dep, forbidden+"/") {
				t.Errorf("engines/... depends on %s", dep)
			}
		}
	}
}
