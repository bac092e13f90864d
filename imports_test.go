package proven

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// modulePath is this module's import path.
const modulePath = "github.com/proven2pc/proven"

// dependencyRule constrains what the packages matching one pattern may
// depend on (directly or not) inside this module. Patterns are import
// paths relative to the module: "clock", "engines/..." (engines and
// everything under it), "." (the root package), "..." (every package). A rule sets exactly one of
// only (the whole list of ours it may depend on; empty: none) and never.
type dependencyRule struct {
	packages string
	only     []string
	never    []string
	why      string
}

// dependencyRules is the dependency direction of DESIGN.md's layers, lowest
// first. Extend it when a package is added.
var dependencyRules = []dependencyRule{
	{packages: "clock", only: []string{"internal/assert"},
		why: "clock is a leaf"},
	{packages: "net", only: []string{"clock", "internal/assert", "internal/binenc"},
		why: "net, the network model, is a leaf below the simulator"},
	{packages: "engines/value", only: []string{"clock", "internal/assert", "internal/binenc"},
		why: "values are a leaf that checkers and engines share"},
	{packages: "mvcc", only: []string{"clock", "internal/assert", "internal/binenc"},
		why: "mvcc is a leaf below the engines"},
	{packages: "internal/assert", only: []string{},
		why: "internal helpers are leaves"},
	{packages: "internal/binenc", only: []string{"clock"},
		why: "internal helpers are leaves"},
	{packages: "internal/bugs", only: []string{},
		why: "internal helpers are leaves"},
	{packages: "internal/txnset", only: []string{"clock"},
		why: "internal helpers are leaves"},
	{packages: "internal/detlint/...", only: []string{"internal/detlint/..."},
		why: "the determinism lint is a tool of its own"},
	{packages: "sim/...", only: []string{"clock", "net", "internal/assert", "internal/binenc"},
		why: "the simulator knows nothing about engines"},
	{packages: "engines/...", never: []string{"sim/...", "net/...", "cluster/...", "coordinator/...", "workloads/...", "checkers/..."},
		why: "engines, their processor and the log service are step machines that run in the simulator and outside it (cluster hosts them on simulated nodes)"},
	{packages: "live/...", never: []string{"sim/...", "net/...", "cluster/..."},
		why: "the real runtime hosts the same step machines on goroutines and files; it never pulls in the simulator"},
	{packages: "checkers/...", never: []string{"engines"},
		why: "checkers read histories of values, not the engine contract"},
	{packages: "view", only: []string{"checkers", "engines/value", "clock", "internal/assert", "internal/binenc"},
		why: "pages draw the histories and campaigns handed to them: they run nothing"},
	{packages: "...", never: []string{"cmd/..."},
		why: "commands are the top: nothing imports them"},
}

// TestDependencyDirection checks dependencyRules against `go list`.
func TestDependencyDirection(t *testing.T) {
	packages := listPackages(t)
	for _, rule := range dependencyRules {
		if (rule.only == nil) == (rule.never == nil) {
			t.Fatalf("rule for %s: set exactly one of only and never", rule.packages)
		}
		matched := 0
		for _, name := range slices.Sorted(maps.Keys(packages)) {
			if !matches(rule.packages, name) {
				continue
			}
			matched++
			for _, dependency := range packages[name].ours() {
				if rule.forbids(dependency) {
					t.Errorf("%s depends on %s (%s): %s", name, dependency,
						strings.Join(importChain(packages, name, dependency), " -> "), rule.why)
				}
			}
		}
		if matched == 0 {
			t.Errorf("rule for %s matches no package: update dependencyRules", rule.packages)
		}
	}
}

func (r dependencyRule) forbids(dependency string) bool {
	matchesAny := func(patterns []string) bool {
		return slices.ContainsFunc(patterns, func(pattern string) bool { return matches(pattern, dependency) })
	}
	if r.only != nil {
		return !matchesAny(r.only)
	}
	return matchesAny(r.never)
}

// matches reports whether a package (relative to the module; "." is the
// root) matches a pattern.
func matches(pattern, name string) bool {
	if pattern == "..." {
		return true
	}
	if base, found := strings.CutSuffix(pattern, "/..."); found {
		return name == base || strings.HasPrefix(name, base+"/")
	}
	return name == pattern
}

// listedPackage is what `go list -json` says of a package; paths are
// relative to the module.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// ours lists the package's dependencies inside this module.
func (p listedPackage) ours() []string {
	var ours []string
	for _, dependency := range p.Deps {
		if name, inside := relative(dependency); inside {
			ours = append(ours, name)
		}
	}
	return ours
}

func relative(importPath string) (string, bool) {
	if importPath == modulePath {
		return ".", true
	}
	return strings.CutPrefix(importPath, modulePath+"/")
}

// listPackages runs `go list` over the module (its non-test code).
func listPackages(t *testing.T) map[string]listedPackage {
	command := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	var stderr bytes.Buffer
	command.Stderr = &stderr
	output, err := command.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	packages := map[string]listedPackage{}
	decoder := json.NewDecoder(bytes.NewReader(output))
	for {
		var listed listedPackage
		if err := decoder.Decode(&listed); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		name, _ := relative(listed.ImportPath)
		packages[name] = listed
	}
	if len(packages) < 20 {
		t.Fatalf("go list found only %d packages", len(packages))
	}
	return packages
}

// importChain is a shortest chain of imports from one package of ours to
// another.
func importChain(packages map[string]listedPackage, from, to string) []string {
	previous := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		current := queue[0]
		queue = queue[1:]
		if current == to {
			break
		}
		for _, imported := range packages[current].Imports {
			name, inside := relative(imported)
			if _, seen := previous[name]; inside && !seen {
				previous[name] = current
				queue = append(queue, name)
			}
		}
	}
	chain := []string{to}
	for current := to; previous[current] != ""; current = previous[current] {
		chain = append([]string{previous[current]}, chain...)
	}
	return chain
}
