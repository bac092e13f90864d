package detlint

import (
	"cmp"
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// ModulePath is the module whose packages are simulated unless exempt.
const ModulePath = "github.com/proven2pc/proven"

// ExemptPrefixes lists the package paths (each covering itself and every
// package below it) that run outside the simulator and so may use the wall
// clock, goroutines and the rest. This is the one place the policy lives.
var ExemptPrefixes = []string{
	ModulePath + "/cmd",               // command-line programs
	ModulePath + "/live",              // the real runtime: goroutine hosts, files, the real clock
	ModulePath + "/workloads/liverun", // workloads run on the real runtime: client goroutines, the wall clock
	ModulePath + "/internal/detlint",  // this lint and its command
	ModulePath + "/compare",           // a separate module of comparison programs
}

// ErrLoad reports that packages could not be loaded and type-checked, so
// the lint could not judge them.
var ErrLoad = errors.New("detlint: packages failed to load")

// Exempt reports whether packagePath is a package of the module that lies
// under one of ExemptPrefixes.
func Exempt(packagePath string) bool {
	for _, prefix := range ExemptPrefixes {
		if packagePath == prefix || strings.HasPrefix(packagePath, prefix+"/") {
			return true
		}
	}
	return false
}

// Simulated reports whether packagePath is a package of the module that runs
// inside the simulator and so must keep the determinism contract.
func Simulated(packagePath string) bool {
	inModule := packagePath == ModulePath || strings.HasPrefix(packagePath, ModulePath+"/")
	return inModule && !Exempt(packagePath)
}

// Diagnostic is one breach of the determinism contract.
type Diagnostic struct {
	Position token.Position // Filename is absolute.
	Rule     string         // one of the Rule constants
	Message  string
}

// String formats the diagnostic as file:line:col: message.
func (diagnostic Diagnostic) String() string {
	return diagnostic.Position.String() + ": " + diagnostic.Message
}

// RelativeTo returns the diagnostic with its file name made relative to dir
// where that is possible, for shorter output.
func (diagnostic Diagnostic) RelativeTo(dir string) Diagnostic {
	relative, err := filepath.Rel(dir, diagnostic.Position.Filename)
	if err == nil && !strings.HasPrefix(relative, "..") {
		diagnostic.Position.Filename = relative
	}
	return diagnostic
}

// CheckModule loads the packages matching patterns (default "./...") from
// dir, which must lie inside the module, keeps the simulated ones, and runs
// Analyzer over them. It returns the diagnostics sorted by position, or an
// error wrapping ErrLoad when a package that is not exempt fails to load or
// type-check. Test files are not loaded.
func CheckModule(dir string, patterns ...string) ([]Diagnostic, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	config := &packages.Config{
		Mode:  packages.LoadSyntax | packages.NeedModule,
		Dir:   dir,
		Tests: false,
	}
	loaded, err := packages.Load(config, patterns...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	simulated, err := selectSimulated(loaded)
	if err != nil {
		return nil, err
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{Analyzer}, simulated, nil)
	if err != nil {
		return nil, fmt.Errorf("detlint: analysis failed: %w", err)
	}
	var diagnostics []Diagnostic
	var failures []string
	for _, action := range graph.Roots {
		if action.Err != nil {
			failures = append(failures, action.Package.PkgPath+": "+action.Err.Error())
		}
		for _, found := range action.Diagnostics {
			diagnostics = append(diagnostics, Diagnostic{
				Position: action.Package.Fset.Position(found.Pos),
				Rule:     found.Category,
				Message:  found.Message,
			})
		}
	}
	if len(failures) > 0 {
		slices.Sort(failures)
		return nil, fmt.Errorf("detlint: analysis failed:\n\t%s", strings.Join(failures, "\n\t"))
	}
	slices.SortFunc(diagnostics, compareDiagnostics)
	return diagnostics, nil
}

// selectSimulated keeps the simulated packages of loaded. It fails, listing
// every error, if a package that is not exempt failed to load; exempt
// packages are not this lint's business, and the build reports their errors.
func selectSimulated(loaded []*packages.Package) ([]*packages.Package, error) {
	var simulated []*packages.Package
	var problems []string
	for _, loadedPackage := range loaded {
		if Exempt(loadedPackage.PkgPath) {
			continue
		}
		problems = append(problems, describeLoadErrors(loadedPackage)...)
		if len(loadedPackage.Errors) == 0 && Simulated(loadedPackage.PkgPath) {
			simulated = append(simulated, loadedPackage)
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		problems = slices.Compact(problems)
		return nil, fmt.Errorf("%w (fix these, then run the lint again):\n\t%s",
			ErrLoad, strings.Join(problems, "\n\t"))
	}
	return simulated, nil
}

// describeLoadErrors lists a package's load errors, one string each. When
// type errors are present, the go command's compiler transcript of the same
// errors (a list error opening with "# ") is dropped as a duplicate.
func describeLoadErrors(loadedPackage *packages.Package) []string {
	hasTypeErrors := slices.ContainsFunc(loadedPackage.Errors, func(loadError packages.Error) bool {
		return loadError.Kind == packages.TypeError
	})
	var problems []string
	for _, loadError := range loadedPackage.Errors {
		if hasTypeErrors && loadError.Kind == packages.ListError && strings.HasPrefix(loadError.Msg, "# ") {
			continue
		}
		problem := loadError.Error()
		if loadError.Pos == "" || loadError.Pos == "-" {
			problem = loadedPackage.ID + ": " + loadError.Msg
		}
		problems = append(problems, problem)
	}
	return problems
}

func compareDiagnostics(left, right Diagnostic) int {
	return cmp.Or(
		cmp.Compare(left.Position.Filename, right.Position.Filename),
		cmp.Compare(left.Position.Line, right.Position.Line),
		cmp.Compare(left.Position.Column, right.Position.Column),
		cmp.Compare(left.Message, right.Message),
	)
}
