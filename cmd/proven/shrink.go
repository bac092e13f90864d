package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/seedfile"
	"github.com/proven2pc/proven/sim"
)

// Shrinking bounds: the runs one shrink may spend, and the shortest fault
// phase it tries.
const (
	shrinkRunsDefault  = 300
	faultPhaseMinimum  = 100 * time.Millisecond
	faultPhaseRounding = time.Millisecond
)

// runShrink is `proven shrink [--runs N] FILE`: it reduces the run of a
// failing seed file while the same failure persists and writes the result
// beside it (<name>.shrunk.json). Exit 0 when it wrote the file (even if
// nothing could be reduced), 1 when the file's run does not fail as
// recorded, 2 on a usage error or a bad file.
func runShrink(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("proven shrink", flag.ContinueOnError)
	flags.SetOutput(stderr)
	runsMax := flags.Int("runs", shrinkRunsDefault, "at most this many runs while shrinking")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() != 1 || *runsMax < 1 {
		fmt.Fprintln(stderr, "proven shrink: want one seed file and --runs at least 1 (proven shrink [--runs N] FILE)")
		return 2
	}
	path := flags.Arg(0)
	file, err := seedfile.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "proven shrink: %v\n", err)
		return 2
	}
	if file.Expect.Verdict != sim.VerdictFail {
		fmt.Fprintf(stderr, "proven shrink: %s expects ok: there is no failure to shrink\n", path)
		return 2
	}
	file.Description = shrunkDescription(path, file.Description)
	shrinker := &shrinker{run: runSeedFile, want: file.Expect, runsMax: *runsMax}
	if !shrinker.try(file) {
		fmt.Fprintf(stderr, "proven shrink: %s does not fail as recorded (want %s, got %s)\n", path, file.Expect, shrinker.last)
		return 1
	}
	shrunk, steps := shrinker.shrink()
	target := seedfile.ShrunkName(path)
	if err := seedfile.Save(target, shrunk); err != nil {
		fmt.Fprintf(stderr, "proven shrink: %v\n", err)
		return 2
	}
	for _, step := range steps {
		fmt.Fprintf(stdout, "reduced %s\n", step)
	}
	fmt.Fprintf(stdout, "shrunk in %d runs, %d reductions: %s\nreproduce: go run ./cmd/proven replay %s\n",
		shrinker.runs, len(steps), target, target)
	return 0
}

func shrunkDescription(path, description string) string {
	return fmt.Sprintf("shrunk from %s: %s", filepath.Base(path), description)
}

// runSeedFile runs a candidate and describes what happened as a seed file
// (its plan, outcome and fingerprint), keeping its description. The
// replay's differences are not needed: the shrinker compares outcomes.
func runSeedFile(candidate seedfile.File) seedfile.File {
	report, _ := proven.Replay(candidate)
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
