package seedfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/google/go-cmp/cmp"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
	"pgregory.net/rapid"
)

// TestFileScenarios runs testdata/seedfiles.txt:
//
//	parse [name=FILE] [bom]
//	<seed file bytes (after a UTF-8 byte-order mark with bom)>
//	----
//	the decoded file on one line, or the error
func TestFileScenarios(t *testing.T) {
	datadriven.RunTest(t, "testdata/seedfiles.txt", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			name := "case.json"
			if d.HasArg("name") {
				d.ScanArgs(t, "name", &name)
			}
			data := []byte(d.Input)
			if d.HasArg("bom") {
				data = append([]byte{0xEF, 0xBB, 0xBF}, data...)
			}
			file, err := Parse(name, data)
			if err != nil {
				if !errors.Is(err, ErrBadFile) {
					t.Fatalf("error %v is not ErrBadFile", err)
				}
				return "error: " + err.Error() + "\n"
			}
			return describe(file) + "\n"
		}
		t.Fatalf("unknown command %q", d.Cmd)
		return ""
	})
}

func describe(file File) string {
	s := file.Scenario
	text := fmt.Sprintf("seed=%d workload=%s clients=%d operations=%d fault-phase=%v faults=%s plan=%s expect=%q",
		file.Seed, s.Workload.Name(), s.Clients, s.Operations, s.FaultPhase, s.Faults, planText(file.Plan), file.Expect)
	if parameters, _ := workloads.Parameters(s.Workload); parameters != nil {
		text += " parameters=" + string(parameters)
	}
	if file.Fingerprint != "" {
		text += " fingerprint=" + file.Fingerprint
	}
	return text + fmt.Sprintf(" description=%q", file.Description)
}

// keyedWorkload stands for a workload of a user's, with parameters. It
// is never run here: only its seed files are read and written.
type keyedWorkload struct {
	Keys int
	Mode string
}

func (keyedWorkload) Name() string             { return "test-keyed" }
func (keyedWorkload) Build(*workloads.Builder) {}

func init() { workloads.Register(keyedWorkload{Keys: 3}) }

// workloadGenerator draws a registered workload, with random parameters
// for the one that has some.
func workloadGenerator() *rapid.Generator[workloads.Workload] {
	return rapid.Custom(func(t *rapid.T) workloads.Workload {
		name := rapid.SampledFrom(workloads.Names()).Draw(t, "name")
		if name == (keyedWorkload{}).Name() {
			return keyedWorkload{Keys: rapid.IntRange(0, 9).Draw(t, "keys"), Mode: rapid.StringMatching(`[a-z"\\]{0,5}`).Draw(t, "mode")}
		}
		return workloads.Named(name)
	})
}

// fileGenerator draws valid seed files.
func fileGenerator() *rapid.Generator[File] {
	return rapid.Custom(func(t *rapid.T) File {
		file := File{
			Seed:        rapid.Uint64().Draw(t, "seed"),
			Description: rapid.StringMatching(`[ -~]{0,60}`).Draw(t, "description"),
			Scenario: Scenario{
				Workload:   workloadGenerator().Draw(t, "workload"),
				Clients:    rapid.IntRange(1, clientsMax).Draw(t, "clients"),
				Operations: rapid.IntRange(1, operationsMax).Draw(t, "operations"),
				FaultPhase: time.Duration(rapid.Int64Range(1, int64(faultPhaseMax)).Draw(t, "faultPhase")),
			},
		}
		families := sim.Family(rapid.Uint16Range(0, uint16(sim.FamilyAll)).Draw(t, "families"))
		file.Scenario.Faults = rapid.SampledFrom([]string{"swarm", families.String()}).Draw(t, "mode")
		file.Plan = sim.FaultPlan{Families: families, FaultPhase: file.Scenario.FaultPhase}
		for i := range sim.FamilyNames() {
			if families.Has(sim.Family(1 << i)) {
				file.Plan.Intensity[i] = rapid.Float64Range(0, 1).Draw(t, "intensity")
			}
		}
		file.Plan.Sites = sim.Sites(rapid.Uint16Range(0, uint16(sim.SitesAll)).Draw(t, "sites"))
		if rapid.Bool().Draw(t, "spread") {
			file.Plan.Topology = sim.Topology{LogNodes: rapid.IntRange(2, sim.LogNodesMax).Draw(t, "logNodes"),
				ClockSkew: rapid.Float64Range(0, 1).Draw(t, "clockSkew")}
		}
		file.Expect = rapid.SampledFrom([]Outcome{{Verdict: sim.VerdictOK},
			{Verdict: sim.VerdictFail, Failure: sim.FailureLiveness},
			{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation"},
			{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "list-append", Anomaly: "G-single"}}).Draw(t, "expect")
		if rapid.Bool().Draw(t, "fingerprinted") {
			file.Fingerprint = fmt.Sprintf("%016x", rapid.Uint64().Draw(t, "fingerprint"))
		}
		return file
	})
}

func TestFileRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		file := fileGenerator().Draw(t, "file")
		data, err := file.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		parsed, err := Parse("roundtrip.json", data)
		if err != nil {
			t.Fatalf("parse of marshalled file: %v\n%s", err, data)
		}
		if diff := cmp.Diff(file, parsed); diff != "" {
			t.Fatalf("round trip changed the file (-want +got):\n%s", diff)
		}
	})
}

func TestSaveThenLoad(t *testing.T) {
	directory := filepath.Join(t.TempDir(), "nested")
	path := filepath.Join(directory, Name("bank", 17))
	want := File{Seed: 17, Description: "saved", Scenario: Scenario{Workload: workloads.Named("bank"), Faults: "crash,partition",
		Clients: 2, Operations: 3, FaultPhase: time.Second}, Expect: Outcome{Verdict: sim.VerdictOK},
		Plan: sim.FaultPlan{Families: sim.FamilyCrash | sim.FamilyPartition, Intensity: [8]float64{0.5, 0, 0, 0, 0.75},
			FaultPhase: time.Second}}
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want.Scenario.Faults = "partition,crash" // normalized: families in their fixed order
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(path, "nested/bank-17.json") || ShrunkName(path) != filepath.Join(directory, "bank-17.shrunk.json") {
		t.Fatalf("names: %s, %s", path, ShrunkName(path))
	}
	if ShrunkName(ShrunkName(path)) != ShrunkName(path) {
		t.Fatalf("a shrunk file's shrunk name is itself, got %s", ShrunkName(ShrunkName(path)))
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	directory := t.TempDir()
	missing := filepath.Join(directory, "missing.json")
	huge := filepath.Join(directory, "huge.json")
	if err := os.WriteFile(huge, make([]byte, fileBytesMax+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{missing, huge, directory} {
		_, err := Load(path)
		var fileError *Error
		if !errors.As(err, &fileError) || fileError.File != path || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: error %v does not name the file", path, err)
		}
	}
}

func TestSaveRefusesAnInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	bad := File{Scenario: Scenario{Workload: workloads.Named("nothing")}, Expect: Outcome{Verdict: sim.VerdictOK}}
	if err := Save(path, bad); !errors.Is(err, ErrBadScenario) {
		t.Fatalf("want ErrBadScenario, got %v", err)
	}
	badOutcome := File{Scenario: Scenario{Workload: workloads.Named("bank")}, Expect: Outcome{Verdict: "maybe"}}
	if err := Save(path, badOutcome); !errors.Is(err, ErrBadFile) {
		t.Fatalf("want ErrBadFile, got %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused file was written: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	valid := File{Seed: 3, Description: "fuzz", Scenario: Scenario{Workload: workloads.Named("queue"), Faults: "swarm", Clients: 2,
		Operations: 5, FaultPhase: 2 * time.Second}, Plan: sim.FaultPlan{Families: sim.FamilyLoss, Intensity: [8]float64{0, 0.4}},
		Expect: Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "linearizable", Anomaly: "x"}}
	data, err := valid.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"format": 2}`))
	f.Add([]byte(`{"format": 1, "seed": -1}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			if !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error %v is not a Error naming the file", err)
			}
			return
		}
		again, err := file.Marshal()
		if err != nil {
			t.Fatalf("an accepted file does not marshal: %v", err)
		}
		reparsed, err := Parse("fuzz.json", again)
		if err != nil {
			t.Fatalf("a marshalled accepted file does not parse: %v", err)
		}
		if diff := cmp.Diff(file, reparsed); diff != "" {
			t.Fatalf("(-first +second):\n%s", diff)
		}
	})
}

// planText renders a plan with full precision, so two plans render alike
// only when they are equal.
func planText(plan sim.FaultPlan) string {
	var parts []string
	for i, name := range sim.FamilyNames() {
		if plan.Families.Has(sim.Family(1 << i)) {
			parts = append(parts, name+":"+strconv.FormatFloat(plan.Intensity[i], 'g', -1, 64))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	text := strings.Join(parts, ",") + " for " + plan.FaultPhase.String()
	if plan.Sites != 0 {
		text += " sites=" + plan.Sites.String()
	}
	if plan.Topology != (sim.Topology{}) {
		text += fmt.Sprintf(" topology=logs:%d,skew:%s", plan.Topology.LogNodes,
			strconv.FormatFloat(plan.Topology.ClockSkew, 'g', -1, 64))
	}
	return text
}

func TestDifferencesNameTheOutcomeAndARecordedFingerprint(t *testing.T) {
	file := File{Expect: Outcome{Verdict: sim.VerdictFail, Failure: sim.FailureInvariant, Checker: "conservation"},
		Fingerprint: "00000000000000aa"}
	passing := Outcome{Verdict: sim.VerdictOK}
	cases := []struct {
		name        string
		file        File
		outcome     Outcome
		fingerprint string
		want        []string
	}{
		{"reproduced", file, file.Expect, "00000000000000aa", nil},
		{"another outcome", file, passing, "00000000000000aa",
			[]string{"expect: want fail (invariant in conservation), got ok"}},
		{"another fingerprint", file, file.Expect, "00000000000000bb",
			[]string{"fingerprint: want 00000000000000aa, got 00000000000000bb"}},
		{"both", file, passing, "00000000000000bb",
			[]string{"expect: want fail (invariant in conservation), got ok", "fingerprint: want 00000000000000aa, got 00000000000000bb"}},
		{"no fingerprint recorded", File{Expect: passing}, passing, "00000000000000bb", nil},
	}
	for _, c := range cases {
		var got []string
		for _, difference := range c.file.Differences(c.outcome, c.fingerprint) {
			got = append(got, difference.String())
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
