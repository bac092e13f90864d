package workloads

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
)

// Workload is a system under test and what its clients do to it. Proven's
// own workloads implement it exactly as yours do: Run calls Build once per
// run, and the harness drives what Build declared through the same phases
// (a fault-free setup, the faults and the clients, healing and a quiet
// period, the final operations, then the checks).
//
// A workload's value is its parameters: a seed file records the JSON its
// value marshals to, and Decode rebuilds it from there into a zero value
// of its type, so everything that changes a run must be an exported
// field (unexported fields are zero in a replay).
type Workload interface {
	// Name names the workload in seed files, run lines and the registry:
	// letters, digits, '.', '_' and '-', and the same for every value of
	// one type.
	Name() string
	// Build declares one run on b: the system (Builder.Cluster for
	// Proven's engines, or Builder.World for nodes of your own), the
	// clients' operation, and the checks. State the run's clients share
	// (counters, models) belongs in Build's closures, so each run starts
	// afresh.
	Build(b *Builder)
}

// Client is one client thread of a run, as the operations a workload
// declares see it. In the simulator it is a process (see Process); the
// same operations can run on a goroutine with real time, so they reach
// their environment only through this interface.
type Client interface {
	// Now reads the client's local clock, in nanoseconds.
	Now() int64
	// Sleep waits for d (virtual time in the simulator).
	Sleep(d time.Duration)
	// Rand is the client's own PRNG stream, drawn from the run's seed.
	Rand() *rand.Rand
	// Transactions begins transactions on Proven's engines; nil when the
	// workload runs on a world of its own.
	Transactions() Transactions
	// Record appends an event to the run's history, filling in its
	// process and time. After an info completion the client continues
	// as a fresh process, as a Jepsen history requires.
	Record(event checkers.Event)
}

// Transactions begins transactions. In the simulator it is a client's
// coordinator (Coordinated); on the real runtime, a store's (package
// liverun).
type Transactions interface {
	Begin(ctx context.Context, timeout time.Duration) Txn
	BeginReadOnly(ctx context.Context) ReadTxn
	AdHoc() engines.Executor
	// BeginCategory and BeginReadOnlyCategory begin a transaction of a
	// named shape with its arguments, for speculative execution (see
	// coordinator.Coordinator.BeginCategory); with speculation off, or
	// where there is none, they are Begin and BeginReadOnly.
	BeginCategory(ctx context.Context, timeout time.Duration, category string, arguments ...value.Value) Txn
	BeginReadOnlyCategory(ctx context.Context, category string, arguments ...value.Value) ReadTxn
}

// Txn is a read-write transaction: a *coordinator.Txn in the simulator,
// a *live.Txn on the real runtime. Its operations run through Execute (the
// typed clients take it as their engines.Executor); Commit's answers are
// the coordinator's (nil, an abort matching engines.ErrAborted, or
// coordinator.ErrIndeterminate).
type Txn interface {
	engines.Executor
	// ID is the transaction id, recorded with its operation.
	ID() engines.TxnID
	// CommitTimestamp is the commit timestamp once committed.
	CommitTimestamp() clock.Timestamp
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// ReadTxn is a read-only transaction: every read at one snapshot.
type ReadTxn interface {
	engines.Executor
	Snapshot() clock.Timestamp
}

// Coordinated returns a coordinator's Transactions: what a client of a
// simulated cluster gets.
func Coordinated(c *coordinator.Coordinator) Transactions { return coordinated{c} }

// coordinated adapts a coordinator's concrete transaction types to the
// interfaces (Go has no covariant results).
type coordinated struct{ c *coordinator.Coordinator }

func (t coordinated) Begin(ctx context.Context, timeout time.Duration) Txn {
	return t.c.Begin(ctx, timeout)
}
func (t coordinated) BeginReadOnly(ctx context.Context) ReadTxn { return t.c.BeginReadOnly(ctx) }
func (t coordinated) AdHoc() engines.Executor                   { return t.c.AdHoc() }

// Now and BeginReadOnlyAt make a coordinator's Transactions a
// snapshotReader: reads at older snapshots run in the simulator.
func (t coordinated) Now() clock.Timestamp { return t.c.Now() }
func (t coordinated) BeginReadOnlyAt(ctx context.Context, snapshot clock.Timestamp) ReadTxn {
	return t.c.BeginReadOnlyAt(ctx, snapshot)
}

func (t coordinated) BeginCategory(ctx context.Context, timeout time.Duration, category string,
	arguments ...value.Value) Txn {
	return t.c.BeginCategory(ctx, timeout, category, arguments...)
}

func (t coordinated) BeginReadOnlyCategory(ctx context.Context, category string, arguments ...value.Value) ReadTxn {
	return t.c.BeginReadOnlyCategory(ctx, category, arguments...)
}

// Check is a named check of a run's history: one of the checkers
// package's, or a function of your own.
type Check struct {
	Name string
	Run  func(history checkers.History) (checkers.Result, error)
}

// Harness defaults for the system a workload declares, where its config
// leaves a field zero.
const (
	// virtualTimeMax and eventsMax bound every run.
	virtualTimeMax = 10 * time.Minute
	eventsMax      = 20_000_000
	engineNodes    = 2
	clientNodes    = 2
	// checkpointEvery is the processors' checkpoint interval (entries):
	// often, so that crashed engine nodes recover from a checkpoint plus
	// a replay, not only from the start of the log.
	checkpointEvery = 128
	// deltasPerCheckpoint is how many incremental checkpoints follow a
	// full one, for engines that write deltas (KV).
	deltasPerCheckpoint = 7
	// versionRetention and collectEvery make garbage collection run in
	// every cluster run: the processors raise their watermark to 2s
	// behind the log every 64 positions (old-snapshot reads go at most
	// 1s back).
	versionRetention = 2 * time.Second
	collectEvery     = 64
)

// Builder is what a workload's Build declares one run on. Its methods
// may be called only from Build.
type Builder struct {
	options   Options
	system    system
	setup     func(Client) error
	operation func(Client)
	final     func(Client)
	checks    []Check
	// declaring is set by Declare: Cluster records its streams instead
	// of building a simulated cluster, and World is refused.
	declaring bool
	streams   []cluster.StreamSpec
	world     bool
}

// Seed returns the run's seed.
func (b *Builder) Seed() uint64 { return b.options.Seed }

// Clients returns the number of client processes the run will have.
func (b *Builder) Clients() int { return b.options.Clients }

// Operations returns the number of operations each client will run.
func (b *Builder) Operations() int { return b.options.Operations }

// Cluster declares the system a simulated cluster of Proven's engines
// and returns it. The harness sets the config's seed, trace and fault
// fields (the faults start after the setup); zero fields take the
// harness defaults (2 engine nodes, 2 client nodes, a processor
// checkpoint every 128 entries, for KV a full one then 7 deltas, old
// versions collected 2s behind the log every 64 positions, 10 minutes of
// virtual time and 20 million events at most). Clients get a coordinator each (Client.Transactions);
// after the run the checks end with atomicity (from the stream logs,
// which also settle indeterminate outcomes) and liveness. Outside the
// simulator (Declare, package liverun) it records the streams and returns
// nil.
func (b *Builder) Cluster(config cluster.Config) *cluster.Cluster {
	b.requireNoSystem("Cluster")
	if b.declaring {
		b.streams = append([]cluster.StreamSpec{}, config.Streams...)
		return nil
	}
	config.Seed, config.Trace = b.options.Seed, b.options.Trace
	config.Faults, config.FaultPhase, config.FaultPlan = b.options.Faults, b.options.FaultPhase, b.options.Plan
	config.FaultsAfterSetup = true
	config.Coverage = config.Coverage || b.options.Coverage
	if config.Speculation == cluster.SpeculationOff {
		config.Speculation = b.options.Speculation
	}
	config.EngineNodes = defaulted(config.EngineNodes, engineNodes)
	config.Clients = defaulted(config.Clients, clientNodes)
	config.CheckpointEvery = defaulted(config.CheckpointEvery, checkpointEvery)
	config.DeltasPerCheckpoint = defaulted(config.DeltasPerCheckpoint, deltasPerCheckpoint)
	config.VersionRetention = defaulted(config.VersionRetention, versionRetention)
	config.CollectEvery = defaulted(config.CollectEvery, collectEvery)
	config.VirtualTimeMax = defaulted(config.VirtualTimeMax, virtualTimeMax)
	config.EventsMax = defaulted(config.EventsMax, eventsMax)
	built := cluster.New(config)
	b.system = &clusterSystem{cluster: built, streams: config.Streams}
	return built
}

// World declares the system nodes of your own on a plain simulated world
// and returns the world: add your nodes to it in Build. The harness sets
// the config's seed and trace; zero bounds take the harness defaults.
// After Build it adds a client node per client (named client1, client2,
// ...) and one for the setup and final operations (named harness), draws
// the fault plan from the seed's "faults/plan" stream, and starts it after
// the setup. Clients have no Transactions; reach your nodes through
// Process(client).
func (b *Builder) World(config sim.Config) *sim.World {
	b.requireNoSystem("World")
	if b.declaring {
		b.world = true
		panic(worldDeclared{})
	}
	config.Seed, config.Trace = b.options.Seed, b.options.Trace
	config.VirtualTimeMax = defaulted(config.VirtualTimeMax, virtualTimeMax)
	config.EventsMax = defaulted(config.EventsMax, eventsMax)
	world := sim.NewWorld(config)
	var plan sim.FaultPlan
	if b.options.Plan != nil {
		plan = *b.options.Plan
	} else {
		plan = sim.DrawFaultPlan(b.options.Faults, world.Rand("faults/plan"), b.options.FaultPhase)
	}
	b.system = &worldSystem{simulated: world, plan: plan}
	return world
}

// Setup declares the initial state's setup: it runs fault-free before
// the clients start, retried (up to 20 times) until it returns nil.
// Without one there is no setup.
func (b *Builder) Setup(setup func(c Client) error) { b.setup = setup }

// Operation declares one client operation: each client runs it
// Operations() times, sleeping up to 100ms of virtual time in between.
// Required.
func (b *Builder) Operation(operation func(c Client)) { b.operation = operation }

// Final declares operations that run once, after the clients finished,
// the faults healed and a quiet period passed (final reads to check).
func (b *Builder) Final(final func(c Client)) { b.final = final }

// Check adds a check of the run's history; checks run in the order
// added. A check that returns an error counts as illegal.
func (b *Builder) Check(name string, check func(history checkers.History) (checkers.Result, error)) {
	b.checks = append(b.checks, Check{Name: name, Run: check})
}

func (b *Builder) requireNoSystem(method string) {
	if b.system != nil || b.streams != nil {
		panic(fmt.Sprintf("workloads: Builder.%s called after the system was declared (call Cluster or World once)", method))
	}
}

func defaulted[T int | uint64 | time.Duration](value, fallback T) T {
	if value <= 0 {
		return fallback
	}
	return value
}

// Process returns the simulated process running a client, for workloads
// whose clients talk to nodes of their own (Send, Receive); nil when the
// client does not run in the simulator.
func Process(c Client) *sim.Process {
	if simulated, ok := c.(*simClient); ok {
		return simulated.process
	}
	return nil
}
