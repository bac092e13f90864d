package liverun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/live"
	"github.com/proven2pc/proven/workloads"
)

// Options configure one live run. Workload, Duration and Dir are
// required.
type Options struct {
	// Workload is the workload to run: any that declares a cluster
	// (Builder.Cluster), Proven's or yours.
	Workload workloads.Workload
	// Duration is how long the clients run operations.
	Duration time.Duration
	// Clients is the number of client goroutines (default
	// DefaultClients).
	Clients int
	// Dir is the store's directory: missing or empty (a run starts from
	// an empty store).
	Dir string
	// Seed seeds the clients' PRNGs (what they choose to do); it does not
	// make a run repeatable. Zero draws one.
	Seed uint64
	// PauseMax bounds the random pause of a client between two operations
	// (default 10ms; negative: none).
	PauseMax time.Duration
	// Logger receives the store's warnings (default: discarded).
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultClients  = 8
	DefaultPauseMax = 10 * time.Millisecond
	// setupAttemptsMax and setupPause: the setup is retried, as in the
	// simulator, until it returns nil.
	setupAttemptsMax = 20
	setupPause       = 100 * time.Millisecond
	// quietMax bounds the wait, after the clients stop, for every
	// processor to hold nothing: above any transaction's deadline.
	quietMax  = 15 * time.Second
	quietPoll = 50 * time.Millisecond
)

// Report is one live run's outcome.
type Report struct {
	Workload string
	// Seed seeded the clients' PRNGs; Clients and Duration as run.
	Seed     uint64
	Clients  int
	Duration time.Duration
	// OK is false when a check said illegal (Reason names the first, with
	// its explanation in Detail) or the run could not finish (Reason).
	OK             bool
	Reason, Detail string
	// History is the run's history, indeterminate outcomes settled from
	// the logs; Checks holds the workload's checks, then atomicity,
	// liveness and unique-requests.
	History checkers.History
	Checks  []checkers.Result
	// Committed, Aborted and Indeterminate count read-write transactions
	// as their clients saw them; Settled, the indeterminate outcomes the
	// logs settled; Operations, the operations the clients ran.
	Committed, Aborted, Indeterminate, Settled int
	Operations                                 int
}

// Check returns the result of the named check, if it ran.
func (r Report) Check(name string) (checkers.Result, bool) {
	for _, result := range r.Checks {
		if result.Checker == name {
			return result, true
		}
	}
	return checkers.Result{}, false
}

// ErrBadOptions reports Options no run could use.
var ErrBadOptions = errors.New("liverun: bad options")

// Run runs the workload on a store in options.Dir for options.Duration
// and checks it (see the package documentation). It returns an error,
// before running anything, for bad options, a workload that cannot run
// outside the simulator, or a store that cannot open; a run that ran gives
// a Report, failing or not. Cancelling ctx stops the clients early; the
// run is still checked.
func Run(ctx context.Context, options Options) (Report, error) {
	options, declaration, err := prepare(options)
	if err != nil {
		return Report{}, err
	}
	db, err := live.Open(options.Dir, live.Options{Streams: declaration.Streams, Logger: options.Logger,
		CheckpointEvery: 1 << 30}) // no checkpoint during the run: the checks read every log whole
	if err != nil {
		return Report{}, err
	}
	r := &run{options: options, declaration: declaration, db: db,
		history: &history{started: time.Now()}, ctx: ctx}
	r.transactions = &transactions{db: db, baton: &r.baton}
	report := r.execute()
	return report, nil
}

// prepare checks the options, fills in defaults and declares the
// workload.
func prepare(options Options) (Options, workloads.Declaration, error) {
	switch {
	case options.Workload == nil:
		return options, workloads.Declaration{}, fmt.Errorf("%w: no workload", ErrBadOptions)
	case options.Duration <= 0:
		return options, workloads.Declaration{}, fmt.Errorf("%w: duration %v (want a positive duration)", ErrBadOptions, options.Duration)
	case options.Clients < 0:
		return options, workloads.Declaration{}, fmt.Errorf("%w: %d clients", ErrBadOptions, options.Clients)
	case options.Dir == "":
		return options, workloads.Declaration{}, fmt.Errorf("%w: no store directory", ErrBadOptions)
	}
	if entries, err := os.ReadDir(options.Dir); err == nil && len(entries) > 0 {
		return options, workloads.Declaration{}, fmt.Errorf("%w: %s is not empty (a run starts from an empty store)", ErrBadOptions, options.Dir)
	}
	if options.Clients == 0 {
		options.Clients = DefaultClients
	}
	if options.PauseMax == 0 {
		options.PauseMax = DefaultPauseMax
	}
	if options.Seed == 0 {
		options.Seed = rand.Uint64() | 1
	}
	if options.Logger == nil {
		options.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	declaration, err := workloads.Declare(options.Workload, workloads.Options{Seed: options.Seed, Clients: options.Clients})
	return options, declaration, err
}

// run is one live run in progress.
type run struct {
	options      Options
	declaration  workloads.Declaration
	db           *live.DB
	transactions *transactions
	ctx          context.Context
	// baton guards history, operations and the workload's own state.
	baton      baton
	history    *history
	operations int
}

func (r *run) newClient(index int) *client {
	return &client{baton: &r.baton, history: r.history, transactions: r.transactions, ctx: r.ctx,
		random: rand.New(rand.NewPCG(r.options.Seed, uint64(index))), historyProcess: -1}
}

// execute runs the phases, closes the store and checks the history.
func (r *run) execute() Report {
	report := Report{Workload: r.declaration.Workload, Seed: r.options.Seed, Clients: r.options.Clients}
	failure := r.setup()
	if failure == "" {
		started := time.Now()
		r.runClients()
		report.Duration = time.Since(started)
		r.finish()
	}
	statuses := r.statuses()
	if err := r.db.Close(); err != nil && failure == "" {
		failure = fmt.Sprintf("closing the store: %v", err)
	}
	report.History, report.Operations = r.history.events, r.operations
	report.Committed, report.Aborted, report.Indeterminate = workloads.TransactionCounts(report.History)
	if failure != "" {
		report.Reason = failure
		return report
	}
	r.check(&report, statuses)
	return report
}

// setup builds the initial state, retried as in the simulator.
func (r *run) setup() string {
	if r.declaration.Setup == nil {
		return ""
	}
	c := r.newClient(0)
	r.baton.Lock()
	defer r.baton.Unlock()
	var err error
	for range setupAttemptsMax {
		if err = r.declaration.Setup(c); err == nil {
			return ""
		}
		c.Sleep(setupPause)
	}
	return fmt.Sprintf("the setup failed %d times: %v", setupAttemptsMax, err)
}

// runClients runs the clients' operations until the duration passes or
// ctx ends.
func (r *run) runClients() {
	deadline := time.Now().Add(r.options.Duration)
	var clients sync.WaitGroup
	for i := range r.options.Clients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			c := r.newClient(i + 1)
			r.baton.Lock()
			defer r.baton.Unlock()
			for time.Now().Before(deadline) && r.ctx.Err() == nil {
				r.declaration.Operation(c)
				r.operations++
				if r.options.PauseMax > 0 {
					c.Sleep(time.Duration(c.random.Int64N(int64(r.options.PauseMax))))
				}
			}
		}()
	}
	clients.Wait()
}

// finish waits until every processor holds nothing (every deadline
// passed, every termination resolved), then runs the final operations.
func (r *run) finish() {
	waitedUntil := time.Now().Add(quietMax)
	for time.Now().Before(waitedUntil) && !r.quiet() {
		time.Sleep(quietPoll)
	}
	if r.declaration.Final != nil {
		r.baton.Lock()
		r.declaration.Final(r.newClient(r.options.Clients + 1))
		r.baton.Unlock()
	}
}

// quiet reports whether every processor holds nothing.
func (r *run) quiet() bool {
	for _, status := range r.statuses() {
		if status.Down || !workloads.Idle(status.Status) {
			return false
		}
	}
	return true
}

func (r *run) statuses() []workloads.StreamStatus {
	var statuses []workloads.StreamStatus
	for _, spec := range r.declaration.Streams {
		status, err := r.db.Status(spec.Name)
		statuses = append(statuses, workloads.StreamStatus{Stream: spec.Name, Down: err != nil, Status: status})
	}
	return statuses
}

// check reads the logs back from disk, settles the history and runs the
// checks: the workload's, then atomicity, liveness and unique requests.
func (r *run) check(report *Report, statuses []workloads.StreamStatus) {
	names := make([]string, len(r.declaration.Streams))
	for i, spec := range r.declaration.Streams {
		names[i] = spec.Name
	}
	logs, err := live.ReadLogs(r.options.Dir, names, r.options.Logger)
	if err != nil {
		report.Reason = fmt.Sprintf("reading the logs back: %v", err)
		return
	}
	logResults, settled := workloads.CheckStreamLogs(&report.History, r.declaration.Streams, logs)
	report.Settled = settled
	report.Checks = r.declaration.RunChecks(report.History)
	report.Checks = append(report.Checks, logResults[0], workloads.CheckLiveness(statuses))
	report.Checks = append(report.Checks, logResults[1:]...)
	reason, result, found := workloads.FirstIllegal(report.Checks)
	report.OK = !found
	report.Reason, report.Detail = reason, result.Explanation
}
