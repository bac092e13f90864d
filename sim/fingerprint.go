package sim

import "fmt"

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// fingerprint is a running hash over every event of a run: virtual time,
// node, kind and encoded payload. Two runs with the same seed must end with
// the same fingerprint; tests compare them.
type fingerprint struct {
	hash uint64
}

func newFingerprint() fingerprint { return fingerprint{hash: fnvOffset} }

// word folds one 64-bit word into the hash.
func (f *fingerprint) word(x uint64) {
	f.hash = splitmix(f.hash ^ x)
}

func (f *fingerprint) bytes(b []byte) {
	f.word(uint64(len(b)))
	f.hash = fnvBytes(f.hash, b)
}

func (f *fingerprint) text(s string) {
	f.word(uint64(len(s)))
	f.hash = fnvString(f.hash, s)
}

// formatFingerprint returns a fingerprint as 16 hexadecimal digits.
func formatFingerprint(h uint64) string { return fmt.Sprintf("%016x", h) }
