package seedfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// fileWire is the JSON form of a File. Required fields are
// pointers, so a missing one is told apart from a zero one.
type fileWire struct {
	Format      *int          `json:"format"`
	Seed        *uint64       `json:"seed"`
	Description string        `json:"description"`
	Scenario    *scenarioWire `json:"scenario"`
	Faults      *faultsWire   `json:"faults"`
	Expect      *outcomeWire  `json:"expect"`
	Fingerprint string        `json:"fingerprint,omitempty"`
}

type scenarioWire struct {
	Workload *string `json:"workload"`
	// Parameters is the workload's value as JSON (workloads.Parameters),
	// absent when it has none.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Clients    *int            `json:"clients"`
	Operations *int            `json:"operations"`
	FaultPhase *string         `json:"fault_phase"`
}

type faultsWire struct {
	// Mode is what was asked for: none, all, swarm or a family list.
	Mode *string `json:"mode"`
	// Plan is what the seed drew: each family on, with its intensity.
	Plan *[]familyWire `json:"plan"`
	// Sites lists the code fault sites on during the fault phase
	// (absent: none; files written before sites existed have none).
	Sites []string `json:"sites,omitempty"`
	// Topology is how the logs are spread (absent: one log node).
	Topology *topologyWire `json:"topology,omitempty"`
}

type topologyWire struct {
	LogNodes  *int     `json:"log_nodes"`
	ClockSkew *float64 `json:"clock_skew"`
}

type familyWire struct {
	Family    *string  `json:"family"`
	Intensity *float64 `json:"intensity"`
}

type outcomeWire struct {
	Verdict *string `json:"verdict"`
	Failure string  `json:"failure,omitempty"`
	Checker string  `json:"checker,omitempty"`
	Anomaly string  `json:"anomaly,omitempty"`
}

// DescriptionBytesMax bounds a description: it is one line.
const DescriptionBytesMax = 400

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func toWire(f File) (fileWire, error) {
	scenario, err := f.Scenario.Resolve()
	if err != nil {
		return fileWire{}, err
	}
	parameters, err := workloads.Parameters(scenario.Workload)
	if err != nil {
		return fileWire{}, err
	}
	name := scenario.Workload.Name()
	format, seed := FormatVersion, f.Seed
	faultPhase := scenario.FaultPhase.String()
	plan := []familyWire{}
	for i, name := range sim.FamilyNames() {
		if f.Plan.Families.Has(sim.Family(1 << i)) {
			plan = append(plan, familyWire{Family: &name, Intensity: &f.Plan.Intensity[i]})
		}
	}
	verdict := string(f.Expect.Verdict)
	faults := &faultsWire{Mode: &scenario.Faults, Plan: &plan}
	for i, name := range sim.SiteNames() {
		if f.Plan.Sites.Has(sim.Site(i)) {
			faults.Sites = append(faults.Sites, name)
		}
	}
	if topology := f.Plan.Topology; topology.Spread() {
		faults.Topology = &topologyWire{LogNodes: &topology.LogNodes, ClockSkew: &topology.ClockSkew}
	}
	return fileWire{
		Format: &format, Seed: &seed, Description: f.Description,
		Scenario: &scenarioWire{Workload: &name, Parameters: parameters, Clients: &scenario.Clients,
			Operations: &scenario.Operations, FaultPhase: &faultPhase},
		Faults: faults,
		Expect: &outcomeWire{Verdict: &verdict, Failure: string(f.Expect.Failure),
			Checker: f.Expect.Checker, Anomaly: f.Expect.Anomaly},
		Fingerprint: f.Fingerprint,
	}, nil
}

// checkFormat reads only the format version, leniently, so that a file of
// an unknown version is reported as such rather than by its new fields.
func checkFormat(name string, data []byte) error {
	var header struct {
		Format *int `json:"format"`
	}
	if json.NewDecoder(bytes.NewReader(data)).Decode(&header) != nil || header.Format == nil {
		return nil // the strict decoding reports it
	}
	if *header.Format != FormatVersion {
		return &Error{File: name, Field: "format",
			Problem: fmt.Sprintf("unknown format version %d (this build reads %d)", *header.Format, FormatVersion)}
	}
	return nil
}

// fromWire checks every field and builds the File.
func fromWire(name string, wire fileWire) (File, error) {
	fail := func(field, problem string, arguments ...any) (File, error) {
		return File{}, &Error{File: name, Field: field, Problem: fmt.Sprintf(problem, arguments...)}
	}
	switch {
	case wire.Format == nil:
		return fail("format", "missing")
	case *wire.Format != FormatVersion:
		return fail("format", "unknown format version %d (this build reads %d)", *wire.Format, FormatVersion)
	case wire.Seed == nil:
		return fail("seed", "missing")
	case strings.ContainsAny(wire.Description, "\r\n"):
		return fail("description", "must be one line")
	case len(wire.Description) > DescriptionBytesMax:
		return fail("description", "longer than %d bytes", DescriptionBytesMax)
	case wire.Fingerprint != "" && !fingerprintPattern.MatchString(wire.Fingerprint):
		return fail("fingerprint", "%q is not 16 lowercase hexadecimal digits", wire.Fingerprint)
	}
	file := File{Seed: *wire.Seed, Description: wire.Description, Fingerprint: wire.Fingerprint}
	var problem *Error
	if file.Scenario, problem = scenarioFromWire(name, wire.Scenario); problem != nil {
		return File{}, problem
	}
	if file.Scenario.Faults, file.Plan, problem = faultsFromWire(name, wire.Faults); problem != nil {
		return File{}, problem
	}
	file.Plan.FaultPhase = file.Scenario.FaultPhase
	if file.Expect, problem = outcomeFromWire(name, wire.Expect); problem != nil {
		return File{}, problem
	}
	return file, nil
}

func scenarioFromWire(name string, wire *scenarioWire) (Scenario, *Error) {
	fail := func(field, problem string, arguments ...any) (Scenario, *Error) {
		return Scenario{}, &Error{File: name, Field: "scenario." + field, Problem: fmt.Sprintf(problem, arguments...)}
	}
	switch {
	case wire == nil:
		return Scenario{}, &Error{File: name, Field: "scenario", Problem: "missing"}
	case wire.Workload == nil:
		return fail("workload", "missing")
	case wire.Clients == nil:
		return fail("clients", "missing")
	case wire.Operations == nil:
		return fail("operations", "missing")
	case wire.FaultPhase == nil:
		return fail("fault_phase", "missing")
	}
	faultPhase, err := time.ParseDuration(*wire.FaultPhase)
	if err != nil {
		return fail("fault_phase", "%q is not a duration like \"4s\"", *wire.FaultPhase)
	}
	workload, err := workloads.Decode(*wire.Workload, wire.Parameters)
	switch {
	case errors.Is(err, workloads.ErrUnknownWorkload):
		return fail("workload", "unknown workload %q (want one of: %s); a workload of your own is read by a test "+
			"binary that registers it (workloads.Register), as go test -run TestX -proven.replay=FILE does",
			*wire.Workload, strings.Join(workloads.Names(), ", "))
	case err != nil:
		return fail("parameters", "%v", err)
	}
	scenario := Scenario{Workload: workload, Faults: "none", Clients: *wire.Clients,
		Operations: *wire.Operations, FaultPhase: faultPhase}
	if field, problem := scenario.problem(); field != "" {
		return fail(field, "%s", problem)
	}
	return scenario, nil
}

func faultsFromWire(name string, wire *faultsWire) (string, sim.FaultPlan, *Error) {
	fail := func(field, problem string, arguments ...any) (string, sim.FaultPlan, *Error) {
		return "", sim.FaultPlan{}, &Error{File: name, Field: field, Problem: fmt.Sprintf(problem, arguments...)}
	}
	switch {
	case wire == nil:
		return fail("faults", "missing")
	case wire.Mode == nil:
		return fail("faults.mode", "missing")
	case wire.Plan == nil:
		return fail("faults.plan", "missing (an empty list when no family is on)")
	}
	mode, err := sim.ParseFaults(*wire.Mode)
	if err != nil || *wire.Mode == "" {
		return fail("faults.mode", "%q is not none, all, swarm or a comma list of %s",
			*wire.Mode, strings.Join(sim.FamilyNames(), ","))
	}
	var plan sim.FaultPlan
	for i, entry := range *wire.Plan {
		field := fmt.Sprintf("faults.plan[%d]", i)
		if entry.Family == nil {
			return fail(field+".family", "missing")
		}
		index := slices.Index(sim.FamilyNames(), *entry.Family)
		switch {
		case index < 0:
			return fail(field+".family", "unknown fault family %q (want one of %s)", *entry.Family, strings.Join(sim.FamilyNames(), ","))
		case plan.Families.Has(sim.Family(1 << index)):
			return fail(field+".family", "%q is listed twice", *entry.Family)
		case entry.Intensity == nil:
			return fail(field+".intensity", "missing")
		case !(*entry.Intensity >= 0 && *entry.Intensity <= 1):
			return fail(field+".intensity", "%v is not between 0 and 1", *entry.Intensity)
		}
		plan.Families |= sim.Family(1 << index)
		plan.Intensity[index] = *entry.Intensity
	}
	if !mode.Swarm && plan.Families != mode.Families {
		return fail("faults.plan", "families %s differ from mode %s (only swarm draws its families)", plan.Families, mode)
	}
	var problem *Error
	if plan.Sites, problem = sitesFromWire(name, wire.Sites); problem != nil {
		return "", sim.FaultPlan{}, problem
	}
	if plan.Topology, problem = topologyFromWire(name, wire.Topology); problem != nil {
		return "", sim.FaultPlan{}, problem
	}
	return mode.String(), plan, nil
}

func sitesFromWire(name string, wire []string) (sim.Sites, *Error) {
	var sites sim.Sites
	for i, text := range wire {
		field := fmt.Sprintf("faults.sites[%d]", i)
		site, err := sim.ParseSite(text)
		switch {
		case err != nil:
			return 0, &Error{File: name, Field: field, Problem: fmt.Sprintf("unknown fault site %q (want one of %s)",
				text, strings.Join(sim.SiteNames(), ","))}
		case sites.Has(site):
			return 0, &Error{File: name, Field: field, Problem: fmt.Sprintf("%q is listed twice", text)}
		}
		sites = sites.With(site)
	}
	return sites, nil
}

func topologyFromWire(name string, wire *topologyWire) (sim.Topology, *Error) {
	fail := func(field, problem string, arguments ...any) (sim.Topology, *Error) {
		return sim.Topology{}, &Error{File: name, Field: "faults.topology." + field, Problem: fmt.Sprintf(problem, arguments...)}
	}
	switch {
	case wire == nil:
		return sim.Topology{}, nil
	case wire.LogNodes == nil:
		return fail("log_nodes", "missing")
	case *wire.LogNodes < 2 || *wire.LogNodes > sim.LogNodesMax:
		return fail("log_nodes", "%d is not between 2 and %d (leave the topology out for one log node)",
			*wire.LogNodes, sim.LogNodesMax)
	case wire.ClockSkew == nil:
		return fail("clock_skew", "missing")
	case !(*wire.ClockSkew >= 0 && *wire.ClockSkew <= 1):
		return fail("clock_skew", "%v is not between 0 and 1", *wire.ClockSkew)
	}
	return sim.Topology{LogNodes: *wire.LogNodes, ClockSkew: *wire.ClockSkew}, nil
}

func outcomeFromWire(name string, wire *outcomeWire) (Outcome, *Error) {
	fail := func(field, problem string, arguments ...any) (Outcome, *Error) {
		return Outcome{}, &Error{File: name, Field: "expect." + field, Problem: fmt.Sprintf(problem, arguments...)}
	}
	switch {
	case wire == nil:
		return Outcome{}, &Error{File: name, Field: "expect", Problem: "missing"}
	case wire.Verdict == nil:
		return fail("verdict", "missing")
	}
	outcome := Outcome{Verdict: sim.Verdict(*wire.Verdict), Failure: sim.FailureKind(wire.Failure),
		Checker: wire.Checker, Anomaly: wire.Anomaly}
	switch outcome.Verdict {
	case sim.VerdictOK:
		switch {
		case wire.Failure != "":
			return fail("failure", "must be absent when the verdict is ok")
		case wire.Checker != "":
			return fail("checker", "must be absent when the verdict is ok")
		case wire.Anomaly != "":
			return fail("anomaly", "must be absent when the verdict is ok")
		}
	case sim.VerdictFail:
		switch outcome.Failure {
		case sim.FailureInvariant, sim.FailureLiveness, sim.FailurePanic:
		case sim.FailureNone:
			return fail("failure", "missing (a failing verdict needs invariant, liveness or panic)")
		default:
			return fail("failure", "%q is not invariant, liveness or panic", wire.Failure)
		}
		if wire.Anomaly != "" && wire.Checker == "" {
			return fail("anomaly", "needs the checker that found it")
		}
	default:
		return fail("verdict", "%q is not ok or fail", *wire.Verdict)
	}
	return outcome, nil
}
