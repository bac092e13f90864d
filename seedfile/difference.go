package seedfile

import "fmt"

// Difference is one way a run differs from its seed file: Field is
// "expect" or "fingerprint".
type Difference struct {
	Field, Want, Got string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: want %s, got %s", d.Field, d.Want, d.Got)
}

// Differences lists how a run of the file with this outcome and
// fingerprint differs from the file: another outcome, or another
// fingerprint (only when the file records one). None means the run
// reproduced the file's run.
func (f File) Differences(outcome Outcome, fingerprint string) []Difference {
	var differences []Difference
	if outcome != f.Expect {
		differences = append(differences, Difference{Field: "expect", Want: f.Expect.String(), Got: outcome.String()})
	}
	if f.Fingerprint != "" && f.Fingerprint != fingerprint {
		differences = append(differences, Difference{Field: "fingerprint", Want: f.Fingerprint, Got: fingerprint})
	}
	return differences
}
