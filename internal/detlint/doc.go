// Package detlint is the determinism lint: a go/analysis analyzer that
// enforces DESIGN.md's determinism contract on the packages that run inside
// the simulator.
//
// # What it models
//
// A simulated run must be a pure function of its seed. Five things break that
// silently, and each is a rule with a name:
//
//   - wall-clock: calling or referring to time.Now, Since, Until, Sleep, After,
//     AfterFunc, NewTimer, NewTicker or Tick. Time arrives as a value (a tick,
//     a log timestamp, a clock.Clock passed in).
//   - global-rand: a package-level function of math/rand, math/rand/v2 or
//     crypto/rand, or crypto/rand.Reader. Constructors that take an explicit
//     seed or source stay allowed (math/rand: New, NewSource, NewZipf;
//     math/rand/v2: New, NewPCG, NewChaCha8, NewZipf), and so do methods on
//     the *rand.Rand they build.
//   - goroutine: a go statement.
//   - select: a select statement.
//   - map-order: a for-range over a value whose type is a map (or a type
//     parameter whose type set holds a map), and any use of maps.Keys,
//     maps.Values or maps.All except as a direct argument of slices.Sorted,
//     slices.SortedFunc or slices.SortedStableFunc.
//
// Every message starts with "detlint: ", names the function or construct,
// says what to do instead, and ends with the rule in brackets, e.g.
//
//	detlint: time.Now reads the wall clock; take time from the simulator or a clock.Clock [wall-clock]
//
// Names are resolved with type information, so an aliased import
// (import t "time"), a dot import, or a local variable that happens to be
// called time are all judged by what they refer to, not how they are spelled.
//
// # Contract
//
// A line that truly must break a rule ends with a directive naming the rule
// and a reason:
//
//	return time.Now().UnixNano() //proven:allow wall-clock: the real runtime's clock
//
// The directive suppresses diagnostics of that rule on that line only. A
// directive with an unknown rule, without a reason, or that excuses nothing on
// its line is itself reported (rule "directive", which cannot be suppressed),
// so a stale or mistyped directive never hides anything.
//
// Which packages are simulated: every package of module ModulePath except
// those under ExemptPrefixes (the commands, the real runtime under live/
// and the live workload runner workloads/liverun,
// this lint, and the separate compare module), named by path: a package
// whose name merely starts with "live", or a package named live elsewhere
// in the tree, is still simulated and judged. The policy lives in
// that one variable. The Analyzer skips exempt module packages by itself, so
// it is safe to run under any go/analysis driver; CheckModule additionally
// ignores packages outside the module. Files ending in _test.go are never
// checked.
//
// # Invariants
//
// Diagnostics returned by CheckModule are sorted by file, line, column and
// message, so two runs over the same code print the same lines.
//
// # What it does not do
//
// It does not follow calls: a simulated package calling a helper in an exempt
// or third-party package that reads the clock is not caught here (the run-twice
// fingerprint comparison catches that). It does not catch reflect's map
// iteration (MapRange, MapKeys), maps.DeleteFunc with side effects, or map
// order leaking through code that is not a range statement. It does not look
// inside test files.
//
// # How it is tested
//
// The fixture package testdata/src/fixture holds at least one of every
// forbidden construct, each marked with an analysistest "want" comment, next
// to allowed look-alikes that must stay silent (seeded generators and their
// methods, slices.Sorted(maps.Keys(m)), a shadowing variable named time, a
// valid directive). Scenario files in testdata/scenarios build small throwaway
// modules and show what CheckModule reports for them (the exemption policy,
// test files, load errors). A rapid property checks the directive parser.
// TestModuleIsDeterministic runs CheckModule over the whole module, so
// go test ./... fails whenever simulated code breaks the contract.
package detlint
