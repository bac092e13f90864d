package detlint_test

import (
	"testing"

	"github.com/proven2pc/proven/internal/detlint"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestAnalyzerFixture is the acceptance proof: every forbidden construct in
// testdata/src/fixture (a planted time.Now() among them) is reported with
// the message its "want" comment expects, and nothing else is.
func TestAnalyzerFixture(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), detlint.Analyzer, "fixture")
}
