package detlint

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Rule names, as written in a //proven:allow directive and carried in
// Diagnostic.Rule.
const (
	RuleWallClock  = "wall-clock"
	RuleGlobalRand = "global-rand"
	RuleGoroutine  = "goroutine"
	RuleSelect     = "select"
	RuleMapOrder   = "map-order"
	// RuleDirective marks a malformed or unused //proven:allow directive.
	// It is not a rule a directive can name.
	RuleDirective = "directive"
)

// Analyzer reports breaches of the determinism contract in the non-test files
// of the package it is given, unless that package is an exempt package of
// the module (see Exempt).
var Analyzer = &analysis.Analyzer{
	Name: "detlint",
	Doc: "detlint reports wall-clock reads and timers, global randomness, go " +
		"and select statements, and map iteration order in simulated code",
	Run: run,
}

// wallClockMessages holds, per forbidden function of package time, what is
// wrong with it and what to do instead.
var wallClockMessages = map[string]string{
	"Now":       "reads the wall clock; take time from the simulator or a clock.Clock",
	"Since":     "reads the wall clock; take time from the simulator or a clock.Clock",
	"Until":     "reads the wall clock; take time from the simulator or a clock.Clock",
	"Sleep":     "waits on the wall clock; sleep through the host (the simulator or the real runtime)",
	"After":     "starts a wall-clock timer; set timers through the host (the simulator or the real runtime)",
	"AfterFunc": "starts a wall-clock timer; set timers through the host (the simulator or the real runtime)",
	"NewTimer":  "starts a wall-clock timer; set timers through the host (the simulator or the real runtime)",
	"NewTicker": "starts a wall-clock timer; set timers through the host (the simulator or the real runtime)",
	"Tick":      "starts a wall-clock timer; set timers through the host (the simulator or the real runtime)",
}

// seededConstructors holds, per random package, the package-level functions
// that take an explicit seed or source and so stay deterministic.
var seededConstructors = map[string]map[string]bool{
	"math/rand":    {"New": true, "NewSource": true, "NewZipf": true},
	"math/rand/v2": {"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true},
	"crypto/rand":  {},
}

// mapIterators are the functions of package maps that yield in map order.
var mapIterators = map[string]bool{"Keys": true, "Values": true, "All": true}

// sortingFunctions are the functions of package slices that may consume a
// map iterator directly, because they restore a deterministic order.
var sortingFunctions = map[string]bool{"Sorted": true, "SortedFunc": true, "SortedStableFunc": true}

// finding is a breach found in one file, before directives are applied.
type finding struct {
	position token.Pos
	rule     string
	message  string
}

func run(pass *analysis.Pass) (any, error) {
	if Exempt(pass.Pkg.Path()) {
		return nil, nil
	}
	for _, file := range pass.Files {
		tokenFile := pass.Fset.File(file.Pos())
		if tokenFile == nil || strings.HasSuffix(tokenFile.Name(), "_test.go") {
			continue
		}
		checker := &fileChecker{pass: pass, sortedArguments: map[*ast.Ident]bool{}}
		ast.Inspect(file, checker.visit)
		reportFindings(pass, file, checker.findings)
	}
	return nil, nil
}

// fileChecker walks one file and collects its findings.
type fileChecker struct {
	pass *analysis.Pass
	// sortedArguments holds the function names of calls that are direct
	// arguments of a slices sorting function. A parent node is visited
	// before its children, so entries exist before the call is checked.
	sortedArguments map[*ast.Ident]bool
	findings        []finding
}

func (checker *fileChecker) visit(node ast.Node) bool {
	switch node := node.(type) {
	case *ast.GoStmt:
		checker.add(node.Pos(), RuleGoroutine,
			"go statement starts a goroutine; simulated code runs one step at a time on the simulator's thread")
	case *ast.SelectStmt:
		checker.add(node.Pos(), RuleSelect,
			"select statement picks among ready channels at random; simulated code must not wait on channels")
	case *ast.RangeStmt:
		checker.checkRange(node)
	case *ast.CallExpr:
		checker.markSortedArguments(node)
	case *ast.SelectorExpr:
		if checker.isQualifiedIdentifier(node) {
			checker.checkReference(node.Sel, node.Pos())
			return false
		}
	case *ast.Ident:
		checker.checkReference(node, node.Pos())
	}
	return true
}

func (checker *fileChecker) add(position token.Pos, rule, message string) {
	checker.findings = append(checker.findings, finding{
		position: position,
		rule:     rule,
		message:  fmt.Sprintf("detlint: %s [%s]", message, rule),
	})
}

func (checker *fileChecker) checkRange(statement *ast.RangeStmt) {
	rangedType := checker.pass.TypesInfo.TypeOf(statement.X)
	if rangedType == nil || !isMapType(rangedType) {
		return
	}
	typeName := types.TypeString(rangedType, types.RelativeTo(checker.pass.Pkg))
	checker.add(statement.Pos(), RuleMapOrder, fmt.Sprintf(
		"range over map type %s visits keys in random order; iterate slices.Sorted(maps.Keys(m))", typeName))
}

// markSortedArguments records the called function of every argument of call
// that is itself a call, when call is a slices sorting function.
func (checker *fileChecker) markSortedArguments(call *ast.CallExpr) {
	if !checker.isPackageFunction(calledIdent(call.Fun), "slices", sortingFunctions) {
		return
	}
	for _, argument := range call.Args {
		inner, ok := ast.Unparen(argument).(*ast.CallExpr)
		if !ok {
			continue
		}
		if ident := calledIdent(inner.Fun); ident != nil {
			checker.sortedArguments[ident] = true
		}
	}
}

// isQualifiedIdentifier reports whether selector is package.Name.
func (checker *fileChecker) isQualifiedIdentifier(selector *ast.SelectorExpr) bool {
	packageIdent, ok := selector.X.(*ast.Ident)
	if !ok {
		return false
	}
	_, isPackageName := checker.pass.TypesInfo.Uses[packageIdent].(*types.PkgName)
	return isPackageName
}

// checkReference reports ident if it refers to a forbidden package-level
// object; position is where the reference starts (the package name of a
// qualified identifier).
func (checker *fileChecker) checkReference(ident *ast.Ident, position token.Pos) {
	object := checker.pass.TypesInfo.Uses[ident]
	if object == nil || object.Pkg() == nil || !isPackageLevel(object) {
		return
	}
	packagePath, name := object.Pkg().Path(), object.Name()
	qualifiedName := packagePath + "." + name
	_, isFunction := object.(*types.Func)
	switch {
	case packagePath == "time" && isFunction && wallClockMessages[name] != "":
		checker.add(position, RuleWallClock, qualifiedName+" "+wallClockMessages[name])
	case seededConstructors[packagePath] != nil && isFunction && !seededConstructors[packagePath][name]:
		checker.add(position, RuleGlobalRand, qualifiedName+
			" draws from a global random source; use a *rand.Rand passed in, seeded from the world's PRNG stream")
	case packagePath == "crypto/rand" && name == "Reader":
		checker.add(position, RuleGlobalRand, qualifiedName+
			" reads the operating system's randomness; use a *rand.Rand passed in, seeded from the world's PRNG stream")
	case packagePath == "maps" && isFunction && mapIterators[name] && !checker.sortedArguments[ident]:
		checker.add(position, RuleMapOrder, qualifiedName+
			" yields in random map order; pass it directly to slices.Sorted, SortedFunc or SortedStableFunc")
	}
}

// isPackageFunction reports whether ident refers to one of the named
// package-level functions of the package with the given path.
func (checker *fileChecker) isPackageFunction(ident *ast.Ident, packagePath string, names map[string]bool) bool {
	if ident == nil {
		return false
	}
	function, ok := checker.pass.TypesInfo.Uses[ident].(*types.Func)
	if !ok || function.Pkg() == nil || !isPackageLevel(function) {
		return false
	}
	return function.Pkg().Path() == packagePath && names[function.Name()]
}

// isPackageLevel reports whether object is a package-level function or
// variable (not a method, field or local).
func isPackageLevel(object types.Object) bool {
	switch object := object.(type) {
	case *types.Func:
		return object.Signature().Recv() == nil
	case *types.Var:
		return !object.IsField() && object.Parent() == object.Pkg().Scope()
	}
	return false
}

// calledIdent returns the identifier naming the function in a call's Fun
// expression (through parentheses, qualification and explicit
// instantiation), or nil for any other expression.
func calledIdent(function ast.Expr) *ast.Ident {
	switch function := ast.Unparen(function).(type) {
	case *ast.Ident:
		return function
	case *ast.SelectorExpr:
		return function.Sel
	case *ast.IndexExpr:
		return calledIdent(function.X)
	case *ast.IndexListExpr:
		return calledIdent(function.X)
	}
	return nil
}

// isMapType reports whether ranging over a value of type t iterates a map:
// its underlying type is a map, or it is a type parameter whose type set
// holds a map.
func isMapType(t types.Type) bool {
	if typeParameter, ok := t.(*types.TypeParam); ok {
		return typeSetHasMap(typeParameter.Constraint())
	}
	_, isMap := t.Underlying().(*types.Map)
	return isMap
}

func typeSetHasMap(constraint types.Type) bool {
	switch constraint := constraint.(type) {
	case *types.Union:
		for index := range constraint.Len() {
			if typeSetHasMap(constraint.Term(index).Type()) {
				return true
			}
		}
		return false
	case *types.TypeParam:
		return typeSetHasMap(constraint.Constraint())
	}
	switch underlying := constraint.Underlying().(type) {
	case *types.Map:
		return true
	case *types.Interface:
		for index := range underlying.NumEmbeddeds() {
			if typeSetHasMap(underlying.EmbeddedType(index)) {
				return true
			}
		}
	}
	return false
}
