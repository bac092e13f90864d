package seedfile

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// Scenario names a workload and its parameters. Zero fields take the
// defaults (Resolve fills them in): the mixed workload, swarm faults
// (as the proven command), 4 clients, 100 operations per client and an
// 8s fault phase. A seed file holds every field filled in. The proven
// package calls it proven.Scenario.
type Scenario struct {
	// Workload is the workload to run: one of yours, or a registered one
	// by name (workloads.Named("bank")); nil means
	// workloads.DefaultWorkload. A seed file records its name and its
	// parameters (workloads.Parameters), and reading the file back needs
	// it registered (workloads.Register).
	Workload workloads.Workload
	// Faults is "none", "all", "swarm", or a comma list of fault families
	// (sim.FamilyNames); "" means DefaultFaults, swarm: each seed draws
	// which families are on and how strong. Say "none" for a run without
	// faults.
	Faults string
	// Clients is the number of client processes (0 means
	// workloads.DefaultClients).
	Clients int
	// Operations is the number of operations per client (0 means
	// workloads.DefaultOperations).
	Operations int
	// FaultPhase is how long faults last before healing (0 means
	// workloads.DefaultFaultPhase).
	FaultPhase time.Duration
	// Trace, when set, receives one line per simulator event. It changes
	// nothing in the run, and a seed file does not record it.
	Trace io.Writer
	// Coverage watches the run for fault coverage (workloads.Options).
	// It changes nothing in the run, and a seed file does not record it.
	Coverage bool
}

// DefaultFaults is the fault mode of a Scenario whose Faults is empty,
// and the proven command's default.
const DefaultFaults = "swarm"

// Limits of a Scenario.
const (
	clientsMax    = 64
	operationsMax = 10_000
	faultPhaseMax = 2 * time.Minute
)

// ErrBadScenario reports a scenario field out of range or unknown.
var ErrBadScenario = errors.New("proven: bad scenario")

// Resolve fills in the defaults, normalizes Faults (families in their
// fixed order) and checks every field: a bad one gives an error matching
// ErrBadScenario that names the field.
func (s Scenario) Resolve() (Scenario, error) {
	workload, err := workloads.Resolve(s.Workload)
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: workload: %v", ErrBadScenario, err)
	}
	s.Workload = workload
	if s.Clients == 0 {
		s.Clients = workloads.DefaultClients
	}
	if s.Operations == 0 {
		s.Operations = workloads.DefaultOperations
	}
	if s.FaultPhase == 0 {
		s.FaultPhase = workloads.DefaultFaultPhase
	}
	if s.Faults == "" {
		s.Faults = DefaultFaults
	}
	if field, problem := s.problem(); field != "" {
		return Scenario{}, fmt.Errorf("%w: %s: %s", ErrBadScenario, field, problem)
	}
	mode, _ := sim.ParseFaults(s.Faults)
	s.Faults = mode.String()
	return s, nil
}

// problem names the first bad field (its seed file name) and what is
// wrong with it, or returns "" when every field is good.
func (s Scenario) problem() (field, problem string) {
	switch {
	case s.Clients < 1 || s.Clients > clientsMax:
		return "clients", fmt.Sprintf("%d is not between 1 and %d", s.Clients, clientsMax)
	case s.Operations < 1 || s.Operations > operationsMax:
		return "operations", fmt.Sprintf("%d is not between 1 and %d", s.Operations, operationsMax)
	case s.FaultPhase <= 0 || s.FaultPhase > faultPhaseMax:
		return "fault_phase", fmt.Sprintf("%v is not above 0 and at most %v", s.FaultPhase, faultPhaseMax)
	}
	if _, err := sim.ParseFaults(s.Faults); err != nil {
		return "faults", err.Error()
	}
	return "", ""
}
