package workloads

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
)

// Declaration is what a workload's Build declared, for a runner outside
// the simulator (package liverun runs it on the real runtime): the
// streams of its cluster, its setup, operation and final operations, and
// its checks, in the order added.
type Declaration struct {
	Workload string
	Streams  []cluster.StreamSpec
	// Setup and Final are nil when the workload declared none.
	Setup     func(Client) error
	Operation func(Client)
	Final     func(Client)
	Checks    []Check
}

// ErrNotDeclarable reports a workload that cannot run outside the
// simulator: it declared a world of its own (Builder.World), or no
// cluster, or no operation, or its Build panicked.
var ErrNotDeclarable = errors.New("workloads: the workload cannot run outside the simulator")

// worldDeclared is what Builder.World panics with in a declaration: the
// workload's nodes exist only in a simulated world.
type worldDeclared struct{}

// Declare calls the workload's Build to learn what it declares, without
// building a simulated cluster: Builder.Cluster records the streams and
// returns nil (so a Build that uses the cluster it gets back runs only in
// the simulator). Options give the seed, clients and operations Build
// may ask for. A workload on a world of its own (Builder.World), or whose
// Build declares no cluster or operation or panics, gives an error
// wrapping ErrNotDeclarable that names it.
func Declare(chosen Workload, options Options) (Declaration, error) {
	options.applyDefaults()
	chosen, err := Resolve(chosen)
	if err != nil {
		return Declaration{}, fmt.Errorf("%w: %w", ErrNotDeclarable, err)
	}
	declared := &Builder{options: options, declaring: true}
	panicked, stack := build(chosen, declared)
	switch {
	case declared.world:
		return Declaration{}, fmt.Errorf("%w: workload %s declares a world of its own (Builder.World): it runs only in the simulator",
			ErrNotDeclarable, chosen.Name())
	case panicked != "":
		return Declaration{}, fmt.Errorf("%w: workload %s: Build panicked: %s\n%s", ErrNotDeclarable, chosen.Name(), panicked, stack)
	case declared.streams == nil:
		return Declaration{}, fmt.Errorf("%w: workload %s declared no cluster (call Builder.Cluster)", ErrNotDeclarable, chosen.Name())
	case declared.operation == nil:
		return Declaration{}, fmt.Errorf("%w: workload %s declared no operation (call Builder.Operation)", ErrNotDeclarable, chosen.Name())
	}
	return Declaration{Workload: chosen.Name(), Streams: declared.streams, Setup: declared.setup,
		Operation: declared.operation, Final: declared.final, Checks: slices.Clone(declared.checks)}, nil
}

// RunChecks runs the declared checks on a history, in order; a check
// that returns an error counts as illegal.
func (d Declaration) RunChecks(history checkers.History) []checkers.Result {
	var results []checkers.Result
	for _, c := range d.Checks {
		result, err := c.Run(history)
		if err != nil {
			result = checkers.Result{Checker: c.Name, Verdict: checkers.VerdictIllegal,
				Explanation: fmt.Sprintf("the checker refused the history: %v", err)}
		}
		result.Checker = c.Name
		results = append(results, result)
	}
	return results
}

// CheckStreamLogs is a cluster run's checks of its stream logs, for logs
// read elsewhere (a real store's, from disk): it decides every
// transaction's fate from the logs, checks atomicity against it and
// against the clients' ok and fail outcomes, settles the history's
// indeterminate outcomes (see doc.go), and checks that no request id
// appears twice in one stream's log. Each log must be whole, from
// position 1 (the one-phase outcomes are decided by replaying it). It
// returns the atomicity and unique-requests results and the number of
// outcomes settled.
func CheckStreamLogs(history *checkers.History, streams []cluster.StreamSpec,
	logs map[string][]wire.LogEntry) ([]checkers.Result, int) {
	for _, spec := range streams {
		if entries := logs[spec.Name]; len(entries) > 0 && entries[0].Position != 1 {
			return []checkers.Result{{Checker: "atomicity", Verdict: checkers.VerdictUnknown,
				Explanation: fmt.Sprintf("the log of stream %s begins at position %d, not 1: its older entries were removed",
					spec.Name, entries[0].Position)}}, 0
		}
	}
	atomicity, truth, requests := checkAtomicity(logs, streams, false, *history)
	settled := settle(history, truth)
	return []checkers.Result{atomicity, checkers.CheckUniqueRequests(requests)}, settled
}

// StreamStatus is one stream's processor status after a run, for
// CheckLiveness; Down when its processor was not running.
type StreamStatus struct {
	Stream string
	Down   bool
	Status processor.Status
}

// CheckLiveness checks that after a run every processor runs and holds
// nothing: no active, prepared, pending or deferred transaction, no lock
// or reservation.
func CheckLiveness(statuses []StreamStatus) checkers.Result {
	converted := make([]streamStatus, len(statuses))
	for i, s := range statuses {
		converted[i] = streamStatus{stream: s.Stream, down: s.Down, status: s.Status}
	}
	return checkLiveness(converted)
}

// Idle reports whether a processor's status holds nothing.
func Idle(status processor.Status) bool { return idle(status) }

// TransactionCounts counts the completions of read-write transactions
// (events with a transaction id), as their clients saw them: what a
// report's Committed, Aborted and Indeterminate say.
func TransactionCounts(history checkers.History) (committed, aborted, indeterminate int) {
	return transactionCounts(history)
}

// FirstIllegal returns the first illegal result's check and the first
// line of its explanation, as a failing run's reason; false when none.
func FirstIllegal(results []checkers.Result) (reason string, result checkers.Result, found bool) {
	for _, result := range results {
		if result.Verdict == checkers.VerdictIllegal {
			firstLine, _, _ := strings.Cut(result.Explanation, "\n")
			return fmt.Sprintf("%s: %s", result.Checker, firstLine), result, true
		}
	}
	return "", checkers.Result{}, false
}
