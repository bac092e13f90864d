package proven

import "fmt"

// Difference is one way a replay differs from its seed file: Field is
// "expect" or "fingerprint".
type Difference struct {
	Field, Want, Got string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: want %s, got %s", d.Field, d.Want, d.Got)
}

// Replay re-runs the run a seed file describes, with its recorded fault
// plan, and lists how it differs from the file: another outcome, or another
// fingerprint (only when the file records one). No difference means the
// run was reproduced.
func Replay(file SeedFile) (Report, []Difference) {
	report := file.Run()
	var differences []Difference
	if got := report.Outcome(); got != file.Expect {
		differences = append(differences, Difference{Field: "expect", Want: file.Expect.String(), Got: got.String()})
	}
	if file.Fingerprint != "" && file.Fingerprint != report.FingerprintHex() {
		differences = append(differences, Difference{Field: "fingerprint", Want: file.Fingerprint, Got: report.FingerprintHex()})
	}
	return report, differences
}
