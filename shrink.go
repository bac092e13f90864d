package proven

import (
	"errors"
	"fmt"
	"time"

	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// Shrinking bounds: the shortest fault phase tried, and its rounding.
const (
	faultPhaseMinimum  = 100 * time.Millisecond
	faultPhaseRounding = time.Millisecond
)

// ErrNotFailing reports a seed file that ShrinkFile cannot shrink: it
// expects ok, or its run does not fail as recorded.
var ErrNotFailing = errors.New("proven: nothing to shrink")

// Shrunk is what ShrinkFile found: the smallest run that fails as the
// original did, the reductions that led there and the runs spent.
type Shrunk struct {
	File  seedfile.File
	Steps []string
	Runs  int
}

// ShrinkFile reduces a failing seed file's run while the same failure
// (the same Outcome) persists: it turns fault families off one at a time
// (keeping the others' strengths; a swarm mode becomes the list of the
// families left), then code fault sites, then tries fewer log nodes,
// then lowers the clients, the operations per client and
// the fault phase, smallest reduction first, in passes until one reduces
// nothing or runsMax runs are spent. The workload's own parameters are
// kept. A file that expects ok or whose run does not fail as recorded is
// an error matching ErrNotFailing.
func ShrinkFile(file seedfile.File, runsMax int) (Shrunk, error) {
	if file.Expect.Verdict != sim.VerdictFail {
		return Shrunk{}, fmt.Errorf("%w: the file expects ok", ErrNotFailing)
	}
	s := &shrinker{run: runSeedFile, want: file.Expect, runsMax: runsMax}
	if !s.try(file) {
		return Shrunk{Runs: s.runs}, fmt.Errorf("%w: the file does not fail as recorded (want %s, got %s)", ErrNotFailing, file.Expect, s.last)
	}
	shrunk, steps := s.shrink()
	return Shrunk{File: shrunk, Steps: steps, Runs: s.runs}, nil
}

// runSeedFile runs a candidate and describes what happened as a seed file
// (its plan, outcome and fingerprint), keeping its description. The
// replay's differences are not needed: the shrinker compares outcomes.
func runSeedFile(candidate seedfile.File) seedfile.File {
	report, _ := ReplayFile(candidate)
	return report.SeedFile(candidate.Description)
}

// shrinker searches greedily for a smaller run that fails the same way:
// each pass tries the smallest reduction first, and passes repeat until a
// whole round reduces nothing or the run budget is spent.
type shrinker struct {
	// run runs a candidate and returns the seed file of what happened.
	run     func(seedfile.File) seedfile.File
	want    seedfile.Outcome
	runsMax int
	runs    int
	// best is the smallest run found so far that fails as wanted.
	best seedfile.File
	// last is the outcome of the last run tried.
	last  seedfile.Outcome
	steps []string
}

// try runs a candidate and keeps it when it fails the wanted way.
func (s *shrinker) try(candidate seedfile.File) bool {
	if s.runs >= s.runsMax {
		return false
	}
	s.runs++
	observed := s.run(candidate)
	s.last = observed.Expect
	if observed.Expect != s.want {
		return false
	}
	s.best = observed
	return true
}

// shrink reduces best. Requires: try(original) succeeded.
func (s *shrinker) shrink() (seedfile.File, []string) {
	for s.runs < s.runsMax {
		progress := s.shrinkFamilies()
		progress = s.shrinkSites() || progress
		progress = s.shrinkTopology() || progress
		progress = s.shrinkCount("clients", func(f *seedfile.File) *int { return &f.Scenario.Clients }) || progress
		progress = s.shrinkCount("operations", func(f *seedfile.File) *int { return &f.Scenario.Operations }) || progress
		progress = s.shrinkFaultPhase() || progress
		if !progress {
			break
		}
	}
	return s.best, s.steps
}

// shrinkFamilies turns the plan's families off one at a time, keeping the
// strengths of the others (a swarm mode becomes the fixed list of the
// families left).
func (s *shrinker) shrinkFamilies() bool {
	progress := false
	for i, name := range sim.FamilyNames() {
		family := sim.Family(1 << i)
		if !s.best.Plan.Families.Has(family) {
			continue
		}
		candidate := s.best
		candidate.Plan.Families &^= family
		candidate.Plan.Intensity[i] = 0
		candidate.Scenario.Faults = candidate.Plan.Families.String()
		if candidate.Plan.Families == 0 {
			candidate.Scenario.Faults = "none"
		}
		if s.try(candidate) {
			s.steps = append(s.steps, fmt.Sprintf("faults: %s off, now %s", name, candidate.Scenario.Faults))
			progress = true
		}
	}
	return progress
}

// shrinkSites turns the plan's code fault sites off one at a time.
func (s *shrinker) shrinkSites() bool {
	progress := false
	for i, name := range sim.SiteNames() {
		site := sim.Site(i)
		if !s.best.Plan.Sites.Has(site) {
			continue
		}
		candidate := s.best
		candidate.Plan.Sites = candidate.Plan.Sites.Without(site)
		if s.try(candidate) {
			s.steps = append(s.steps, fmt.Sprintf("sites: %s off, now %s", name, candidate.Plan.Sites))
			progress = true
		}
	}
	return progress
}

// shrinkTopology tries one log node, then one log node fewer.
func (s *shrinker) shrinkTopology() bool {
	current := s.best.Plan.Topology
	for _, fewer := range []sim.Topology{{}, {LogNodes: current.LogNodes - 1, ClockSkew: current.ClockSkew}} {
		if !current.Spread() || (fewer.Spread() && fewer.LogNodes >= current.LogNodes) {
			continue
		}
		if !fewer.Spread() {
			fewer = sim.Topology{}
		}
		candidate := s.best
		candidate.Plan.Topology = fewer
		if s.try(candidate) {
			s.steps = append(s.steps, fmt.Sprintf("topology: %s -> %s", current, fewer))
			return true
		}
	}
	return false
}

// shrinkCount tries 1, a half, three quarters and one less of a count,
// smallest first.
func (s *shrinker) shrinkCount(name string, field func(*seedfile.File) *int) bool {
	current := *field(&s.best)
	tried := 0
	for _, smaller := range []int{1, current / 2, current * 3 / 4, current - 1} {
		if smaller <= tried || smaller >= current {
			continue
		}
		tried = smaller
		candidate := s.best
		*field(&candidate) = smaller
		if s.try(candidate) {
			s.steps = append(s.steps, fmt.Sprintf("%s: %d -> %d", name, current, smaller))
			return true
		}
	}
	return false
}

// shrinkFaultPhase tries the shortest fault phase, then half, then three
// quarters of the current one.
func (s *shrinker) shrinkFaultPhase() bool {
	current := s.best.Scenario.FaultPhase
	candidates := []time.Duration{faultPhaseMinimum, (current / 2).Round(faultPhaseRounding), (current * 3 / 4).Round(faultPhaseRounding)}
	var tried time.Duration
	for _, shorter := range candidates {
		if shorter < faultPhaseMinimum || shorter <= tried || shorter >= current {
			continue
		}
		tried = shorter
		candidate := s.best
		candidate.Scenario.FaultPhase = shorter
		candidate.Plan.FaultPhase = shorter
		if s.try(candidate) {
			s.steps = append(s.steps, fmt.Sprintf("fault phase: %v -> %v", current, shorter))
			return true
		}
	}
	return false
}
