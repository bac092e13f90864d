package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Family is a set of fault families.
type Family uint16

const (
	FamilyPartition Family = 1 << iota // random halves, one node isolated, one-way blocks, rolling clogs
	FamilyLoss                         // message loss
	FamilyDuplicate                    // message duplication
	FamilyReorder                      // reordering and slow tails
	FamilyCrash                        // crash and restart of crashable nodes
	FamilyPause                        // pause and resume of crashable nodes
	FamilyClock                        // clock jumps and drift
	FamilyDisk                         // torn writes and latent corruption at crashes
	familyEnd
)

// FamilyAll is every fault family.
const FamilyAll = familyEnd - 1

var familyNames = []string{"partition", "loss", "dup", "reorder", "crash", "pause", "clock", "disk"}

// FamilyNames lists the family names in their fixed order.
func FamilyNames() []string { return slices.Clone(familyNames) }

// ErrBadFaults reports an unparseable fault setting.
var ErrBadFaults = errors.New("sim: bad faults")

// FaultMode is what the user asked for: fixed families, or swarm (each seed
// draws its own families and strengths).
type FaultMode struct {
	Swarm    bool
	Families Family
}

// ParseFaults reads "none", "all", "swarm" or a comma list of family names.
func ParseFaults(text string) (FaultMode, error) {
	switch text {
	case "none", "":
		return FaultMode{}, nil
	case "all":
		return FaultMode{Families: FamilyAll}, nil
	case "swarm":
		return FaultMode{Swarm: true}, nil
	}
	var families Family
	for _, name := range strings.Split(text, ",") {
		index := slices.Index(familyNames, strings.TrimSpace(name))
		if index < 0 {
			return FaultMode{}, fmt.Errorf("%w: unknown fault family %q (want none, all, swarm or a comma list of %s)",
				ErrBadFaults, name, strings.Join(familyNames, ","))
		}
		families |= 1 << index
	}
	return FaultMode{Families: families}, nil
}

func (m FaultMode) String() string {
	if m.Swarm {
		return "swarm"
	}
	return m.Families.String()
}

// String lists the families, comma-separated ("none" for the empty set).
func (f Family) String() string {
	if f == 0 {
		return "none"
	}
	if f == FamilyAll {
		return "all"
	}
	var names []string
	for i, name := range familyNames {
		if f&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return strings.Join(names, ",")
}

// Has reports whether every family of other is in f.
func (f Family) Has(other Family) bool { return f&other == other }

// FaultPlan is one run's fault schedule parameters: which families are on,
// how strong each is (0..1), and how long the fault phase lasts before
// healing; which code fault sites are on during the fault phase, and the
// topology of the deployment's logs (both acted on by the deployment, not
// by the simulator; DrawFaultPlan leaves them off, and a deployment that
// has them draws them in swarm mode from streams of their own).
type FaultPlan struct {
	Families   Family
	Intensity  [8]float64
	FaultPhase time.Duration
	Sites      Sites
	Topology   Topology
}

// DrawFaultPlan turns a mode into a run's plan, drawing from rng. In swarm
// mode each family is on with probability one half, with a strength drawn
// uniformly from [0.2, 1]; fixed families get strengths from [0.5, 1].
func DrawFaultPlan(mode FaultMode, rng *rand.Rand, faultPhase time.Duration) FaultPlan {
	plan := FaultPlan{FaultPhase: faultPhase}
	for i := range familyNames {
		family := Family(1 << i)
		switch {
		case mode.Swarm:
			if rng.IntN(2) == 1 {
				plan.Families |= family
				plan.Intensity[i] = 0.2 + 0.8*rng.Float64()
			}
		case mode.Families.Has(family):
			plan.Families |= family
			plan.Intensity[i] = 0.5 + 0.5*rng.Float64()
		}
	}
	return plan
}

// String describes the plan, e.g. "partition:0.63,crash:0.90".
func (p FaultPlan) String() string {
	if p.Families == 0 {
		return "none"
	}
	var parts []string
	for i, name := range familyNames {
		if p.Families&(1<<i) != 0 {
			parts = append(parts, fmt.Sprintf("%s:%.2f", name, p.Intensity[i]))
		}
	}
	return strings.Join(parts, ",")
}
