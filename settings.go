package proven

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/sim"
)

// The go test flags that Check, Fuzz and the seed-file tests read, each
// with an environment variable that stands in when the flag is not given
// (the flag wins). They widen or redirect a campaign without editing code:
//
//	go test -run TestMyKV -proven.seeds=5000 -proven.faults=all
//	go test -run TestMyKV -proven.replay=testdata/proven/mykv-17.json
//	PROVEN_SHRINK=/tmp/proven/mykv-17.json go test -run TestMyKV
var (
	seedsFlag = flag.String("proven.seeds", "",
		"seeds for proven.Check: a count N (from the test's first seed) or a range A..B (env "+seedsEnvironment+")")
	faultsFlag = flag.String("proven.faults", "",
		"fault mode for proven.Check, replacing the test's: none, all, swarm or a family list (env "+faultsEnvironment+")")
	replayFlag = flag.String("proven.replay", "",
		"a seed file that proven.Check replays instead of its seeds (env "+replayEnvironment+")")
	shrinkFlag = flag.String("proven.shrink", "",
		"a failing seed file that proven.Check shrinks instead of running its seeds (env "+shrinkEnvironment+")")
)

// Environment variables standing in for the flags.
const (
	seedsEnvironment  = "PROVEN_SEEDS"
	faultsEnvironment = "PROVEN_FAULTS"
	replayEnvironment = "PROVEN_REPLAY"
	shrinkEnvironment = "PROVEN_SHRINK"
)

// settings are the flags and environment variables in force.
type settings struct {
	seeds, faults, replay, shrink string
	// seedsSource and faultsSource name where the value came from, for
	// errors.
	seedsSource, faultsSource string
}

// currentSettings reads the flags, falling back to the environment.
func currentSettings() settings {
	var s settings
	s.seeds, s.seedsSource = setting(seedsFlag, "-proven.seeds", seedsEnvironment)
	s.faults, s.faultsSource = setting(faultsFlag, "-proven.faults", faultsEnvironment)
	s.replay, _ = setting(replayFlag, "-proven.replay", replayEnvironment)
	s.shrink, _ = setting(shrinkFlag, "-proven.shrink", shrinkEnvironment)
	return s
}

func setting(value *string, flagName, environment string) (string, string) {
	if *value != "" {
		return *value, flagName
	}
	return os.Getenv(environment), environment
}

// apply changes a scenario's fault mode as the settings ask.
func (s settings) apply(scenario Scenario) (Scenario, error) {
	if s.faults == "" {
		return scenario, nil
	}
	if _, err := sim.ParseFaults(s.faults); err != nil {
		return scenario, fmt.Errorf("proven: %s=%s: %w", s.faultsSource, s.faults, err)
	}
	scenario.Faults = s.faults
	return scenario, nil
}

// widen returns the seeds to run: the test's, or those the settings name.
func (s settings) widen(seeds SeedRange) (SeedRange, error) {
	if s.seeds == "" {
		return seeds, nil
	}
	bad := func() (SeedRange, error) {
		return seeds, fmt.Errorf("proven: %s=%s: want a count of seeds (5000) or a range of them (1..5000)", s.seedsSource, s.seeds)
	}
	if first, last, isRange := strings.Cut(s.seeds, ".."); isRange {
		from, err := strconv.ParseUint(first, 10, 64)
		if err != nil {
			return bad()
		}
		to, err := strconv.ParseUint(last, 10, 64)
		if err != nil || to < from {
			return bad()
		}
		return Seeds(from, to), nil
	}
	count, err := strconv.ParseUint(s.seeds, 10, 64)
	if err != nil || count == 0 || seeds.First+count-1 < seeds.First {
		return bad()
	}
	return Seeds(seeds.First, seeds.First+count-1), nil
}
