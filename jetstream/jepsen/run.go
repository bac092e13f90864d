package jepsen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/jetstream/natscluster"
	"github.com/proven2pc/proven/jetstream/remote"
)

// Config describes one run. Zero fields take their defaults.
type Config struct {
	// Namespace of the deployment's streams, buckets and subjects
	// (default "jepsen").
	Namespace string
	// Streams are the deployment's KV streams (default a, b, c).
	Streams []string
	// Nodes are the Proven node ids, one child process each (default 1, 2).
	Nodes []uint32
	// Replicas of the streams and buckets (default 3).
	Replicas int
	// LeaseTTL of the processors' leases (default 2s).
	LeaseTTL time.Duration
	// Duration is how long the workloads run under the nemesis (default 20s).
	Duration time.Duration
	// Clients is the number of client goroutines per workload (default 3).
	Clients int
	// TxnTimeout is each read-write transaction's timeout (default 2s).
	TxnTimeout time.Duration
	// PhaseAttempts bounds the leader kills aimed, after Duration, at the
	// phases of two-phase commit no kill hit yet (default 24; the
	// workloads keep running meanwhile). A kill hits a commit only when
	// it beats the replication of a Commit entry, so single attempts
	// often miss; PhaseTime bounds the time they take (default 90s).
	PhaseAttempts int
	PhaseTime     time.Duration
	// Seed drives the clients' and the nemesis's choices.
	Seed uint64
	// Command runs a proven-node process (required).
	Command Command
	// NodeLog receives the node processes' stderr (default discarded).
	NodeLog io.Writer
	// Logf, when set, narrates the run (faults, phases).
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() (Config, error) {
	if c.Command == nil {
		return c, errors.New("jepsen: Config.Command is required")
	}
	if c.Namespace == "" {
		c.Namespace = "jepsen"
	}
	if len(c.Streams) == 0 {
		c.Streams = []string{"a", "b", "c"}
	}
	if len(c.Nodes) == 0 {
		c.Nodes = []uint32{1, 2}
	}
	if c.Replicas == 0 {
		c.Replicas = 3
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = 2 * time.Second
	}
	if c.Duration == 0 {
		c.Duration = 20 * time.Second
	}
	if c.Clients == 0 {
		c.Clients = 3
	}
	if c.TxnTimeout == 0 {
		c.TxnTimeout = 2 * time.Second
	}
	if c.PhaseAttempts == 0 {
		c.PhaseAttempts = 24
	}
	if c.PhaseTime == 0 {
		c.PhaseTime = 90 * time.Second
	}
	if c.NodeLog == nil {
		c.NodeLog = io.Discard
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// Report is what a run recorded and what the checkers found.
type Report struct {
	// Bank, ListAppend and Register are the workloads' histories, info
	// completions settled from the streams' contents.
	Bank, ListAppend, Register checkers.History
	// Faults is the nemesis's timeline, on the histories' clock.
	Faults []Fault
	// BankResults, ListAppendResults and RegisterResults are the
	// checkers' verdicts: atomicity from the streams and unique requests
	// for each, then bank totals, or list-append serializability, strict
	// serializability and read-only snapshots, or linearizability per
	// register.
	BankResults, ListAppendResults, RegisterResults []checkers.Result
	// Committed counts the ok read-write transactions.
	Committed int64
	// LeaderKills classifies the kills of a stream leader by the phase of
	// two-phase commit they hit.
	LeaderKills LeaderKills
	// Settled counts the info completions settled from the logs, of which
	// SettledCommitted stayed info (committed, with a commit timestamp).
	Settled, SettledCommitted int
}

// histories returns the workloads' histories.
func (r Report) histories() []checkers.History {
	return []checkers.History{r.Bank, r.ListAppend, r.Register}
}

// Failed returns the results whose verdict is not ok.
func (r Report) Failed() []checkers.Result {
	var failed []checkers.Result
	for _, result := range slices.Concat(r.BankResults, r.ListAppendResults, r.RegisterResults) {
		if result.Verdict != checkers.VerdictOK {
			failed = append(failed, result)
		}
	}
	return failed
}

// Count returns how many faults of the timeline did action to a target
// whose name starts with prefix ("nats-" or "node-"); leaders only counts
// the kills of a stream leader.
func (r Report) Count(action, prefix string, leaders bool) int {
	count := 0
	for _, fault := range r.Faults {
		if fault.Action == action && len(fault.Target) >= len(prefix) && fault.Target[:len(prefix)] == prefix &&
			(!leaders || len(fault.Led) > 0) {
			count++
		}
	}
	return count
}

// runState is what the clients of a run share.
type runState struct {
	deployment *deployment
	clients    map[uint32]*remote.Client
	committed  atomic.Int64
}

// pick returns the client of a node picked among those running (any node
// when none runs).
func (r *runState) pick(random *rand.Rand) *remote.Client {
	running := r.deployment.running()
	if len(running) == 0 {
		running = r.deployment.config.Nodes
	}
	return r.clients[running[random.IntN(len(running))]]
}

// Run starts the nodes as child processes on cluster, runs the bank,
// list-append and register workloads while the nemesis kills and
// restarts NATS servers (stream leaders first) and node processes
// (SIGKILL) and pauses nodes (SIGSTOP, SIGCONT), heals everything, reads
// the streams and checks.
func Run(ctx context.Context, cluster *natscluster.Cluster, config Config) (Report, error) {
	r, err := begin(ctx, cluster, config)
	if err != nil {
		return Report{}, err
	}
	defer r.close()
	r.config.Logf("jepsen: bank set up; workloads and nemesis for %s", r.config.Duration)
	r.startClients(ctx)
	nemesisRandom := rand.New(rand.NewPCG(r.config.Seed, 0))
	nemesisError := runNemesis(ctx, r.deployment, r.watcher, r.faults, nemesisRandom, r.start.Add(r.config.Duration))
	if nemesisError == nil {
		nemesisError = aimMissing(ctx, r.deployment, r.watcher, r.faults, nemesisRandom, r.config.PhaseAttempts,
			time.Now().Add(r.config.PhaseTime))
	}
	r.stopClients()
	if nemesisError != nil {
		return Report{}, nemesisError
	}
	return r.finish(ctx)
}

// workloadRun is a run's deployment, its workloads' keys and histories,
// and their client goroutines.
type workloadRun struct {
	config     Config
	nc         *nats.Conn
	deployment *deployment
	state      *runState
	watcher    *watcher
	accounts   []keyRef
	lists      []keyRef
	registers  *registers
	// start is the histories' and the fault timeline's time zero.
	start                      time.Time
	faults                     *timeline
	bank, listAppend, register *recorder

	clients     sync.WaitGroup
	stopped     atomic.Bool
	nextElement atomic.Int64
}

// begin connects to cluster, starts the nodes as child processes and
// the watcher of published entries, and sets up the bank. Close it.
func begin(ctx context.Context, cluster *natscluster.Cluster, config Config) (*workloadRun, error) {
	config, err := config.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &workloadRun{config: config, accounts: keysOf(config.Streams, "acct", bankAccounts),
		lists: keysOf(config.Streams, "list", listKeys), registers: newRegisters(keysOf(config.Streams, "reg", registerKeys))}
	r.nc, err = nats.Connect(cluster.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("jepsen: %w", err)
	}
	js, err := jetstream.New(r.nc)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("jepsen: %w", err)
	}
	r.deployment = &deployment{config: config, cluster: cluster, command: config.Command, nc: r.nc, js: js,
		nodes: map[uint32]*nodeProcess{}}
	for _, id := range config.Nodes {
		if err := r.deployment.startNode(id); err != nil {
			r.close()
			return nil, err
		}
	}
	r.state = &runState{deployment: r.deployment, clients: map[uint32]*remote.Client{}}
	for _, id := range config.Nodes {
		r.state.clients[id] = remote.New(r.nc, config.Namespace, id)
	}
	if r.watcher, err = watch(r.nc, config.Namespace); err != nil {
		r.close()
		return nil, fmt.Errorf("jepsen: %w", err)
	}
	if err := setupBank(ctx, r.state, rand.New(rand.NewPCG(config.Seed, 1)), r.accounts); err != nil {
		r.close()
		return nil, err
	}
	r.start = time.Now()
	r.faults = &timeline{start: r.start}
	r.bank, r.listAppend, r.register = newRecorder(r.start), newRecorder(r.start), newRecorder(r.start)
	return r, nil
}

// close stops the watcher and the nodes and closes the connection.
func (r *workloadRun) close() {
	if r.watcher != nil {
		r.watcher.stop()
	}
	if r.deployment != nil {
		r.deployment.stopAll()
	}
	r.nc.Close()
}

// startClients starts Config.Clients client goroutines per workload,
// each repeating its workload's operation until stopClients.
func (r *workloadRun) startClients(ctx context.Context) {
	for i := range r.config.Clients {
		for w, recorder := range []*recorder{r.bank, r.listAppend, r.register} {
			c := &client{run: r.state, recorder: recorder, process: recorder.process(), timeout: r.config.TxnTimeout,
				random: rand.New(rand.NewPCG(r.config.Seed, uint64(2+3*i+w)))}
			r.clients.Go(func() {
				for !r.stopped.Load() && ctx.Err() == nil {
					switch recorder {
					case r.bank:
						c.bankOperation(r.accounts)
					case r.listAppend:
						c.listAppendOperation(r.lists, &r.nextElement)
					default:
						c.registerOperation(r.registers)
					}
				}
			})
		}
	}
}

// stopClients stops the client goroutines once their operations end.
func (r *workloadRun) stopClients() {
	r.stopped.Store(true)
	r.clients.Wait()
}

// finish reads every balance, list and register once healed, then the
// streams, settles the info completions from them and checks.
func (r *workloadRun) finish(ctx context.Context) (Report, error) {
	r.config.Logf("jepsen: healed; final reads")
	if err := r.finalReads(ctx); err != nil {
		return Report{}, err
	}
	report := Report{Bank: r.bank.history(), ListAppend: r.listAppend.history(), Register: r.register.history(),
		Faults: r.faults.all(), Committed: r.state.committed.Load()}
	return report, check(ctx, r.nc, r.config, &report)
}

// setupBank gives every account its opening balance, retrying until the
// nodes host the streams; a read first tells whether an earlier attempt
// whose outcome was unknown committed.
func setupBank(ctx context.Context, state *runState, random *rand.Rand, accounts []keyRef) error {
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		node := state.pick(random)
		_, found, err := kv.New(node.BeginReadOnly(ctx), accounts[0].stream).GetInt(ctx, accounts[0].key)
		if err == nil && found {
			return nil
		}
		if err == nil {
			last = setupAccounts(ctx, node, accounts)
		} else {
			last = err
		}
	}
	return fmt.Errorf("jepsen: setting up the bank: %w", last)
}

// finalReads reads every balance, every list and every register once
// the faults are healed, retrying each read until it succeeds: the
// checkers then judge a read after every fault.
func (r *workloadRun) finalReads(ctx context.Context) error {
	type finalRead struct {
		client *client
		read   func(c *client) bool
	}
	random := rand.New(rand.NewPCG(0, 0))
	clientOf := func(recorder *recorder) *client {
		return &client{run: r.state, recorder: recorder, random: random, process: recorder.process()}
	}
	reads := []finalRead{
		{clientOf(r.bank), func(c *client) bool { return c.readBalances(r.accounts) }},
		{clientOf(r.listAppend), func(c *client) bool { return c.readLists(r.lists) }},
	}
	registerClient := clientOf(r.register)
	for _, key := range r.registers.keys {
		reads = append(reads, finalRead{registerClient, func(c *client) bool { return c.readRegister(r.registers, key) }})
	}
	deadline := time.Now().Add(time.Minute)
	for _, final := range reads {
		for !final.read(final.client) {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return errors.New("jepsen: no final read succeeded within a minute of healing")
			}
		}
	}
	return nil
}
