package corpus

import (
	"path/filepath"
	"testing"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCorpusReplays replays every seed file in this folder.
func TestCorpusReplays(t *testing.T) {
	paths, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("the corpus is empty: it must hold at least one regression seed per workload")
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			file, err := seedfile.Load(path)
			if err != nil {
				t.Fatalf("corpus/%s does not load: %v", path, err)
			}
			report, differences := proven.Replay(file)
			for _, difference := range differences {
				if difference.Field == "fingerprint" {
					t.Logf("corpus/%s: the run changed (%s); its verdict did not", path, difference)
					continue
				}
				t.Errorf("corpus/%s: %s\nreproduce: go run ./cmd/proven replay corpus/%s", path, difference, path)
			}
			if t.Failed() && report.Reason != "" {
				t.Logf("reason: %s", report.Reason)
			}
			again := proven.Run(file.Scenario, file.Seed)
			if again.Fingerprint != report.Fingerprint {
				t.Errorf("corpus/%s: two replays differ: fingerprints %s and %s", path, report.FingerprintHex(), again.FingerprintHex())
			}
		})
	}
}
