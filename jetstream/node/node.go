package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/coordinator/runner"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/processor"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/jslog"
	"github.com/proven2pc/proven/live/sessions"
)

// Errors of Start and of the handle.
var (
	// ErrBadConfig: a Config no node could run.
	ErrBadConfig = errors.New("node: bad config")
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("node: closed")
	// ErrUnknownStream: an operation on a stream the Config does not name.
	ErrUnknownStream = errors.New("node: unknown stream")
)

// Config describes one node of a deployment. Every node of a deployment
// takes the same Namespace, Streams and Nodes.
type Config struct {
	// URL lists the NATS servers, comma-separated
	// ("nats://127.0.0.1:4222,nats://127.0.0.1:4223").
	URL string
	// Namespace prefixes the deployment's streams, buckets and subjects
	// (default "proven").
	Namespace string
	// Streams are the deployment's streams and their engines.
	Streams []catalog.StreamSpec
	// ID is this node's id, one of Nodes.
	ID uint32
	// Nodes are the ids of every node of the deployment, in placement
	// order (the runner places stream i on node i mod len(Nodes) first).
	Nodes []uint32
	// Replicas is the replication factor of the streams and buckets this
	// node creates when they do not exist (default 1; 3 on a three-server
	// cluster).
	Replicas int
	// LeaseTTL is how long a lease outlives its holder's last renewal
	// (default 3s): a stream whose node died moves after at most this.
	LeaseTTL time.Duration
	// HeartbeatInterval is the runner's tick and the nodes' heartbeat
	// period (default 100ms); HeartbeatMissesMax intervals without a
	// heartbeat make a node dead (default 5).
	HeartbeatInterval  time.Duration
	HeartbeatMissesMax int
	// TickInterval: a hosted stream whose log is idle this long gets a
	// tick entry (default 20ms).
	TickInterval time.Duration
	// ProcessorTick is the processors' Tick period (default 100ms).
	ProcessorTick time.Duration
	// RetryInterval and ReadTimeout are the coordinators' (defaults 100ms
	// and 10s).
	RetryInterval time.Duration
	ReadTimeout   time.Duration
	// SessionsMax bounds the transactions in progress at once (default
	// 1024).
	SessionsMax int
	// VersionRetention is how far behind its log's time a stream keeps
	// old versions for snapshot reads (default 5s).
	VersionRetention time.Duration
	// Speculation gives the coordinators a shared predictor: transactions
	// begun with a category send their predicted operations at begin, in
	// parallel (coordinator.Coordinator.BeginCategory).
	Speculation bool
	// PrepareAhead, with Speculation, lets a transaction whose whole
	// sequence of operations is predicted append its Prepares right
	// behind the predictions, leaving Commit one round
	// (coordinator.PredictorConfig.PrepareAhead).
	PrepareAhead bool
	// Prediction sets the predictor's thresholds when Speculation is on
	// (zero fields: the coordinator's defaults); PrepareAhead sets its
	// PrepareAhead.
	Prediction coordinator.PredictorConfig
	Logger     *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Namespace == "" {
		c.Namespace = "proven"
	}
	if len(c.Streams) == 0 {
		return c, fmt.Errorf("%w: no stream", ErrBadConfig)
	}
	for i, spec := range c.Streams {
		if spec.Name == "" || spec.Restore == nil {
			return c, fmt.Errorf("%w: Streams[%d] needs a name and an engine", ErrBadConfig, i)
		}
	}
	if len(c.Nodes) == 0 || !slices.Contains(c.Nodes, c.ID) {
		return c, fmt.Errorf("%w: node id %d is not among the nodes %v", ErrBadConfig, c.ID, c.Nodes)
	}
	if c.ID == 0 || c.ID >= 1<<20 {
		return c, fmt.Errorf("%w: node id %d (1 to 2^20-1)", ErrBadConfig, c.ID)
	}
	setDefault(&c.LeaseTTL, 3*time.Second)
	setDefault(&c.HeartbeatInterval, 100*time.Millisecond)
	setDefault(&c.HeartbeatMissesMax, 5)
	setDefault(&c.TickInterval, 20*time.Millisecond)
	setDefault(&c.ProcessorTick, 100*time.Millisecond)
	setDefault(&c.RetryInterval, 100*time.Millisecond)
	setDefault(&c.ReadTimeout, 10*time.Second)
	setDefault(&c.SessionsMax, 1024)
	setDefault(&c.VersionRetention, 5*time.Second)
	setDefault(&c.Replicas, 1)
	if c.SessionsMax >= 1<<slotBits {
		return c, fmt.Errorf("%w: SessionsMax %d (below 2^%d)", ErrBadConfig, c.SessionsMax, slotBits)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func setDefault[T int | time.Duration](value *T, fallback T) {
	if *value <= 0 {
		*value = fallback
	}
}

// Node is one Proven process of a deployment on NATS: coordinators for
// the transactions of its clients, and the processors of the streams the
// runner assigns it and whose leases it holds. See the package
// documentation.
type Node struct {
	config      Config
	subjects    subjects
	specs       map[string]catalog.StreamSpec
	byAddress   map[wire.Address]string
	nc          *nats.Conn
	log         *jslog.Log
	leases      *leases
	meta        jetstream.KeyValue
	incarnation uint64
	clock       *sessions.Clock
	predictor   *coordinator.Predictor
	sessions    *sessions.Pool

	mutex      sync.Mutex
	assignment runner.MsgAssignment
	hosts      map[string]*processorHost
	// parked keeps the processors of streams no longer hosted: a host
	// started again later resumes from one (its state is a function of
	// the log prefix it applied).
	parked map[string]*processor.Processor
	runner *runnerHost
	// leaseWake asks the lease loop for a round now.
	leaseWake chan struct{}

	subscriptions []*nats.Subscription
	stop          chan struct{}
	loops         sync.WaitGroup
	// finishing counts the goroutines finishing a decided transaction's
	// commit round (Txn.Commit).
	finishing sync.WaitGroup
	closeOnce sync.Once
}

// Start connects to NATS, opens the deployment's streams (creating what
// does not exist), counts this process's incarnation, and starts the
// heartbeats and the lease loop. It returns once every stream's log is
// read to its end.
func Start(ctx context.Context, config Config) (*Node, error) {
	config, err := config.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Node{config: config, subjects: subjects{config.Namespace}, specs: map[string]catalog.StreamSpec{},
		byAddress: map[wire.Address]string{}, hosts: map[string]*processorHost{},
		parked: map[string]*processor.Processor{}, leaseWake: make(chan struct{}, 1), stop: make(chan struct{})}
	names := make([]string, len(config.Streams))
	for i, spec := range config.Streams {
		n.specs[spec.Name] = spec
		n.byAddress[processorAddress(spec.Name)] = spec.Name
		names[i] = spec.Name
	}
	if config.Speculation {
		prediction := config.Prediction
		prediction.PrepareAhead = prediction.PrepareAhead || config.PrepareAhead
		n.predictor = coordinator.NewPredictor(prediction)
	}
	n.nc, err = nats.Connect(config.URL, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond),
		nats.Name(fmt.Sprintf("proven-node-%d", config.ID)))
	if err != nil {
		return nil, fmt.Errorf("node: connecting to %s: %w", config.URL, err)
	}
	if err := n.open(ctx, names); err != nil {
		n.nc.Close()
		return nil, err
	}
	n.start()
	return n, nil
}

// open opens the log, the buckets and the incarnation, then restores the
// clock above every stream's head.
func (n *Node) open(ctx context.Context, names []string) error {
	log, err := jslog.Open(ctx, n.nc, jslog.Config{Namespace: n.config.Namespace, Streams: names,
		Replicas: n.config.Replicas, Create: true, Deliver: n.fromLog, Logger: n.config.Logger})
	if err != nil {
		return err
	}
	n.log = log
	if err := n.openBuckets(ctx); err != nil {
		log.Close()
		return err
	}
	n.incarnation, err = nextIncarnation(ctx, n.meta)
	if err != nil {
		log.Close()
		return err
	}
	n.leases.value = []byte(fmt.Sprintf("%d/%d", n.config.ID, n.incarnation))
	n.clock = sessions.NewClock(clock.NewHLC(clock.Real{}, 1<<31|uint32(n.incarnation&(1<<31-1))))
	for _, name := range names {
		_, head := log.Head(name)
		n.clock.Observe(head)
	}
	incarnation := n.incarnation
	n.sessions = sessions.NewPool(sessions.Config{Max: n.config.SessionsMax,
		Address: func(slot int) wire.Address { return sessionAddress(incarnation, slot) },
		// the incarnation above the slot: origins never repeat across
		// processes and restarts
		Origin: func(slot int) uint64 { return incarnation<<slotBits | uint64(slot) },
		Send:   n.send,
		Coordinator: func(slot int) coordinator.Config {
			return coordinator.Config{ID: uint32(slot + 1), Log: logAddress, Processor: processorAddress,
				RetryInterval: n.config.RetryInterval, ReadTimeout: n.config.ReadTimeout, Timestamps: n.clock,
				Predictor: n.predictor}
		},
		Closed: ErrClosed})
	return nil
}

// openBuckets opens (or creates) the leases bucket, whose keys expire
// LeaseTTL after their last write, and the meta bucket (incarnations,
// the runner's placement).
func (n *Node) openBuckets(ctx context.Context) error {
	js := n.log.JetStream()
	var leasesBucket jetstream.KeyValue
	err := jslog.Retry(ctx, func(ctx context.Context) error {
		var err error
		leasesBucket, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: n.config.Namespace + "_leases",
			TTL: n.config.LeaseTTL, History: 1, Replicas: n.config.Replicas, Storage: jetstream.FileStorage})
		if err != nil {
			return err
		}
		n.meta, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: n.config.Namespace + "_meta",
			History: 1, Replicas: n.config.Replicas, Storage: jetstream.FileStorage})
		return err
	})
	if err != nil {
		return fmt.Errorf("node: key-value buckets: %w", err)
	}
	n.leases = &leases{kv: leasesBucket, ttl: n.config.LeaseTTL}
	return nil
}

// nextIncarnation counts this process in the meta bucket: every process
// of the deployment, and every restart, gets a number of its own, which
// makes its request origins, session addresses and transaction ids
// unique.
func nextIncarnation(ctx context.Context, meta jetstream.KeyValue) (uint64, error) {
	var incarnation uint64
	err := jslog.Retry(ctx, func(ctx context.Context) error {
		entry, err := meta.Get(ctx, "incarnation")
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := meta.Create(ctx, "incarnation", []byte("1")); err != nil {
				return err
			}
			incarnation = 1
			return nil
		}
		if err != nil {
			return err
		}
		last, err := strconv.ParseUint(string(entry.Value()), 10, 64)
		if err != nil {
			return fmt.Errorf("node: the incarnation counter holds %q", entry.Value())
		}
		if _, err := meta.Update(ctx, "incarnation", []byte(strconv.FormatUint(last+1, 10)), entry.Revision()); err != nil {
			return context.DeadlineExceeded // another process counted first: try again
		}
		incarnation = last + 1
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("node: counting the incarnation: %w", err)
	}
	if incarnation >= 1<<40 {
		return 0, fmt.Errorf("node: incarnation %d beyond 2^40", incarnation)
	}
	return incarnation, nil
}

// start subscribes to this incarnation's and this node's subjects and
// starts the heartbeat and lease loops.
func (n *Node) start() {
	subscribe := func(subject string, handler nats.MsgHandler) {
		subscription, err := n.nc.Subscribe(subject, handler)
		if err == nil {
			n.subscriptions = append(n.subscriptions, subscription)
		}
	}
	subscribe(n.subjects.incarnation(n.incarnation), n.receiveForSession)
	subscribe(n.subjects.node(n.config.ID), n.receiveForNode)
	n.loops.Add(2)
	go n.heartbeatLoop()
	go n.leaseLoop()
}

func (n *Node) receiveForSession(msg *nats.Msg) {
	from, to, message, err := decodeEnvelope(msg.Data)
	if err != nil || to&spaceMask != sessionSpace || incarnationOf(to) != n.incarnation {
		return
	}
	n.sessions.Deliver(int(to&slotMask), from, message)
}

func (n *Node) receiveForNode(msg *nats.Msg) {
	_, _, message, err := decodeEnvelope(msg.Data)
	if assignment, ok := message.(runner.MsgAssignment); err == nil && ok {
		n.adopt(assignment)
	}
}

// fromLog is the log's Deliver: its answers go to this process's
// processors and sessions only.
func (n *Node) fromLog(to wire.Address, message any) {
	switch to & spaceMask {
	case processorSpace:
		n.mutex.Lock()
		host := n.hosts[n.byAddress[to]]
		n.mutex.Unlock()
		if host != nil {
			host.deliver(logAddress, message)
		}
	case sessionSpace:
		if incarnationOf(to) == n.incarnation {
			n.sessions.Deliver(int(to&slotMask), logAddress, message)
		}
	}
}

// send routes a message: to this process's log, to a local session or
// processor directly, else over NATS to the recipient's subject. It never
// blocks; a message that cannot go is dropped, and its sender retries.
func (n *Node) send(from, to wire.Address, message any) {
	switch {
	case to == logAddress:
		_ = n.log.Send(from, message)
		return
	case to&spaceMask == sessionSpace && incarnationOf(to) == n.incarnation:
		n.sessions.Deliver(int(to&slotMask), from, message)
		return
	case to&spaceMask == processorSpace:
		n.mutex.Lock()
		host := n.hosts[n.byAddress[to]]
		n.mutex.Unlock()
		if host != nil {
			host.deliver(from, message)
			return
		}
	}
	subject, ok := n.subjectOf(to)
	if !ok {
		return
	}
	data, err := encodeEnvelope(from, to, message)
	if err != nil {
		n.config.Logger.Debug("node: cannot send", "error", err)
		return
	}
	_ = n.nc.Publish(subject, data)
}

func (n *Node) subjectOf(to wire.Address) (string, bool) {
	switch {
	case to == runnerAddress:
		return n.subjects.runner(), true
	case to&spaceMask == processorSpace:
		stream, ok := n.byAddress[to]
		return n.subjects.processor(stream), ok
	case to&spaceMask == sessionSpace:
		return n.subjects.incarnation(incarnationOf(to)), true
	case to&spaceMask == nodeSpace:
		return n.subjects.node(uint32(to &^ spaceMask)), true
	}
	return "", false
}

func (n *Node) heartbeatLoop() {
	defer n.loops.Done()
	ticker := time.NewTicker(n.config.HeartbeatInterval)
	defer ticker.Stop()
	for {
		n.heartbeat()
		select {
		case <-ticker.C:
		case <-n.stop:
			return
		}
	}
}

// Hosting returns the streams whose processors run here now, sorted.
func (n *Node) Hosting() []string {
	n.mutex.Lock()
	defer n.mutex.Unlock()
	var names []string
	for name := range n.hosts {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Leading reports whether this node hosts the runner now.
func (n *Node) Leading() bool {
	n.mutex.Lock()
	defer n.mutex.Unlock()
	return n.runner != nil
}

// Log returns the node's view of the deployment's streams.
func (n *Node) Log() *jslog.Log { return n.log }

// Incarnation returns this process's incarnation.
func (n *Node) Incarnation() uint64 { return n.incarnation }

// Close stops the loops, the processors (releasing their leases) and the
// runner, refuses new transactions and closes the connection.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		close(n.stop)
		n.sessions.Close()
		n.loops.Wait()
		n.finishing.Wait()
		n.mutex.Lock()
		hosts, runnerHost := n.hosts, n.runner
		n.hosts, n.runner = map[string]*processorHost{}, nil
		n.mutex.Unlock()
		for _, host := range hosts {
			host.close()
			n.leases.release(context.Background(), host.lease)
		}
		if runnerHost != nil {
			runnerHost.close()
			n.leases.release(context.Background(), runnerHost.lease)
		}
		for _, subscription := range n.subscriptions {
			_ = subscription.Unsubscribe()
		}
		n.log.Close()
		n.nc.Close()
	})
}
