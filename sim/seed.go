package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrBadSeed reports seed text that is not a 64-bit number.
var ErrBadSeed = errors.New("sim: bad seed")

// ParseSeed reads a seed in decimal ("42") or hexadecimal ("0x2a").
func ParseSeed(text string) (uint64, error) {
	trimmed := strings.TrimSpace(text)
	var seed uint64
	var err error
	if rest, ok := strings.CutPrefix(strings.ToLower(trimmed), "0x"); ok {
		seed, err = strconv.ParseUint(rest, 16, 64)
	} else {
		seed, err = strconv.ParseUint(trimmed, 10, 64)
	}
	if err != nil {
		return 0, fmt.Errorf("%w %q: want a decimal or 0x-hexadecimal 64-bit number", ErrBadSeed, text)
	}
	return seed, nil
}

// streamSeeds derives the two PCG seeds of the stream called name from the
// world seed. Each name gets an independent stream, so adding draws to one
// consumer never shifts the draws of another.
func streamSeeds(seed uint64, name string) (uint64, uint64) {
	nameHash := fnvString(fnvOffset, name)
	return splitmix(seed ^ nameHash), splitmix(nameHash + 0x9e3779b97f4a7c15)
}

// newStream returns the PRNG stream called name of the world seed.
func newStream(seed uint64, name string) *rand.Rand {
	a, b := streamSeeds(seed, name)
	return rand.New(rand.NewPCG(a, b))
}

// splitmix is SplitMix64's finalizer: a bijective 64-bit mix.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
