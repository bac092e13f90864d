package net

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidConfig is wrapped by every error Config.Validate returns.
var ErrInvalidConfig = errors.New("net: invalid config")

// normalDelayCapMeans caps the exponential part of a normal delay at this many
// means above DelayMin, so that every delay has a finite, documented maximum
// (Config.DelayMax). Cutting the tail at ten means removes a fraction e^-10
// (about 0.005%) of the distribution.
const normalDelayCapMeans = 10

// Config describes the network's behaviour on every link. The zero value is
// valid: instant, perfect, FIFO delivery.
type Config struct {
	// DelayMin is the least time any delivery takes, loopback included.
	// It should be > 0 in practice so that a reply never arrives in the same
	// instant as its request.
	DelayMin time.Duration
	// DelayMean is the mean of the normal (not slow-tail) delay: DelayMin plus
	// an exponential draw with mean DelayMean-DelayMin, capped at
	// normalDelayCapMeans means. Requires DelayMean >= DelayMin.
	DelayMean time.Duration
	// SlowTailProbability is the chance that a message takes the slow path
	// instead of the normal one.
	SlowTailProbability float64
	// SlowTailMax bounds the slow path: its delay is drawn uniformly in
	// [DelayMean, SlowTailMax]. Requires SlowTailMax >= DelayMean when
	// SlowTailProbability > 0.
	SlowTailMax time.Duration
	// LossProbability is the chance that a message is silently dropped.
	LossProbability float64
	// DuplicateProbability is the chance that a delivered message is delivered
	// twice; the copy gets its own independent delay.
	DuplicateProbability float64
	// Reorder lets later messages overtake earlier ones on a directed link.
	// When false, every directed link is FIFO: a delivery time is never
	// before the previous delivery time planned on the same link.
	Reorder bool
}

// Calm returns the healed network: small delays, no slow tail, no loss, no
// duplication, FIFO links. The simulator switches to it for the healing phase.
func Calm() Config {
	return Config{
		DelayMin:  500 * time.Microsecond,
		DelayMean: 1 * time.Millisecond,
	}
}

// Validate reports the first field that is out of range, naming the field
// and its value. It never panics.
func (c Config) Validate() error {
	if c.DelayMin < 0 {
		return fmt.Errorf("%w: DelayMin %v is negative", ErrInvalidConfig, c.DelayMin)
	}
	if c.DelayMean < c.DelayMin {
		return fmt.Errorf("%w: DelayMean %v is below DelayMin %v", ErrInvalidConfig, c.DelayMean, c.DelayMin)
	}
	if err := validateProbability("SlowTailProbability", c.SlowTailProbability); err != nil {
		return err
	}
	if c.SlowTailMax < 0 {
		return fmt.Errorf("%w: SlowTailMax %v is negative", ErrInvalidConfig, c.SlowTailMax)
	}
	if c.SlowTailProbability > 0 && c.SlowTailMax < c.DelayMean {
		return fmt.Errorf("%w: SlowTailMax %v is below DelayMean %v while SlowTailProbability is %v",
			ErrInvalidConfig, c.SlowTailMax, c.DelayMean, c.SlowTailProbability)
	}
	if c.normalDelayMax() < 0 {
		return fmt.Errorf("%w: DelayMean %v is too large (the capped delay overflows)", ErrInvalidConfig, c.DelayMean)
	}
	if err := validateProbability("LossProbability", c.LossProbability); err != nil {
		return err
	}
	return validateProbability("DuplicateProbability", c.DuplicateProbability)
}

func validateProbability(field string, probability float64) error {
	if math.IsNaN(probability) || probability < 0 || probability > 1 {
		return fmt.Errorf("%w: %s %v is outside [0,1]", ErrInvalidConfig, field, probability)
	}
	return nil
}

// DelayMax is the largest delay Plan can give a message under this config,
// ignoring clogs: the capped normal delay, or SlowTailMax when the slow tail is
// on and longer. Requires: c is valid.
func (c Config) DelayMax() time.Duration {
	delayMax := c.normalDelayMax()
	if c.SlowTailProbability > 0 && c.SlowTailMax > delayMax {
		delayMax = c.SlowTailMax
	}
	return delayMax
}

// normalDelayMax is the cap of the normal delay. It is negative when the
// computation overflows, which Validate rejects.
func (c Config) normalDelayMax() time.Duration {
	spread := c.DelayMean - c.DelayMin
	if spread > (math.MaxInt64-c.DelayMin)/normalDelayCapMeans {
		return -1
	}
	return c.DelayMin + normalDelayCapMeans*spread
}
